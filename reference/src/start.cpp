// Process::start() and the child's side of the fork: from fork() to _exit().
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <exception>
#include <mutex>
#include <utility>

#include "child_exit.hpp"
#include "exit_rules.hpp"
#include "forkserver.hpp"
#include "lifecycle.hpp"
#include "messages.hpp"
#include "mp/process.hpp"
#include "spawn.hpp"
#include "start_method.hpp"
#include "state.hpp"
#include "sys.hpp"

namespace mp {

using detail::Kind;
using detail::Registry;
using detail::State;
namespace msg = detail::msg;

namespace {

// Runs in the child right after fork() and never returns. Until the target starts, every
// step is a plain store, a close() or an atomic reference count: nothing allocates or takes
// a lock, because another thread of the parent may have held the allocator's or our lock
// at the moment of the fork, and that thread does not exist here.
[[noreturn]] void run_child(const std::shared_ptr<State>& self, std::shared_ptr<State>&& parent,
                            int lifeline_read, int lifeline_write) {
  // A fresh registry: we are current_process(), with no children and a counter at 0.
  // Copying `self` is an atomic increment.
  // getpid() is a plain system call.
  Registry& old = detail::reset_for_child(std::shared_ptr<State>(self), std::move(parent),
                                          lifeline_write, getpid());
  // Our siblings' pidfds and sentinels are the parent's business: close our copies (the
  // fds are close-on-exec already, but a fork keeps them) so that they neither leak nor,
  // in the pipe fallback, keep a sibling's lifeline open. The list is sorted and mostly
  // consecutive, so a few close_range calls do it. The States keep their numbers, which
  // own_fd() does not trust here (writing to them would only copy their pages).
  detail::close_sorted_fds(old.fds.data(), old.fds.size());
  if (old.lifeline_fd >= 0) detail::close_fd(old.lifeline_fd);  // our parent's own lifeline
  if (lifeline_read >= 0) detail::close_fd(lifeline_read);      // the parent's end

  // From here on we are in the user's world: the target may allocate, and so may we.
  detail::run_child_and_exit([&self] {
    if (self->target) self->target();
  });
}

// start()'s misuse checks, in CPython's order. With r.mutex held.
void check_startable_locked(const Registry& r, const State& s) {
  if (s.closed) throw ProcessError(msg::kClosed);
  if (s.pid) throw ProcessError(msg::kStartTwice);
  if (s.parent_pid != getpid()) throw ProcessError(msg::kStartNotCreator);
  if (r.current->daemon) throw ProcessError(msg::kDaemonChildren);
}

// With r.mutex held: forgets ended children now and then, and makes room for one more, so
// that recording the child after the fork cannot fail half-way.
void prepare_registry_locked(Registry& r) {
  // CPython's _cleanup(), amortized: only once the table has doubled since the last pass, so
  // starting N long-running children costs O(N) polls, not O(N^2).
  if (r.children.size() >= r.cleanup_at) {
    detail::cleanup_locked(r);
    r.cleanup_at = std::max<std::size_t>(16, 2 * r.children.size());
  }
  r.children.reserve(r.children.size() + 1);
  std::lock_guard fds_lock(r.fds_mutex);
  r.fds.reserve(r.fds.size() + 1);
}

// Pipe fallback (no pidfd_open): the child holds the write end; it closes when the child
// exits, which makes the read end readable. {-1, -1} where pidfds work. With r.mutex held,
// so that no other start() forks a child that would inherit the write end.
std::array<int, 2> open_lifeline_locked() {
  std::array<int, 2> lifeline = {-1, -1};
  if (!detail::have_pidfd() && pipe2(lifeline.data(), O_CLOEXEC) != 0) {
    detail::throw_errno("pipe2");
  }
  return lifeline;
}

// With r.mutex held: fork()s; the child runs `self`'s target and never returns from here.
// Returns the child's pid, or throws std::system_error (closing the lifeline) if fork fails.
pid_t fork_child_locked(Registry& r, const std::shared_ptr<State>& self,
                        std::shared_ptr<State>&& parent, const std::array<int, 2>& lifeline) {
  pid_t pid = 0;
  {
    // fds_mutex is held across the fork so the child's snapshot of r.fds (the fds it must
    // close) is consistent. The child never leaves this scope (run_child does not return),
    // so it never touches its copy of the lock.
    std::lock_guard fds_lock(r.fds_mutex);
    // fork(), not a raw clone3(CLONE_PIDFD): glibc's fork runs the atfork handlers that
    // leave malloc's and stdio's locks usable in the child.
    pid = fork();
    if (pid == 0) run_child(self, std::move(parent), lifeline[0], lifeline[1]);
  }
  if (pid < 0) {
    const int saved = errno;
    for (const int fd : lifeline) {
      if (fd >= 0) detail::close_fd(fd);
    }
    errno = saved;
    detail::throw_errno("fork");
  }
  return pid;
}

// In the parent, right after the fork: the fd that becomes readable when child `pid` ends,
// its pidfd or the lifeline's read end. If the pidfd cannot be opened, stops and reaps the
// child (the target may have begun: nothing is left half-started) and throws.
int child_sentinel(pid_t pid, const std::array<int, 2>& lifeline) {
  if (!detail::have_pidfd()) {
    detail::close_fd(lifeline[1]);  // the child's end: once it exits, no writer is left
    return lifeline[0];
  }
  // The child is unreaped, so its pid cannot have been recycled: this pidfd is its own.
  const int fd = detail::pidfd_open(pid);
  if (fd < 0) {
    const int saved = errno;
    ::kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    errno = saved;
    detail::throw_errno("pidfd_open");
  }
  return fd;
}

}  // namespace

void Process::start() {
  Registry& r = detail::registry();
  State& s = *state_;
  // Allocated before the fork so the child has its parent_process() without allocating.
  auto parent = std::make_shared<State>();
  parent->kind = Kind::kParent;
  parent->pid = getpid();
  const StartMethod method = get_start_method();
  {
    std::lock_guard lock(r.mutex);
    check_startable_locked(r, s);
  }
  if (method != StartMethod::fork && detail::bootstrapping()) {
    throw ProcessError(msg::kBootstrapping);
  }
  // Flushed before the fork so buffered output is not printed twice, and without the lock:
  // a full stdout pipe blocks here, and must not block name() in every other thread.
  // Output another thread writes after this flush may still be copied (writers never took
  // the lock), as under CPython.
  detail::flush_std_streams();

  std::function<void()> released_target;  // destroyed after the lock is released
  std::lock_guard lock(r.mutex);
  check_startable_locked(r, s);  // again: another thread may have started or closed it
  prepare_registry_locked(r);
  parent->name = s.parent_name;
  // Written before anything is opened: a target or arg that cannot make the trip is refused
  // with nothing to undo.
  const std::string payload =
      method == StartMethod::fork ? std::string() : detail::encode_target_locked(s);
  if (method == StartMethod::forkserver) {
    const detail::ServedChild child =
        detail::serve_child_locked(detail::spawn_message_locked(s, payload, -1));
    s.pid = child.pid;
    s.served = true;
    detail::adopt_fd(r, s, child.status_fd);
    if (child.pidfd >= 0) detail::adopt_signal_fd(r, s, child.pidfd);
    r.children.push_back(state_);
    released_target = std::move(s.target);
    s.target = nullptr;
    return;
  }
  const std::array<int, 2> lifeline = open_lifeline_locked();
  const pid_t pid = method == StartMethod::fork
                        ? fork_child_locked(r, state_, std::move(parent), lifeline)
                        : detail::spawn_child_locked(s, payload, lifeline);
  const int fd = child_sentinel(pid, lifeline);
  s.pid = pid;
  detail::adopt_fd(r, s, fd);
  r.children.push_back(state_);
  // As CPython does after start (bpo-30775): the parent no longer needs the target.
  released_target = std::move(s.target);
  s.target = nullptr;
}

}  // namespace mp
