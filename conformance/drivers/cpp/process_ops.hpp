// Every call the driver makes into mp/process.hpp, behind plain std types.
//
// The grader compiles this driver against each submission's mp/process.hpp. Only
// process_ops.cpp includes that header, and it does not include <nlohmann/json.hpp>, so the
// json-heavy translation units (play.cpp, main.cpp) never depend on a submission and ccache
// reuses their objects from one submission to the next; what each submission still pays is
// this small file. Keep it so: this header includes neither header.
#ifndef MPSPEC_DRIVER_PROCESS_OPS_HPP_
#define MPSPEC_DRIVER_PROCESS_OPS_HPP_

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace mpspec::ops {

// An op's result (PROTOCOL.md, "value"): null, bool, int, string or a list of names.
using Value = std::variant<std::monostate, bool, long long, std::string, std::vector<std::string>>;

// What an op on a handle reads from its step besides the handle.
struct Operand {
  std::optional<double> timeout;  // seconds: join's (unset: no timeout), wait_sentinel's
  std::string name;               // set_name's value
  bool daemon = false;            // set_daemon's value
  std::string other;              // same's other handle
};

// A child's entry, called in the child with the program's path (main/w), the target's name
// and its args as a JSON array: a string, because the child re-parses them in play.cpp.
using Entry = void (*)(const std::string& path, const std::string& target,
                       const std::string& args_json);

// What of a Process a new run (spawn, forkserver) cannot be sent: the `unsendable` of a
// "create" step (spec/vocabulary.toml).
enum class Unsendable {
  none,
  arg,     // an extra last arg whose type has no cereal serialize(), which the entry ignores
  target,  // the entry wrapped in a lambda that captures such a value
};

// What a "create" step with a target starts: entry(path, target, args_json) in the child.
struct Target {
  Entry entry = nullptr;
  std::string path;
  std::string name;
  std::string args_json;
  Unsendable unsendable = Unsendable::none;  // with `arg`, entry must be run_target
};

// One program's process handles, by name. Each program (the main one, each child) has its
// own: a child sees its parent's only as its forked copy of them ("^NAME", play.cpp).
class Handles {
 public:
  Handles();
  ~Handles();
  Handles(Handles&& other) noexcept;
  Handles& operator=(Handles&& other) noexcept;
  Handles(const Handles&) = delete;
  Handles& operator=(const Handles&) = delete;

  // Process(name=..., daemon=...) without a target (`target` unset), or with one; replaces
  // any handle called `handle`. An empty `name` keeps the default name.
  void create(const std::string& handle, const std::string& name, std::optional<bool> daemon,
              const std::optional<Target>& target);
  // Forgets `handle` (the program holds no reference to the process any more); CaseError
  // for an unknown one.
  void drop(const std::string& handle);
  // Makes `to` a copy of handle `from`, copied as API.md's handles row writes it.
  void copy(const std::string& from, const std::string& to);

  // Performs op `what` (start, join, is_alive, ..., reaped) on `handle`: a created one,
  // "current" or "parent". Calls `operand` only once the handle is found, so the step's
  // fields are read in the order they always were. Returns null for "parent" in the main
  // program; throws CaseError for an unknown handle, and what the library throws.
  Value perform(const std::string& what, const std::string& handle,
                const std::function<Operand()>& operand);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Calls mp::freeze_support() (in a child started by spawn or forkserver, it plays the
// child's target and exits), then sets `method` ("fork", "spawn" or "forkserver") as the
// start method. Returns what is unsupported where the implementation has no start methods
// (API.md: optional for submissions) and `method` is not fork. Throws CaseError for an
// unknown method.
std::optional<std::string> use_start_method(const std::string& method);

// The name of mp::get_start_method() ("fork" where the implementation has no start methods).
// Throws std::runtime_error if it is not the method use_start_method() set.
std::string start_method();
// The names of mp::active_children(), in its order.
std::vector<std::string> active_children();
// mp::cpu_count().
int cpu_count();
// mp::current_process().name().
std::string current_name();
// mp::exit(code) and mp::exit(message).
[[noreturn]] void exit(int code);
[[noreturn]] void exit(const std::string& message);
// True when `e` is exactly an mp::ProcessError (the trace's error_type "ProcessError").
bool is_process_error(const std::exception& e);

}  // namespace mpspec::ops

#endif  // MPSPEC_DRIVER_PROCESS_OPS_HPP_
