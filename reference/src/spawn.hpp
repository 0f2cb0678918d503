// The parent's side of spawn: a new run of this program, told who it is and what to run.
#ifndef MP_REFERENCE_SRC_SPAWN_HPP_
#define MP_REFERENCE_SRC_SPAWN_HPP_

#include <sys/types.h>

#include <array>
#include <string>

#include "state.hpp"

namespace mp::detail {

// With r.mutex held: s's target and args as its codec writes them ("" for no target).
// Throws ProcessError naming what cannot make the trip; nothing has started then.
std::string encode_target_locked(const State& s);

// With r.mutex held: s's SpawnMessage, written down (spawn_message.hpp), for a child whose
// lifeline write end (pipe fallback) is `lifeline_fd` (-1: none).
std::string spawn_message_locked(const State& s, const std::string& payload, int lifeline_fd);

// Starts a new run of this executable (same arguments, same environment plus
// `variable`=`fd`), with `fd` and `keep_fd` (if >= 0) inherited at their numbers. Returns
// its pid, or 0 with errno set.
pid_t spawn_new_run(const char* variable, int fd, int keep_fd);

// With r.mutex held: starts a new run of this executable (same arguments, same environment
// plus kSpawnFdVariable) whose freeze_support() becomes s's child and runs `payload`.
// `lifeline` is start.cpp's pipe fallback ({-1, -1} with pidfds); its write end is handed
// down. Returns the child's pid, or throws std::system_error (closing the lifeline).
pid_t spawn_child_locked(const State& s, const std::string& payload,
                         const std::array<int, 2>& lifeline);

}  // namespace mp::detail

#endif  // MP_REFERENCE_SRC_SPAWN_HPP_
