// The shared state behind every mp::Process handle, and the library's global registry.
#ifndef MP_REFERENCE_SRC_STATE_HPP_
#define MP_REFERENCE_SRC_STATE_HPP_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mp::detail {

struct SpawnCodec;

// Which of CPython's classes a State plays. What depends on it is in KindRules below.
enum class Kind {
  kProcess,  // Process: created by the user
  kMain,     // _MainProcess: current_process() in the main program
  kParent,   // _ParentProcess: parent_process() inside a child
};

// Everything that differs between the kinds, after CPython's overrides of BaseProcess.
struct KindRules {
  const char* class_name;  // repr's class name
  // Process: the handle may start a child, which it then polls, reaps and signals; repr shows
  // that child's pid. Inside a child, current_process() is of this kind.
  bool starts_a_child;
  // _MainProcess: the main program itself. close() does nothing, and mp::exit() ends the
  // program instead of unwinding a target.
  bool is_main_program;
  // _ParentProcess: join() and is_alive() watch the parent's sentinel and pid() is the
  // recorded pid, even after close(); close() only marks the handle closed.
  bool watches_parent;
};

constexpr KindRules rules(Kind kind) {
  switch (kind) {
    case Kind::kProcess:
      return {.class_name = "Process",
              .starts_a_child = true,
              .is_main_program = false,
              .watches_parent = false};
    case Kind::kMain:
      return {.class_name = "_MainProcess",
              .starts_a_child = false,
              .is_main_program = true,
              .watches_parent = false};
    case Kind::kParent:
      return {.class_name = "_ParentProcess",
              .starts_a_child = false,
              .is_main_program = false,
              .watches_parent = true};
  }
  return {};  // unreachable: -Wswitch names a kind left out above
}

// One process as the library knows it. Every field is guarded by Registry::mutex, except
// that the destructor (run by the last owner, so alone) takes only Registry::fds_mutex.
struct State {
  Kind kind = Kind::kProcess;
  std::function<void()> target;       // released in the parent once started (bpo-30775)
  const SpawnCodec* codec = nullptr;  // writes `target` down for spawn; null: no target
  std::string name;
  bool daemon = false;
  std::vector<int> identity;        // position numbers: (1,) for Process-1, (1, 1) for Process-1:1
  std::optional<pid_t> parent_pid;  // the creator's pid; nullopt for kMain and kParent
  std::string parent_name;          // the creator's name, for the child's parent_process()
  std::optional<pid_t> pid;         // set once started (in the creator's copy only)
  int fd = -1;                      // pidfd, or the read end of the lifeline pipe (fallback);
                                    // for a forkserver's child, the pipe its status comes on
  bool served = false;              // forked by the forkserver, so not our child: its exit
                                    // status comes on `fd`, and signals go through signal_fd
  int signal_fd = -1;               // a forkserver's child's pidfd (-1: none, signal by pid)
  pid_t fd_owner = 0;               // the process that opened fd: in any other it is not ours
  std::optional<int> exitcode;      // set once reaped
  bool closed = false;

  State() = default;
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  // Closes fd: dropping the last handle to a joined process releases its pidfd. Takes
  // Registry::fds_mutex only, so it may run with Registry::mutex held or not.
  ~State();
};

// Everything the library knows about the current process. A child builds a fresh one in
// place (see reset_for_child), so nothing here may need a destructor to run.
struct Registry {
  // Guards every field but `fds`. Never held while waiting for a child to end or for a
  // stream to drain, so a stalled stdout cannot stall name() in another thread.
  std::mutex mutex;
  // Guards `fds`, and is held across fork() so the child's copy lists exactly the fds it
  // must close. Taken after `mutex` when both are held; nothing is locked or destroyed
  // while it is held. Separate because ~State takes it, and the last handle to a State may
  // be dropped with `mutex` held (e.g. erasing a reaped child from `children`).
  std::mutex fds_mutex;
  std::shared_ptr<State> current;                // current_process()
  std::shared_ptr<State> parent;                 // parent_process(); null in the main program
  std::vector<std::shared_ptr<State>> children;  // started and not yet seen to end
  pid_t self_pid = 0;                            // getpid() of the process this registry is for
  std::vector<int> fds;         // our open pidfds/sentinels, sorted: a new child closes them
  int counter = 0;              // Process objects constructed here, for names
  std::size_t cleanup_at = 16;  // children.size() at which start() next polls them all
  int lifeline_fd = -1;         // fallback only: write end our parent waits on
};

// The registry of this process, created on first use (which also registers the at-exit
// rules with std::atexit in the main program).
Registry& registry();

// In a freshly forked child: a new, empty registry whose current process is `self` and
// whose parent is `parent`, for process `self_pid`. Allocates nothing and takes no lock (the
// parent's copy of the mutex may be held by a thread that does not exist here). Returns the old
// registry, whose memory stays as it was so the caller can still close the fds it lists.
Registry& reset_for_child(std::shared_ptr<State>&& self, std::shared_ptr<State>&& parent,
                          int lifeline_fd, pid_t self_pid);

// With r.mutex held: `s.fd` if this process opened it, else -1 (a copy inherited by a child
// is closed there and must not be used).
int own_fd(const Registry& r, const State& s);

// With r.mutex held (or as s's last owner): `fd` becomes s's, and is listed so that new
// children close it. Takes r.fds_mutex.
void adopt_fd(Registry& r, State& s, int fd);

// With r.mutex held: `fd` becomes s's signal_fd (a forkserver's child's pidfd), listed as
// adopt_fd lists. Takes r.fds_mutex.
void adopt_signal_fd(Registry& r, State& s, int fd);

// With r.mutex held (or as s's last owner): closes s's fd and signal_fd if they are ours.
// Takes r.fds_mutex.
void release_fd(Registry& r, State& s);

// With r.mutex held: the pidfd to signal started child `s` through, or -1 (signal by pid).
inline int signal_fd_locked(const Registry& r, const State& s) {
  if (!s.served) return own_fd(r, s);
  return s.fd_owner == r.self_pid ? s.signal_fd : -1;
}

// True when `s` is current_process().
inline bool is_current(const Registry& r, const State& s) { return r.current.get() == &s; }

}  // namespace mp::detail

#endif  // MP_REFERENCE_SRC_STATE_HPP_
