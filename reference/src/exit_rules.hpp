// What happens to a process's children when it exits (CPython's util._exit_function).
#ifndef MP_REFERENCE_SRC_EXIT_RULES_HPP_
#define MP_REFERENCE_SRC_EXIT_RULES_HPP_

namespace mp::detail {

// Terminates every daemonic child still running, then joins every child, then stops this
// process's forkserver if it started one. Throws what joining throws (std::system_error).
void run_exit_rules_or_throw();

// The same for std::atexit in the main program: reports an error on stderr instead of
// throwing, since an exception there would end in std::terminate.
void run_exit_rules() noexcept;

}  // namespace mp::detail

#endif  // MP_REFERENCE_SRC_EXIT_RULES_HPP_
