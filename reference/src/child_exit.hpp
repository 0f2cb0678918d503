// How a child's outcome becomes its exit code, and mp::exit().
#ifndef MP_REFERENCE_SRC_CHILD_EXIT_HPP_
#define MP_REFERENCE_SRC_CHILD_EXIT_HPP_

#include <exception>
#include <utility>

namespace mp::detail {

// The exit code for a target that ended with `error` (null: returned normally), after
// writing to stderr what CPython's _bootstrap writes: the SystemExit text, or
// "Process <name>:" and the exception.
int exit_code_for(const std::exception_ptr& error);

// A child's end, however it was started: runs `target` (catching what it throws), then the
// at-exit rules for its own children (also when the target threw, as CPython's
// util._exit_function runs in a finally), flushes stdout and stderr and _exits with the code
// of API.md's table. _exit, not exit: the parent's atexit handlers and static destructors are
// the parent's (under fork), and the main program's (under spawn).
template <class Target>
[[noreturn]] void run_child_and_exit(Target&& target);

// The same tail, for an outcome already known (`error`: null when the target returned).
[[noreturn]] void exit_child(std::exception_ptr error);

template <class Target>
[[noreturn]] void run_child_and_exit(Target&& target) {
  std::exception_ptr error;
  try {
    target();
  } catch (...) {
    error = std::current_exception();
  }
  exit_child(std::move(error));
}

}  // namespace mp::detail

#endif  // MP_REFERENCE_SRC_CHILD_EXIT_HPP_
