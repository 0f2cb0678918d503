// mp/process.hpp: processes managed like threads, after Python's multiprocessing.Process.
//
// Defines mp::Process (a handle to a child process running a target with its args),
// current_process(), parent_process(), active_children(), cpu_count(), mp::exit() and
// mp::ProcessError. The contract is shared/API.md; CPython's multiprocessing (fork start
// method) is the behavioural oracle.
//
//   void worker(int n) { std::cout << "Worker: " << n << std::endl; }
//
//   int main() {
//     mp::Process p(worker, 3);   // args are copied now
//     p.start();                  // fork; the child runs worker(3) and _exits
//     p.join();                   // blocks until the child is reaped
//     return *p.exitcode();       // 0
//   }
//
// Errors: misuse throws mp::ProcessError with CPython's message; a failing system call
// throws std::system_error naming the call. A timeout is not an error.
// Thread safety: every function may be called from several threads at once, on the same
// handle or on different ones.
#ifndef MP_PROCESS_HPP_
#define MP_PROCESS_HPP_

#include <sys/types.h>

#include <chrono>
#include <concepts>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace mp {

// A duration in seconds; 1s, 250ms and Seconds(0.5) all convert.
using Seconds = std::chrono::duration<double>;

// Python's keyword arguments to Process().
struct Options {
  // Default member initializers keep GCC's -Wmissing-field-initializers quiet for
  // Process({.name = "w"}, f).
  std::string name{};            // empty: the default name "Process-N"
  std::optional<bool> daemon{};  // unset: inherit current_process().daemon()
};

// Misuse of the API (Python raises AssertionError or ValueError there). what() is CPython's
// message, e.g. "cannot start a process twice".
class ProcessError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Thrown by mp::exit() inside a child to unwind like Python's SystemExit. It deliberately
// does not derive from std::exception, so `catch (const std::exception&)` in user code does
// not swallow it; the child's bootstrap catches it and turns it into the exit code.
class SystemExit {
 public:
  explicit SystemExit(int code) : code_(code) {}
  explicit SystemExit(std::string message) : code_(1), message_(std::move(message)) {}
  [[nodiscard]] int code() const { return code_; }
  // Set for mp::exit("text"): the text the child prints to stderr before exiting with 1.
  [[nodiscard]] const std::optional<std::string>& message() const { return message_; }

 private:
  int code_;
  std::optional<std::string> message_;
};

namespace detail {
struct State;
}  // namespace detail

// A handle to a process. Copies refer to the same process (operator== says so). Destroying
// every handle of a started process neither kills nor waits for it: the library keeps what
// it needs to terminate daemons and join children when the program exits.
class Process {
 public:
  // A process whose target does nothing.
  Process();

  // Process(target=f, args=(...)): the child runs std::invoke(target, args...). target and
  // args are decay-copied now; the target's return value is ignored.
  template <class F, class... Args>
  requires std::invocable < std::decay_t<F>
  &, std::decay_t<Args>&... > explicit Process(F&& target, Args&&... args)
      : Process(Options{}, std::forward<F>(target), std::forward<Args>(args)...) {}

  // Process(name=..., daemon=..., target=f, args=(...)), e.g. Process({.name = "w"}, f).
  template <class F, class... Args>
  requires std::invocable < std::decay_t<F>
  &, std::decay_t<Args>&... > Process(Options options, F&& target, Args&&... args)
      : Process(
            std::move(options),
            std::function<void()>([f = std::decay_t<F>(std::forward<F>(target)),
                                   ... a = std::decay_t<Args>(std::forward<Args>(args))]() mutable {
              std::invoke(f, a...);
            }),
            Internal{}) {}

  // Forks the child, which runs the target. Flushes stdout and stderr (C stdio and
  // iostreams) first so buffered output is not printed twice. Does not wait for the target.
  // Throws ProcessError on misuse, std::system_error if fork or pidfd_open fails (the object
  // then stays "initial" and may be started again).
  void start();

  // Blocks until the child has exited and is reaped. Throws ProcessError before start or
  // when called from another process than the creator.
  void join();
  // Blocks until the child has exited or `timeout` has passed, whichever comes first; never
  // kills the child. A zero or negative timeout does not block. Check exitcode() or
  // is_alive() afterwards to tell which happened.
  void join(Seconds timeout);

  // True while the child runs; reaps it when it has ended. Does not block.
  [[nodiscard]] bool is_alive() const;

  // Sends SIGTERM (terminate) or SIGKILL (kill) to the child, never to a recycled pid.
  // Does nothing if the child has already ended. Does not wait: join() afterwards.
  void terminate();
  void kill();

  // Releases the pidfd and the library's record of the child; the handle then answers only
  // name(), daemon(), repr() and close(). Throws ProcessError if the child still runs.
  void close();

  [[nodiscard]] std::string name() const;
  void set_name(std::string name);
  [[nodiscard]] bool daemon() const;
  // Throws ProcessError once started.
  void set_daemon(bool daemon);
  // nullopt before start(). For current_process(), the caller's own pid.
  [[nodiscard]] std::optional<pid_t> pid() const;
  // nullopt while not started or still running; the exit status otherwise: the code passed
  // to exit, or -S for a child killed by signal S. Reaps a child that has ended.
  [[nodiscard]] std::optional<int> exitcode() const;
  // A file descriptor that becomes readable when the child ends (poll/select on it). Owned
  // by the handle until close(). Throws ProcessError("process not started") before start().
  [[nodiscard]] int sentinel() const;
  // Exactly CPython's repr(), e.g. "<Process name='Process-1' pid=42 parent=41 started>".
  // Reaps a child that has ended.
  [[nodiscard]] std::string repr() const;

  friend bool operator==(const Process& a, const Process& b) { return a.state_ == b.state_; }
  friend std::ostream& operator<<(std::ostream& out, const Process& p);

  // Library-internal: wraps existing state (current_process() and friends use it).
  explicit Process(std::shared_ptr<detail::State> state);

 private:
  struct Internal {};  // keeps this overload out of reach of user calls
  Process(Options options, std::function<void()> target, Internal /*tag*/);

  std::shared_ptr<detail::State> state_;
};

// The process running this code: "MainProcess" in the main program, the child's own
// Process inside a child. Never blocks or throws.
Process current_process();

// The parent of the current process (its name and pid), or nullopt in the main program.
std::optional<Process> parent_process();

// The children of the current process that are still running; reaps those that ended.
std::vector<Process> active_children();

// The number of CPUs in the system (std::thread::hardware_concurrency, at least 1).
int cpu_count();

// Python's sys.exit(code). Inside a child, unwinds the target (destructors run) and the child
// exits with code & 0xff. In the main program there is no caller to unwind to, so it flushes
// and calls std::exit(code).
[[noreturn]] void exit(int code = 0);
// sys.exit("text"): like exit(1), and `message` followed by a newline goes to stderr.
[[noreturn]] void exit(std::string_view message);

}  // namespace mp

#endif  // MP_PROCESS_HPP_
