// How a child's outcome becomes its exit code, and mp::exit().
#ifndef MP_REFERENCE_SRC_CHILD_EXIT_HPP_
#define MP_REFERENCE_SRC_CHILD_EXIT_HPP_

#include <exception>

namespace mp::detail {

// The exit code for a target that ended with `error` (null: returned normally), after
// writing to stderr what CPython's _bootstrap writes: the SystemExit text, or
// "Process <name>:" and the exception.
int exit_code_for(const std::exception_ptr& error);

}  // namespace mp::detail

#endif  // MP_REFERENCE_SRC_CHILD_EXIT_HPP_
