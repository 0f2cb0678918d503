// Waiting for, reaping and forgetting a started child: shared by Process, active_children()
// and the at-exit rules.
#ifndef MP_REFERENCE_SRC_LIFECYCLE_HPP_
#define MP_REFERENCE_SRC_LIFECYCLE_HPP_

#include <chrono>
#include <optional>

#include "state.hpp"

namespace mp::detail {

using Deadline = std::optional<std::chrono::steady_clock::time_point>;

// With r.mutex held: the exit code of started child `s`, reaping it if it has ended
// (CPython's Popen.poll). Does not block. Does not touch r.children.
std::optional<int> poll_locked(State& s);

// With r.mutex held: drops `s` from r.children (CPython's _children.discard).
void forget_child_locked(Registry& r, const State& s);

// With r.mutex held: polls every child and forgets those that ended (CPython's _cleanup).
void cleanup_locked(Registry& r);

// Blocks, without holding r.mutex, until started child `s` ends or the deadline passes;
// then reaps and forgets it. Returns its exit code, or nullopt on timeout (or when someone
// else reaped it).
std::optional<int> wait_for_child(Registry& r, State& s, Deadline deadline);

}  // namespace mp::detail

#endif  // MP_REFERENCE_SRC_LIFECYCLE_HPP_
