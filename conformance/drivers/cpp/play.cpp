// The step interpreter: every step of spec/vocabulary.toml over mp/process.hpp.
#include "play.hpp"

#include <poll.h>
#include <sys/wait.h>
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
#include <regex>
#include <set>
#include <thread>
#include <vector>

#include "other_module.hpp"

namespace mpspec {
namespace {

json g_scenario;
json g_vars;  // this process's variables: a child gets its own copy with the fork

const std::set<std::string> kOps = {
    "create",   "start",         "join",     "is_alive",   "terminate",       "kill",
    "close",    "name",          "daemon",   "pid",        "exitcode",        "repr",
    "sentinel", "wait_sentinel", "set_name", "set_daemon", "active_children", "cpu_count",
    "getpid",   "getppid",       "mark",     "open_fds",   "reaped"};
const std::set<std::string> kOthers = {"print", "flush",  "sleep", "set",   "ignore", "drop",
                                       "exit",  "return", "raise", "crash", "end"};

double monotonic() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);  // the clock of the trace, as Python's time.monotonic
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

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

}  // namespace

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
      if (!kOps.contains(what) && !kOthers.contains(what)) return what;
      if (what == "create" && step.contains("target") &&
          !(sc.contains("targets") &&
            sc.at("targets").contains(step["target"].get<std::string>()))) {
        throw CaseError("unknown target " + step["target"].dump());
      }
    }
  }
  return std::nullopt;
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

void run_target(const std::string& path, const std::string& name, const json& args) {
  Program(path, args).run(g_scenario["targets"][name]["steps"]);
}

void Program::run(const json& steps) {
  for (const json& step : steps) {
    const auto what = step["do"].get<std::string>();
    if (kOps.contains(what)) {
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
    } else if (what == "drop") {
      handles_.erase(step["p"].get<std::string>());
    } else if (what == "return") {
      return;  // the target's value is ignored, as API.md says
    } else if (what == "raise") {
      throw std::runtime_error(step["message"].get<std::string>());
    } else if (what == "exit") {
      if (step.contains("message")) mp::exit(step["message"].get<std::string>());
      mp::exit(step.value("code", 0));
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
      out += mp::current_process().name();
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

std::optional<mp::Process> Program::handle(const std::string& name) {
  if (name == "current") return mp::current_process();
  if (name == "parent") return mp::parent_process();
  const auto it = handles_.find(name);
  if (it == handles_.end()) throw CaseError("unknown process handle " + name);
  return it->second;
}

void Program::op(const json& step) {
  json event = {{"ev", "op"}, {"proc", path_}, {"do", step["do"]}};
  for (const char* key : {"p", "as"}) {
    if (step.contains(key)) event[key] = step[key];
  }
  event["t0"] = monotonic();
  try {
    event["value"] = perform(step);
  } catch (const CaseError&) {
    throw;
  } catch (const std::exception& e) {  // misuse is a result, compared by message
    event["error"] = e.what();
    event["error_type"] = typeid(e) == typeid(mp::ProcessError) ? "ProcessError" : "exception";
  }
  event["t"] = monotonic();
  trace(event);
}

json Program::perform(const json& step) {
  const auto what = step["do"].get<std::string>();
  if (what == "mark") return nullptr;
  if (what == "active_children") {
    std::vector<std::string> names;
    for (const auto& p : mp::active_children()) names.push_back(p.name());
    std::sort(names.begin(), names.end());
    return names;
  }
  if (what == "cpu_count") return mp::cpu_count();
  if (what == "open_fds") {  // less the iterator's own fd
    const auto n = std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                                 std::filesystem::directory_iterator{});
    return n - 1;
  }
  if (what == "getpid") return getpid();
  if (what == "getppid") return getppid();
  if (what == "create") {
    create(step);
    return nullptr;
  }
  std::optional<mp::Process> p = handle(step["p"].get<std::string>());
  if (!p) return nullptr;  // parent_process() in the main program
  if (what == "reaped") {  // a zombie or a running child can still be waited for
    siginfo_t info{};
    return waitid(P_PID, static_cast<id_t>(p->pid().value_or(0)), &info,
                  WEXITED | WNOHANG | WNOWAIT) != 0 &&
           errno == ECHILD;
  }
  if (what == "start") p->start();
  if (what == "join") {
    if (step.contains("timeout")) {
      p->join(units(step["timeout"]));
    } else {
      p->join();
    }
  }
  if (what == "is_alive") return p->is_alive();
  if (what == "terminate") p->terminate();
  if (what == "kill") p->kill();
  if (what == "close") p->close();
  if (what == "name") return p->name();
  if (what == "daemon") return p->daemon();
  if (what == "pid") return p->pid() ? json(*p->pid()) : json(nullptr);
  if (what == "exitcode") return p->exitcode() ? json(*p->exitcode()) : json(nullptr);
  if (what == "sentinel") return p->sentinel();
  if (what == "repr") return p->repr();
  if (what == "wait_sentinel") {
    pollfd fd{.fd = p->sentinel(), .events = POLLIN, .revents = 0};
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(units(step["timeout"]));
    return poll(&fd, 1, static_cast<int>(ms.count())) > 0;
  }
  if (what == "set_name") p->set_name(step["value"].get<std::string>());
  if (what == "set_daemon") p->set_daemon(step["value"].get<bool>());
  return nullptr;
}

void Program::create(const json& step) {
  mp::Options options;
  options.name = step.value("name", "");
  if (step.contains("daemon")) options.daemon = step["daemon"].get<bool>();
  const auto name = step["p"].get<std::string>();
  if (!step.contains("target")) {
    mp::Process p;
    if (!options.name.empty()) p.set_name(options.name);
    if (options.daemon) p.set_daemon(*options.daemon);
    handles_.insert_or_assign(name, p);
    return;
  }
  const auto target = step["target"].get<std::string>();
  const std::string child_path = path_ + "/" + name;
  const json args = step.value("args", json::array());
  const bool other = g_scenario["targets"][target].value("module", "") == "other";
  handles_.insert_or_assign(
      name, other ? mp::Process(options, other_module::worker, child_path, target, args)
                  : mp::Process(options, run_target, child_path, target, args));
}

}  // namespace mpspec
