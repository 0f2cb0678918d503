// mp/process.hpp: processes managed like threads, after Python's multiprocessing.Process.
//
// Defines mp::Process (a handle to a child process running a target with its args),
// current_process(), parent_process(), active_children(), cpu_count(), mp::exit(),
// mp::ProcessError and the start methods (fork, spawn, forkserver). The contract is
// shared/API.md; CPython's multiprocessing is the behavioural oracle.
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

#include <cereal/archives/binary.hpp>
#include <cereal/types/array.hpp>
#include <cereal/types/deque.hpp>
#include <cereal/types/list.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/set.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/tuple.hpp>
#include <cereal/types/unordered_map.hpp>
#include <cereal/types/unordered_set.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

// This implementation has spawn and forkserver besides fork (API.md, "Start methods").
#define MP_HAS_START_METHODS 1

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

namespace detail {

// How a new run of the program (spawn, forkserver) finds a Process's target again and gets
// its args back; nothing here is for users to call.
// Under fork the child is a copy and needs none of this. Under spawn the child is a new run
// of the executable, so start() writes the target and args down and the new run reads them:
// - a function is written as its place in the program (its module and its offset from where
//   the module was loaded, which holds from run to run for position-independent executables
//   and shared libraries);
// - a callable without state (a lambda without captures) needs nothing written: the new run
//   default-constructs one;
// - a callable with state and every arg go through cereal's binary archive, so numbers,
//   strings, standard containers and user types with cereal's serialize() make the trip.
// Whatever cannot is refused by start() with a ProcessError, before anything starts.

// Where a function or object of the program lies, in a form another run of it understands.
struct Location {
  std::string module;         // the loaded object's name as the dynamic linker lists it
  std::uintptr_t offset = 0;  // from the object's load address
  template <class Archive>
  void serialize(Archive& archive) {
    archive(module, offset);
  }
};

// The Location of `address`. Throws ProcessError if no loaded object holds it.
Location locate(const void* address);
// The address of `where` in this run. Throws ProcessError if its object is not loaded here.
const void* resolve(const Location& where);
// Throws ProcessError(what) (the message names why a target or arg cannot make the trip).
[[noreturn]] void refuse(const std::string& what);

// A target bound to its args: what a Process's child runs, as std::invoke(f, args...).
template <class F, class... Args>
struct Bound {
  F f;
  std::tuple<Args...> args;
  void operator()() {
    std::apply([this](Args&... a) { std::invoke(f, a...); }, args);
  }
};

template <class T>
inline constexpr bool kWritable =
    cereal::traits::is_output_serializable<T, cereal::BinaryOutputArchive>::value&&
        cereal::traits::is_input_serializable<T, cereal::BinaryInputArchive>::value&&
            std::is_default_constructible_v<T>;

// How the target of type F travels: as a function's Location, as nothing (a stateless
// callable is made anew), or as its serialized state.
template <class F>
inline constexpr bool kFunctionPointer =
    std::is_pointer_v<F>&& std::is_function_v<std::remove_pointer_t<F>>;
template <class F>
inline constexpr bool kStateless =
    std::is_class_v<F>&& std::is_empty_v<F>&& std::is_default_constructible_v<F>;
template <class F>
inline constexpr bool kTargetTravels = kFunctionPointer<F> || kStateless<F> || kWritable<F>;

// The two halves of one Bound type's trip, reached in the new run through the Location of
// this object (see SpawnCodec below).
struct SpawnCodec {
  // In the parent: writes the target and args of `entry` (a Bound made by a Process
  // constructor) to `out`, or refuses them.
  void (*encode)(const std::function<void()>& entry, std::string& out);
  // In the new run: reads what encode wrote and runs the target.
  void (*run)(const std::string& in);
};

template <class B>
struct CodecOf;

template <class F, class... Args>
struct CodecOf<Bound<F, Args...>> {
  using B = Bound<F, Args...>;

  static void encode(const std::function<void()>& entry, std::string& out) {
    if constexpr (!kTargetTravels<F>) {
      refuse(
          "the target cannot be found again in a new process: pass a function, or a lambda "
          "without captures (a callable with state needs a cereal serialize())");
    } else if constexpr (!(kWritable<Args> && ...)) {
      refuse(
          "an argument cannot be sent to a new process: its type has no cereal serialize() "
          "(numbers, strings, standard containers and types with serialize() can)");
    } else {
      const B& bound = *entry.target<B>();
      std::ostringstream buffer;
      {
        cereal::BinaryOutputArchive archive(buffer);
        if constexpr (kFunctionPointer<F>) {
          archive(locate(reinterpret_cast<const void*>(bound.f)));
        } else if constexpr (!kStateless<F>) {
          archive(bound.f);
        }
        archive(bound.args);
      }
      out = std::move(buffer).str();
    }
  }

  static void run(const std::string& in) {
    if constexpr (kTargetTravels<F> && (kWritable<Args> && ...)) {
      std::istringstream buffer(in);
      cereal::BinaryInputArchive archive(buffer);
      B bound{};
      if constexpr (kFunctionPointer<F>) {
        Location where;
        archive(where);
        bound.f = reinterpret_cast<F>(const_cast<void*>(resolve(where)));
      } else if constexpr (!kStateless<F>) {
        archive(bound.f);
      }
      archive(bound.args);
      bound();
    }
  }

  static constexpr SpawnCodec kCodec{&encode, &run};
};

}  // namespace detail

// Thrown by mp::exit() inside a child to unwind like Python's SystemExit. It deliberately
// does not derive from std::exception, so `catch (const std::exception&)` in user code does
// not swallow it; the child's bootstrap catches it and turns it into the exit code.
class SystemExit {
 public:
  // The constructors and accessors never throw.
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

// A target or arg as the constructors store it: a decay-copy made from what the caller
// passed, and copyable, because the child's entry is kept in a std::function.
template <class T>
concept Storable =
    std::constructible_from<std::decay_t<T>, T> && std::copy_constructible<std::decay_t<T>>;
template <class... T>
concept AllStorable = (Storable<T> && ...);
// A stored decay-copy as the child passes it to std::invoke: an lvalue.
template <class T>
using Held = std::decay_t<T>&;
}  // namespace detail

// What Process(target, args...) accepts: a target callable as std::invoke(target, args...)
// on lvalue decay-copies of itself and its args, all of them copyable. A move-only arg
// (std::unique_ptr) is refused here, at the call, with this concept's name in the error,
// rather than deep inside <functional>.
// Invocability is checked first: it rules out Process itself (Process q(p) copies the
// handle) before copy_constructible<Process> would consult these constructors again.
template <class F, class... Args>
concept Target =
    std::invocable<detail::Held<F>, detail::Held<Args>...> && detail::AllStorable<F, Args...>;

// A handle to a process. Copies refer to the same process (operator== says so). Destroying
// every handle of a started process neither kills nor waits for it: the library keeps what
// it needs to terminate daemons and join children when the program exits.
// Copying, moving, destroying and comparing handles never throw. Whatever allocates may also
// throw std::bad_alloc: "throws nothing else" below allows for that.
class Process {
 public:
  // A process whose target does nothing. Never blocks; throws nothing else.
  Process();

  // Process(target=f, args=(...)): the child runs std::invoke(target, args...). target and
  // args are decay-copied now (this throws what those copies throw); the target's return
  // value is ignored. Never blocks.
  template <class F, class... Args>
  explicit Process(F&& target, Args&&... args) requires Target<F, Args...>
      : Process(Options{}, std::forward<F>(target), std::forward<Args>(args)...) {}

  // Process(name=..., daemon=..., target=f, args=(...)), e.g. Process({.name = "w"}, f).
  // Throws as the constructor above.
  template <class F, class... Args>
  Process(Options options, F&& target, Args&&... args) requires Target<F, Args...>
      : Process(Internal{}, std::move(options),
                detail::Bound<std::decay_t<F>, std::decay_t<Args>...>{
                    std::forward<F>(target),
                    std::tuple<std::decay_t<Args>...>(std::forward<Args>(args)...)},
                &detail::CodecOf<detail::Bound<std::decay_t<F>, std::decay_t<Args>...>>::kCodec) {}

  // Forks the child, which runs the target. Flushes stdout and stderr (C stdio and
  // iostreams) first so buffered output is not printed twice: blocks while they cannot be
  // written, holding no lock. Does not wait for the target.
  // Throws ProcessError on misuse, std::system_error if pipe2, fork or pidfd_open fails (the
  // object then stays "initial" and may be started again).
  void start();

  // Blocks until the child has exited and is reaped. Throws ProcessError after close(),
  // before start, or when called from another process than the creator; std::system_error
  // if waiting fails (waitid, ppoll). On parent_process() (closed or not), blocks until the
  // parent has ended; throws ProcessError if its sentinel cannot be had (see sentinel()).
  void join();
  // Blocks until the child has exited or `timeout` has passed, whichever comes first; never
  // kills the child. A zero or negative timeout does not block. Check exitcode() or
  // is_alive() afterwards to tell which happened. Throws as join().
  void join(Seconds timeout);

  // True while the child runs; reaps it when it has ended. Does not block. Throws
  // ProcessError after close() or from another process than the creator;
  // std::system_error if waitid fails. On parent_process() (closed or not), never throws.
  [[nodiscard]] bool is_alive() const;

  // Sends SIGTERM (terminate) or SIGKILL (kill) to the child, never to a recycled pid.
  // Does nothing if the child has already ended. Does not wait: join() afterwards.
  // Throws ProcessError before start, after close() or from another process than the
  // creator; std::system_error if pidfd_send_signal (or kill) fails.
  void terminate();
  void kill();

  // Releases the pidfd and the library's record of the child; the handle then answers only
  // name(), daemon(), repr() and close(). Does not block. Throws ProcessError if the child
  // still runs; std::system_error if waitid fails. On current_process() in the main program
  // it does nothing; on parent_process() it only marks the handle closed.
  void close();

  // name(), set_name() and daemon() never block and throw nothing else, even after close().
  [[nodiscard]] std::string name() const;
  void set_name(std::string name);
  [[nodiscard]] bool daemon() const;
  // Never blocks. Throws ProcessError once started.
  void set_daemon(bool daemon);
  // nullopt before start(). For current_process(), the caller's own pid. Never blocks.
  // Throws ProcessError after close() (except on parent_process(), as CPython).
  [[nodiscard]] std::optional<pid_t> pid() const;
  // nullopt while not started or still running; the exit status otherwise: the code passed
  // to exit, or -S for a child killed by signal S. Reaps a child that has ended; does not
  // block. Throws ProcessError after close(); std::system_error if waitid fails.
  [[nodiscard]] std::optional<int> exitcode() const;
  // A file descriptor that becomes readable when the child ends (poll/select on it). Owned
  // by the handle until close(). Throws ProcessError("process not started") before start()
  // and ProcessError after close(); on parent_process(), ProcessError once the parent has
  // ended (or where pidfds are missing) and std::system_error if pidfd_open fails.
  [[nodiscard]] int sentinel() const;
  // Exactly CPython's repr(), e.g. "<Process name='Process-1' pid=42 parent=41 started>".
  // Reaps a child that has ended; does not block. Throws std::system_error if waitid fails.
  [[nodiscard]] std::string repr() const;

  // Same process. Never throws.
  friend bool operator==(const Process& a, const Process& b) { return a.state_ == b.state_; }
  // Prints repr(). Throws what repr() throws, and what `out` throws on failure if its
  // exceptions() mask asks for it.
  friend std::ostream& operator<<(std::ostream& out, const Process& p);

  // Library-internal: wraps existing state (current_process() and friends use it). Never
  // throws.
  explicit Process(std::shared_ptr<detail::State> state);

 private:
  struct Internal {};  // keeps this overload out of reach of user calls
  // `target` is the child's entry (a detail::Bound of decay-copies of the target and args);
  // `codec` writes it down for a new run under spawn and forkserver.
  Process(Internal /*tag*/, Options options, std::function<void()> target,
          const detail::SpawnCodec* codec);

  std::shared_ptr<detail::State> state_;
};

// The process running this code: "MainProcess" in the main program, the child's own
// Process inside a child. Never blocks or throws (it allocates nothing).
Process current_process();

// The parent of the current process (its name and pid), or nullopt in the main program.
// Never blocks or throws (it allocates nothing).
std::optional<Process> parent_process();

// The children of the current process that are still running; reaps those that ended.
// Does not block. Throws std::system_error if waitid fails.
std::vector<Process> active_children();

// The number of CPUs online (sysconf(_SC_NPROCESSORS_ONLN), at least 1). Never blocks or
// throws.
int cpu_count();

// Python's sys.exit(code). Inside a child, throws SystemExit to unwind the target
// (destructors run) and the child exits with code & 0xff. In the main program there is no
// caller to unwind to, so it flushes and calls std::exit(code).
[[noreturn]] void exit(int code = 0);
// sys.exit("text"): like exit(1), and `message` followed by a newline goes to stderr.
// Inside a child, throws SystemExit.
[[noreturn]] void exit(std::string_view message);

// How start() makes a child (API.md, "Start methods"): fork copies the parent; spawn runs
// the program anew, which finds the target again in freeze_support(); forkserver asks a
// server, itself spawned on first use, to fork it.
enum class StartMethod { fork, spawn, forkserver };

// Chooses the start method of every later start(). Throws ProcessError("context has already
// been set") once a method is set or in use (a second call, or after get_start_method() or a
// start()), as CPython's set_start_method does. As CPython's, `force` sets it all the same,
// and set_start_method(std::nullopt, true) makes it unset again.
void set_start_method(std::optional<StartMethod> method, bool force = false);
// The start method in use: fork unless set; in a spawned child, its parent's. Fixes it, as
// CPython's get_start_method() does. Never throws.
StartMethod get_start_method();
// Every method this platform has, fork first. Never throws.
std::vector<StartMethod> get_all_start_methods();
// Call it first in main(). In a child made by spawn or forkserver it runs the target and
// exits, so the rest of main() runs in the main program only (the C++ form of
// `if __name__ == '__main__':`); elsewhere it returns at once. Without it, such a child runs
// main() from the top and its first start() throws CPython's bootstrapping error.
void freeze_support();

}  // namespace mp

#endif  // MP_PROCESS_HPP_
