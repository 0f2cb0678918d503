// The driver's calls into mp/process.hpp (process_ops.hpp says why they live here alone).
#include "process_ops.hpp"

#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <deque>
#include <map>
#include <mp/process.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "driver.hpp"
#include "waiting.hpp"

namespace mpspec::ops {
namespace {

std::string g_start_method = "fork";  // as use_start_method() set it

// A value whose type has no cereal serialize(): spawn and forkserver cannot send it.
struct Opaque {};

void run_target_ignoring(const std::string& path, const std::string& name,
                         const std::string& args_json, const Opaque& /*unsendable*/) {
  run_target(path, name, args_json);
}

mp::Process make_process(const mp::Options& options, const Target& target) {
  switch (target.unsendable) {
    case Unsendable::arg:
      return {options, run_target_ignoring, target.path, target.name, target.args_json, Opaque{}};
    case Unsendable::target: {
      auto captures = [entry = target.entry, held = Opaque{}](const std::string& path,
                                                              const std::string& name,
                                                              const std::string& args_json) {
        static_cast<void>(held);
        entry(path, name, args_json);
      };
      return {options, captures, target.path, target.name, target.args_json};
    }
    case Unsendable::none:
      break;
  }
  return {options, target.entry, target.path, target.name, target.args_json};
}

// Polls `p` until it is readable (true) or `deadline` passes (false), in 50 ms slices: the
// reaper may end the wait sooner (waiting.hpp), which is then false as at the deadline.
bool readable_before(pollfd& p, std::chrono::steady_clock::time_point deadline) {
  const Waiting waiting;
  for (;;) {  // at least one look, so that a deadline of now still sees a readable fd
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
            .count();
    const int ready =
        poll(&p, 1, static_cast<int>(std::clamp(left, decltype(left){0}, kWaitSlice.count())));
    if (ready > 0) return true;
    if ((ready < 0 && errno != EINTR) || left <= 0 || waiting.ended_by_reaper()) return false;
  }
}

std::chrono::steady_clock::time_point after(double seconds) {
  return std::chrono::steady_clock::now() +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(
             std::chrono::duration<double>(seconds));
}

// await_end: true once process `pid` has ended (and, if it is our child, can be reaped: a
// tracer may hold its end a moment), false if not within `seconds`. A pidfd becomes
// readable when its process ends, whoever the parent is; only the pid is the library's.
bool ended_within(std::optional<pid_t> pid, double seconds) {
  if (!pid) return true;
  const auto deadline = after(seconds);
  const int fd = static_cast<int>(syscall(SYS_pidfd_open, *pid, 0));
  if (fd < 0) return errno == ESRCH;  // gone already, and reaped
  pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
  const bool ended = readable_before(p, deadline);
  close(fd);
  if (!ended) return false;
  while (std::chrono::steady_clock::now() < deadline) {
    siginfo_t info{};
    if (waitid(P_PID, static_cast<id_t>(*pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
      return true;  // ECHILD: not our child (a fork server's), or reaped already
    }
    if (info.si_pid != 0) return true;
    usleep(1000);
  }
  return false;
}

}  // namespace

struct Handles::Impl {
  std::optional<mp::Process> handle(const std::string& name) {
    if (name == "current") return mp::current_process();
    if (name == "parent") return mp::parent_process();
    const auto it = handles.find(name);
    if (it == handles.end()) throw CaseError("unknown process handle " + name);
    return it->second;
  }

  std::map<std::string, mp::Process> handles;
  // What create() passed to the constructors, kept, and the args overwritten once they
  // returned: a library holding a reference to them (API.md: args are copied at
  // construction) hands the child the new args, not freed memory.
  std::deque<Target> passed;
};

Handles::Handles() : impl_(std::make_unique<Impl>()) {}
Handles::~Handles() = default;
Handles::Handles(Handles&&) noexcept = default;
Handles& Handles::operator=(Handles&&) noexcept = default;

void Handles::create(const std::string& handle, const std::string& name, std::optional<bool> daemon,
                     const std::optional<Target>& target) {
  mp::Options options;
  options.name = name;
  if (daemon) options.daemon = *daemon;
  if (!target) {
    mp::Process p;
    if (!options.name.empty()) p.set_name(options.name);
    if (options.daemon) p.set_daemon(*options.daemon);
    impl_->handles.insert_or_assign(handle, p);
    return;
  }
  Target& passed = impl_->passed.emplace_back(*target);
  impl_->handles.insert_or_assign(handle, make_process(options, passed));
  if (passed.args_json != "[]") passed.args_json = R"(["changed after construction"])";
}

std::optional<std::string> use_start_method(const std::string& method) {
  if (method != "fork" && method != "spawn" && method != "forkserver") {
    throw CaseError("unknown start method " + method);
  }
  g_start_method = method;
#ifdef MP_HAS_START_METHODS
  mp::freeze_support();
  if (method == "spawn") mp::set_start_method(mp::StartMethod::spawn);
  if (method == "forkserver") mp::set_start_method(mp::StartMethod::forkserver);
  return std::nullopt;
#else
  if (method == "fork") return std::nullopt;
  return "start method " + method + " (the implementation defines no MP_HAS_START_METHODS)";
#endif
}

void Handles::drop(const std::string& handle) {
  if (impl_->handles.erase(handle) == 0) throw CaseError("unknown process handle " + handle);
}

void Handles::copy(const std::string& from, const std::string& to) {
  std::optional<mp::Process> original = impl_->handle(from);
  if (!original) throw CaseError("no process to copy: " + from);
  // Both from a non-const lvalue, where an unconstrained target constructor would win.
  std::vector<mp::Process> copies;
  copies.emplace_back(*original);
  mp::Process copy(copies.front());
  impl_->handles.insert_or_assign(to, copy);
}

Value Handles::perform(const std::string& what, const std::string& handle,
                       const std::function<Operand()>& operand) {
  std::optional<mp::Process> p = impl_->handle(handle);
  if (!p) return {};  // parent_process() in the main program
  if (what == "await_end") return ended_within(p->pid(), operand().timeout.value_or(0));
  if (what == "reaped") {  // a zombie or a running child can still be waited for
    siginfo_t info{};
    return waitid(P_PID, static_cast<id_t>(p->pid().value_or(0)), &info,
                  WEXITED | WNOHANG | WNOWAIT) != 0 &&
           errno == ECHILD;
  }
  if (what == "start") p->start();
  if (what == "join") {
    if (const auto timeout = operand().timeout) {
      p->join(std::chrono::duration<double>(*timeout));
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
  if (what == "pid") return p->pid() ? Value(static_cast<long long>(*p->pid())) : Value();
  if (what == "exitcode")
    return p->exitcode() ? Value(static_cast<long long>(*p->exitcode())) : Value();
  if (what == "sentinel") return static_cast<long long>(p->sentinel());
  if (what == "repr") return p->repr();
  if (what == "str") {
    std::ostringstream out;
    out << *p;
    return out.str();
  }
  if (what == "same") {
    const std::optional<mp::Process> q = impl_->handle(operand().other);
    return q.has_value() && *p == *q;
  }
  if (what == "wait_sentinel") {  // the sentinel follows a process of the run: a wait of ours
    pollfd fd{.fd = p->sentinel(), .events = POLLIN, .revents = 0};
    return readable_before(fd, after(operand().timeout.value()));
  }
  if (what == "set_name") p->set_name(operand().name);
  if (what == "set_daemon") p->set_daemon(operand().daemon);
  return {};
}

std::string start_method() {
  std::string said = "fork";  // API.md: without start methods, every child is forked
#ifdef MP_HAS_START_METHODS
  switch (mp::get_start_method()) {
    case mp::StartMethod::spawn:
      said = "spawn";
      break;
    case mp::StartMethod::forkserver:
      said = "forkserver";
      break;
    case mp::StartMethod::fork:
      break;
  }
#endif
  if (said != g_start_method) {  // a matrix column must be the method it is named for
    throw std::runtime_error("get_start_method() is " + said + " after set_start_method(" +
                             g_start_method + ")");
  }
  return said;
}

std::vector<std::string> active_children() {
  std::vector<std::string> names;
  for (const auto& p : mp::active_children()) names.push_back(p.name());
  return names;
}

int cpu_count() { return mp::cpu_count(); }

std::string current_name() { return mp::current_process().name(); }

void exit(int code) { mp::exit(code); }

void exit(const std::string& message) { mp::exit(message); }

bool is_process_error(const std::exception& e) { return typeid(e) == typeid(mp::ProcessError); }

}  // namespace mpspec::ops
