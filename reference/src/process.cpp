// mp::Process: construction, the accessors and the operations that wait or signal.
// start() lives in start.cpp and repr() in repr.cpp.
#include "mp/process.hpp"

#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <mutex>
#include <ostream>
#include <utility>

#include "lifecycle.hpp"
#include "messages.hpp"
#include "state.hpp"
#include "sys.hpp"

namespace mp {

using detail::Registry;
using detail::registry;
using detail::State;
namespace msg = detail::msg;

namespace {

std::string default_name(const std::vector<int>& identity) {
  std::string name = "Process-";
  for (std::size_t i = 0; i < identity.size(); ++i) {
    if (i > 0) name += ':';
    name += std::to_string(identity[i]);
  }
  return name;
}

void check_open(const State& s) {
  if (s.closed) throw ProcessError(msg::kClosed);
}

bool created_here(const State& s) { return s.parent_pid == getpid(); }

// _ParentProcess.join/is_alive: the parent has ended once we have been re-parented. A
// forkserver's child is the server's: its parent_process() is watched through the pidfd
// it opened at its start (readable once that process has ended).
bool parent_alive(const State& s) {
  if (!s.served) return s.pid == getppid();
  if (s.fd < 0) return ::kill(*s.pid, 0) == 0;  // no pidfds: the pid is all there is
  pollfd p{.fd = s.fd, .events = POLLIN, .revents = 0};
  return poll(&p, 1, 0) == 0;
}

// _ParentProcess's sentinel, closed or not: a pidfd opened on first use. The pid cannot have
// been recycled while we are still its child; once re-parented, the pidfd may name another
// process, so it is dropped.
int parent_sentinel_locked(Registry& r, State& s) {
  if (detail::own_fd(r, s) < 0 && detail::have_pidfd()) {
    const int fd = detail::pidfd_open(*s.pid);
    if (fd < 0) detail::throw_errno("pidfd_open");
    if (!parent_alive(s)) {
      detail::close_fd(fd);
      throw ProcessError("parent process has ended");
    }
    detail::adopt_fd(r, s, fd);
  }
  const int fd = detail::own_fd(r, s);
  if (fd < 0) throw ProcessError(msg::kNotStarted);
  return fd;
}

int sentinel_locked(Registry& r, State& s) {
  check_open(s);
  if (detail::rules(s.kind).watches_parent) return parent_sentinel_locked(r, s);
  const int fd = detail::own_fd(r, s);
  if (fd < 0) throw ProcessError(msg::kNotStarted);
  return fd;
}

void join_until(State& s, detail::Deadline deadline) {
  Registry& r = registry();
  int parent_fd = -1;
  {
    std::lock_guard lock(r.mutex);
    if (detail::rules(s.kind).watches_parent) {
      // _ParentProcess.join: wait on the parent's sentinel (even once closed, as CPython).
      if (!parent_alive(s)) return;
      parent_fd = parent_sentinel_locked(r, s);
    } else {
      check_open(s);
      if (!created_here(s)) throw ProcessError(msg::kJoinNotChild);
      if (!s.pid) throw ProcessError(msg::kJoinNotStarted);
    }
  }
  if (parent_fd >= 0) {
    detail::wait_readable(parent_fd, deadline);
    return;
  }
  detail::wait_for_child(r, s, deadline);
}

void signal_child(const State& s, int sig) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  check_open(s);
  if (!s.pid) throw ProcessError(msg::kNotStarted);
  if (!created_here(s)) throw ProcessError(msg::kSignalNotChild);
  // Reaping happens only under this lock, so an unreaped child's pid is still its own.
  if (s.exitcode) return;
  detail::send_signal(detail::signal_fd_locked(r, s), *s.pid, sig);
}

}  // namespace

Process::Process() : Process(Internal{}, Options{}, std::function<void()>{}, nullptr) {}

Process::Process(std::shared_ptr<State> state) : state_(std::move(state)) {}

Process::Process(Internal /*tag*/, Options options, std::function<void()> target,
                 const detail::SpawnCodec* codec)
    : state_(std::make_shared<State>()) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  State& s = *state_;
  s.target = std::move(target);
  s.codec = codec;
  // CPython counts every Process constructed, named or not, and prefixes the creator's
  // position numbers: Process-1:2 is the 2nd object made inside the 1st child.
  s.identity = r.current->identity;
  s.identity.push_back(++r.counter);
  s.name = options.name.empty() ? default_name(s.identity) : std::move(options.name);
  s.daemon = options.daemon.value_or(r.current->daemon);
  s.parent_pid = getpid();
  s.parent_name = r.current->name;
}

void Process::join() { join_until(*state_, std::nullopt); }

void Process::join(Seconds timeout) {
  const auto wait = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::max(timeout, Seconds(0)));
  join_until(*state_, std::chrono::steady_clock::now() + wait);
}

bool Process::is_alive() const {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  State& s = *state_;
  if (detail::rules(s.kind).watches_parent) return parent_alive(s);
  check_open(s);
  if (detail::is_current(r, s)) return true;
  if (!created_here(s)) throw ProcessError(msg::kTestNotChild);
  if (!s.pid) return false;
  if (!detail::poll_locked(s)) return true;
  detail::forget_child_locked(r, s);
  return false;
}

void Process::terminate() { signal_child(*state_, SIGTERM); }

void Process::kill() { signal_child(*state_, SIGKILL); }

void Process::close() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  State& s = *state_;
  const detail::KindRules rules = detail::rules(s.kind);
  if (rules.is_main_program) return;  // _MainProcess.close() does nothing
  // Only a child we started (CPython's _popen) is checked, reaped and forgotten; closing
  // parent_process() in a child just marks the handle closed.
  if (rules.starts_a_child && s.pid) {
    if (!detail::poll_locked(s)) throw ProcessError(msg::kCloseRunning);
    detail::release_fd(r, s);
    s.pid.reset();
    detail::forget_child_locked(r, s);
  }
  s.closed = true;
}

std::string Process::name() const {
  std::lock_guard lock(registry().mutex);
  return state_->name;
}

void Process::set_name(std::string name) {
  std::lock_guard lock(registry().mutex);
  state_->name = std::move(name);
}

bool Process::daemon() const {
  std::lock_guard lock(registry().mutex);
  return state_->daemon;
}

void Process::set_daemon(bool daemon) {
  std::lock_guard lock(registry().mutex);
  if (state_->pid) throw ProcessError(msg::kAlreadyStarted);
  state_->daemon = daemon;
}

std::optional<pid_t> Process::pid() const {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  const State& s = *state_;
  if (detail::rules(s.kind).watches_parent) return s.pid;  // even once closed, as CPython
  check_open(s);
  if (detail::is_current(r, s)) return getpid();
  return s.pid;
}

std::optional<int> Process::exitcode() const {
  std::lock_guard lock(registry().mutex);
  check_open(*state_);
  return detail::poll_locked(*state_);
}

int Process::sentinel() const {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return sentinel_locked(r, *state_);
}

std::ostream& operator<<(std::ostream& out, const Process& p) { return out << p.repr(); }

}  // namespace mp
