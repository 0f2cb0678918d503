// `on_exit`: lines the main program asks to be printed at its exit, by an exit handler or by
// the destructor of an object of static storage. API.md: a child runs neither of its
// parent's, so a child that leaves by std::exit instead of _exit prints them too.
#ifndef MPSPEC_DRIVER_EXIT_PRINTS_HPP_
#define MPSPEC_DRIVER_EXIT_PRINTS_HPP_

#include <string>

namespace mpspec::exit_prints {
// At this process's normal exit, prints `text` with {pid} replaced by the pid then: `how` is
// "atexit" (std::atexit) or "static" (an object of static storage's destructor).
void add(const std::string& text, const std::string& how);
}  // namespace mpspec::exit_prints

#endif  // MPSPEC_DRIVER_EXIT_PRINTS_HPP_
