// Waiting never polls on a timer: the pidfd (or lifeline pipe) wakes us when the child ends,
// waitid(WNOWAIT) waits without reaping, and only a holder of the registry lock reaps, so the
// exit code is recorded exactly once however many threads join the same child.
#include "lifecycle.hpp"

#include <algorithm>
#include <mutex>

#include "forkserver.hpp"
#include "sys.hpp"

namespace mp::detail {

std::optional<int> poll_locked(State& s) {
  if (s.exitcode || !s.pid) return s.exitcode;
  s.exitcode = s.served ? read_served_status(s.fd) : try_reap(*s.pid);
  return s.exitcode;
}

void forget_child_locked(Registry& r, const State& s) {
  std::erase_if(r.children, [&s](const auto& c) { return c.get() == &s; });
}

void cleanup_locked(Registry& r) {
  std::erase_if(r.children, [](const auto& c) { return poll_locked(*c).has_value(); });
}

std::optional<int> wait_for_child(Registry& r, State& s, Deadline deadline) {
  int fd = -1;
  pid_t pid = 0;
  {
    std::lock_guard lock(r.mutex);
    if (s.exitcode) return s.exitcode;
    fd = own_fd(r, s);
    pid = *s.pid;
  }
  if (deadline && !wait_readable(fd, deadline)) return std::nullopt;
  if (s.served) {
    wait_readable(fd, std::nullopt);  // the forkserver writes the status once it has reaped
  } else {
    // A readable pidfd means the child is a zombie already; a closed lifeline means it is
    // exiting. Either way wait (without reaping) until it is reapable; with no deadline this
    // is the only wait.
    wait_exited(pid);
  }
  std::lock_guard lock(r.mutex);
  const auto code = poll_locked(s);
  // No code after a completed wait means someone else reaped it (waitpid(-1), SIGCHLD
  // ignored): it is no longer ours to wait for, so forget it, or the at-exit rules would
  // wait for it forever. Its exit code is lost, as in CPython.
  forget_child_locked(r, s);
  return code;
}

}  // namespace mp::detail
