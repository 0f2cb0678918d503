// The step interpreter: every step of spec/vocabulary.toml, over process_ops.hpp.
#include "play.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <thread>
#include <type_traits>
#include <variant>
#include <vector>

#include "exit_prints.hpp"
#include "other_module.hpp"
#include "points.hpp"

namespace mpspec {
namespace {

json g_scenario;
json g_vars;                  // this process's variables: a child gets its own copy with the fork
std::vector<int> g_kept_fds;  // keep_fd's descriptors, which a fork child inherits
// The handles of the program that last called start() (the parent's Program is on a forked
// child's copied stack), and a forked child's copy of them, taken when its target begins:
// what its "^NAME" handles are, also once it starts children of its own.
ops::Handles* g_starter = nullptr;
ops::Handles* g_parent = nullptr;

// Ops are traced with their result (PROTOCOL.md); the rest are effects and endings.
const std::set<std::string> kHandleOps = {
    "start",         "join",     "is_alive",   "terminate", "kill",     "close", "name",
    "daemon",        "pid",      "exitcode",   "repr",      "str",      "same",  "sentinel",
    "wait_sentinel", "set_name", "set_daemon", "reaped",    "await_end"};
const std::set<std::string> kOtherOps = {
    "create",  "active_children", "cpu_count",    "start_method", "getpid",
    "getppid", "open_fds",        "get",          "mark",         "reach",
    "await",   "keep_fd",         "kept_fds_open"};
const std::set<std::string> kOthers = {"print",   "flush",  "sleep",        "set",   "ignore",
                                       "on_exit", "guard",  "catch_errors", "drop",  "copy",
                                       "exit",    "return", "raise",        "crash", "end"};

bool is_op(const std::string& what) {
  return kHandleOps.contains(what) || kOtherOps.contains(what);
}

// The "guard" step's object: it prints when the target's scope is left, by any path, as
// API.md says of mp::exit: it unwinds like sys.exit (destructors run).
class PrintsWhenLeft {
 public:
  explicit PrintsWhenLeft(std::string text) : text_(std::move(text)) {}
  PrintsWhenLeft(const PrintsWhenLeft&) = delete;
  PrintsWhenLeft& operator=(const PrintsWhenLeft&) = delete;
  PrintsWhenLeft(PrintsWhenLeft&&) = delete;
  PrintsWhenLeft& operator=(PrintsWhenLeft&&) = delete;
  ~PrintsWhenLeft() { std::cout << text_ << '\n'; }

 private:
  std::string text_;
};

std::chrono::duration<double> units(const json& n) {
  return std::chrono::duration<double>(n.get<double>() * g_scenario["unit"].get<double>());
}

int signal_number(const std::string& name) {
  static const std::map<std::string, int> kSignals = {
      {"SIGHUP", SIGHUP},   {"SIGINT", SIGINT},   {"SIGQUIT", SIGQUIT}, {"SIGABRT", SIGABRT},
      {"SIGKILL", SIGKILL}, {"SIGUSR1", SIGUSR1}, {"SIGSEGV", SIGSEGV}, {"SIGUSR2", SIGUSR2},
      {"SIGPIPE", SIGPIPE}, {"SIGALRM", SIGALRM}, {"SIGTERM", SIGTERM}, {"SIGCHLD", SIGCHLD}};
  const auto it = kSignals.find(name);
  if (it == kSignals.end()) throw CaseError("unknown signal " + name);
  return it->second;
}

std::string plain(const json& value) {  // Python's str() of an int or a string
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// A "create" step's `unsendable` (none when absent); CaseError for an unknown one.
ops::Unsendable unsendable_of(const json& step) {
  const std::string kind = step.value("unsendable", "");
  if (kind.empty()) return ops::Unsendable::none;
  if (kind == "arg") return ops::Unsendable::arg;
  if (kind == "target") return ops::Unsendable::target;
  throw CaseError("unknown unsendable " + kind);
}

json to_json(const ops::Value& value) {  // an op's result as the trace's "value"
  return std::visit(
      [](const auto& v) -> json {
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::monostate>) {
          return nullptr;
        } else {
          return v;
        }
      },
      value);
}

}  // namespace

double monotonic() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void load_scenario(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw CaseError("cannot read " + path);
  g_scenario = json::parse(in);
  g_vars = g_scenario.value("vars", json::object());
}

const json& scenario() { return g_scenario; }

std::optional<std::string> validate(const json& sc) {
  if (!sc.is_object() || !sc.contains("main") || !sc.contains("unit")) {
    throw CaseError("scenario needs 'main' and 'unit'");
  }
  std::vector<const json*> programs = {&sc.at("main")};
  if (sc.contains("targets")) {
    for (const auto& [name, target] : sc.at("targets").items())
      programs.push_back(&target.at("steps"));
  }
  for (const json* steps : programs) {
    for (const json& step : *steps) {
      if (!step.is_object() || !step.contains("do")) throw CaseError("a step needs 'do'");
      const auto what = step["do"].get<std::string>();
      if (!is_op(what) && !kOthers.contains(what)) return what;
      if (what == "create" && step.contains("target") &&
          !(sc.contains("targets") &&
            sc.at("targets").contains(step["target"].get<std::string>()))) {
        throw CaseError("unknown target " + step["target"].dump());
      }
    }
  }
  return std::nullopt;
}

bool about_start_method(const json& sc, const std::string& method) {
  if (!sc.contains("start_methods")) return true;
  const json& methods = sc.at("start_methods");
  return std::find(methods.begin(), methods.end(), method) != methods.end();
}

void trace(json event) {
  if (!event.contains("t")) event["t"] = monotonic();
  event["pid"] = getpid();
  const std::string line = event.dump() + "\n";
  const char* fd = std::getenv("MPSPEC_TRACE_FD");
  // One write() per event: lines from many processes never interleave (O_APPEND).
  // A failed write loses the event, which the runner then reports as a missing result.
  if (fd != nullptr && write(std::atoi(fd), line.data(), line.size()) < 0) return;
}

void run_target(const std::string& path, const std::string& name, const std::string& args_json) {
  g_parent = g_starter;
  Program(path, json::parse(args_json)).run(g_scenario["targets"][name]["steps"]);
}

void Program::run(const json& steps) { run(steps, 0); }

void Program::run(const json& steps, std::size_t first) {
  for (std::size_t i = first; i < steps.size(); ++i) {
    const json& step = steps[i];
    const auto what = step["do"].get<std::string>();
    if (what == "guard") {
      const PrintsWhenLeft guard(format(step["text"].get<std::string>()));
      run(steps, i + 1);
      return;
    }
    if (what == "catch_errors") {
      try {
        run(steps, i + 1);
      } catch (const CaseError&) {
        throw;
      } catch (const std::exception&) {  // the step's point: mp::exit must not land here
        std::cout << format(step["text"].get<std::string>()) << '\n';
      }
      return;
    }
    if (is_op(what)) {
      op(step);
    } else if (what == "print") {
      std::ostream& out = step.value("stream", "stdout") == "stderr" ? std::cerr : std::cout;
      out << format(step["text"].get<std::string>()) << '\n';
    } else if (what == "flush") {
      std::cout.flush();
      std::cerr.flush();
      std::fflush(nullptr);
    } else if (what == "sleep") {
      std::this_thread::sleep_for(units(step["units"]));
    } else if (what == "set") {
      g_vars[step["var"].get<std::string>()] = step["value"];
    } else if (what == "ignore") {
      std::signal(signal_number(step["signal"]), SIG_IGN);
    } else if (what == "on_exit") {
      exit_prints::add(step["text"].get<std::string>(), step.value("how", "atexit"));
    } else if (what == "drop") {
      const auto [handles, name] = owner(step["p"].get<std::string>());
      handles->drop(name);
    } else if (what == "copy") {
      handles_.copy(step["p"].get<std::string>(), step["to"].get<std::string>());
    } else if (what == "return") {
      return;  // the target's value is ignored, as API.md says
    } else if (what == "raise") {
      throw std::runtime_error(step["message"].get<std::string>());
    } else if (what == "exit") {
      if (step.contains("message")) ops::exit(step["message"].get<std::string>());
      ops::exit(step.value("code", 0));
    } else if (what == "crash") {
      const int sig = signal_number(step["signal"]);
      std::signal(sig, SIG_DFL);
      std::raise(sig);
      std::this_thread::sleep_for(std::chrono::seconds(60));
    } else if (what == "end") {
      throw End{};
    } else {
      throw CaseError("unknown step " + what);
    }
  }
}

std::string Program::format(const std::string& text) const {
  static const std::regex kPlaceholder(
      R"(\{(name|pid|ppid|args|[0-9]|v:[A-Za-z_][A-Za-z0-9_]*)\})");
  std::string out;
  auto last = text.cbegin();
  for (std::sregex_iterator it(text.begin(), text.end(), kPlaceholder), end; it != end; ++it) {
    out.append(last, text.cbegin() + it->position());
    const std::string key = (*it)[1];
    if (key == "name") {
      out += ops::current_name();
    } else if (key == "pid") {
      out += std::to_string(getpid());
    } else if (key == "ppid") {
      out += std::to_string(getppid());
    } else if (key == "args") {
      for (std::size_t i = 0; i < args_.size(); ++i) out += (i > 0 ? " " : "") + plain(args_[i]);
    } else if (key.starts_with("v:")) {
      out += plain(g_vars.at(key.substr(2)));
    } else {
      out += plain(args_.at(static_cast<std::size_t>(std::stoi(key))));
    }
    last = text.cbegin() + it->position() + it->length();
  }
  out.append(last, text.cend());
  return out;
}

void Program::op(const json& step) {
  json event = {{"ev", "op"}, {"proc", path_}, {"do", step["do"]}};
  for (const char* key : {"p", "as", "point"}) {
    if (step.contains(key)) event[key] = step[key];
  }
  event["t0"] = monotonic();
  try {
    event["value"] = perform(step);
  } catch (const CaseError&) {
    throw;
  } catch (const std::exception& e) {  // misuse is a result, compared by message
    event["error"] = e.what();
    event["error_type"] = ops::is_process_error(e) ? "ProcessError" : "exception";
  }
  event["t"] = monotonic();
  trace(event);
}

json Program::perform(const json& step) {
  const auto what = step["do"].get<std::string>();
  if (what == "mark") return nullptr;
  if (what == "reach") {
    points::reach(g_scenario.at("run").get<std::string>(), step["point"].get<std::string>());
    return nullptr;
  }
  if (what == "await") {
    return points::await(g_scenario.at("run").get<std::string>(), step["point"].get<std::string>(),
                         units(step.value("timeout", json(50))).count(), path_ == "main");
  }
  if (what == "active_children") {
    std::vector<std::string> names = ops::active_children();
    std::sort(names.begin(), names.end());
    return names;
  }
  if (what == "cpu_count") return ops::cpu_count();
  if (what == "open_fds") {  // less the iterator's own fd
    const auto n = std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                                 std::filesystem::directory_iterator{});
    return n - 1;
  }
  if (what == "keep_fd") {  // a descriptor of the program's own, as a user's open file is
    const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) g_kept_fds.push_back(fd);
    return fd >= 0;
  }
  if (what == "kept_fds_open") {
    return std::count_if(g_kept_fds.begin(), g_kept_fds.end(),
                         [](int fd) { return fcntl(fd, F_GETFD) != -1; });
  }
  if (what == "getpid") return getpid();
  if (what == "getppid") return getppid();
  if (what == "start_method") return ops::start_method();
  if (what == "get") return g_vars.at(step["var"].get<std::string>());
  if (what == "create") {
    create(step);
    return nullptr;
  }
  // The rest act on a handle; their other fields are read once it is found. "^NAME" is this
  // child's copy of a handle of the program that started it (fork only: PROTOCOL.md).
  const auto [handles, handle] = owner(step["p"].get<std::string>());
  if (what == "start" && handles == &handles_) {
    g_starter = &handles_;  // what a child forked by this start copies
  }
  return to_json(handles->perform(what, handle, [&] {
    ops::Operand operand;
    if (what == "join" && step.contains("timeout"))
      operand.timeout = units(step["timeout"]).count();
    if (what == "wait_sentinel") operand.timeout = units(step["timeout"]).count();
    if (what == "await_end") operand.timeout = units(step.value("timeout", json(50))).count();
    if (what == "set_name") operand.name = step["value"].get<std::string>();
    if (what == "set_daemon") operand.daemon = step["value"].get<bool>();
    if (what == "same") operand.other = step["q"].get<std::string>();
    return operand;
  }));
}

std::pair<ops::Handles*, std::string> Program::owner(const std::string& name) {
  if (!name.starts_with('^')) return {&handles_, name};
  if (g_parent == nullptr) throw CaseError("no handles of a starting program: " + name);
  return {g_parent, name.substr(1)};
}

void Program::create(const json& step) {
  const std::string name = step.value("name", "");
  std::optional<bool> daemon;
  if (step.contains("daemon")) daemon = step["daemon"].get<bool>();
  const auto handle_name = step["p"].get<std::string>();
  if (!step.contains("target")) {
    handles_.create(handle_name, name, daemon, std::nullopt);
    return;
  }
  const auto target = step["target"].get<std::string>();
  const bool other = g_scenario["targets"][target].value("module", "") == "other";
  const ops::Unsendable unsendable = unsendable_of(step);
  if (unsendable != ops::Unsendable::none && other) {
    throw CaseError("unsendable needs a target of the main module");
  }
  handles_.create(handle_name, name, daemon,
                  ops::Target{.entry = other ? other_module::worker : run_target,
                              .path = path_ + "/" + handle_name,
                              .name = target,
                              .args_json = step.value("args", json::array()).dump(),
                              .unsendable = unsendable});
}

}  // namespace mpspec
