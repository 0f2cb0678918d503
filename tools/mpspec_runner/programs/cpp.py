"""A case as a standalone C++ program: main() and one function per target, using only
mp/process.hpp (and the standard and POSIX headers), in the style of API.md's examples.

The helpers a program needs (the result line, the suite's meeting points, a pidfd wait)
are written into it, so it builds with nothing but the library under test:
    g++ -std=c++20 -I include case.cpp src/*.cpp -o case && ./case [fork|spawn|forkserver]
"""
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..checkout import ROOT
from ..spec.cases import Case
from .shape import Shape, ident, parts

HEADERS = ["<fcntl.h>", "<poll.h>", "<sys/syscall.h>", "<sys/wait.h>", "<unistd.h>", "",
           "<algorithm>", "<chrono>", "<csignal>", "<cstdlib>", "<filesystem>", "<iostream>",
           "<optional>", "<sstream>", "<stdexcept>", "<string>", "<thread>", "<vector>", "",
           "<mp/process.hpp>"]

PRELUDE = r'''
// Seconds per time unit of the case: 0.1, or $MPSPEC_TIME_UNIT (the suite calibrates its own).
inline double unit() {
  const char* given = std::getenv("MPSPEC_TIME_UNIT");
  return given != nullptr ? std::atof(given) : 0.1;
}

// First in main(): where a spawned child runs its target (mp::freeze_support), then the
// start method named on the command line, if the library has start methods.
inline void use_start_method(int argc, char** argv) {
#ifdef MP_HAS_START_METHODS
  mp::freeze_support();
  const std::string method = argc > 1 ? argv[1] : "fork";
  mp::set_start_method(method == "spawn"        ? mp::StartMethod::spawn
                       : method == "forkserver" ? mp::StartMethod::forkserver
                                                : mp::StartMethod::fork);
#else
  static_cast<void>(argc), static_cast<void>(argv);
#endif
}

inline void sleep_units(double n) {
  std::this_thread::sleep_for(std::chrono::duration<double>(n * unit()));
}
'''

SHOW = r'''
// A labelled result, as "=> label = value" (JSON) on stderr in one write: what the case checks.
inline void say(const std::string& label, const std::string& value) {
  const std::string line = "=> " + label + " = " + value + "\n";
  if (write(2, line.data(), line.size()) < 0) std::abort();
}

inline std::string text_of(bool value) { return value ? "true" : "false"; }
inline std::string text_of(int value) { return std::to_string(value); }
inline std::string text_of(long value) { return std::to_string(value); }
inline std::string text_of(const std::string& value) {
  std::string out = "\"";
  for (const char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out + "\"";
}
template <class T>
inline std::string text_of(const std::optional<T>& value) {
  return value ? text_of(*value) : "null";
}
inline std::string text_of(const std::vector<std::string>& values) {
  std::string out = "[";
  for (const auto& v : values) out += (out.size() > 1 ? ", " : "") + text_of(v);
  return out + "]";
}

// Runs one step and says its result, or the error it threw (misuse is a result too).
template <class F>
inline void show(const std::string& label, F step) {
  std::string value;
  try {
    value = step();
  } catch (const mp::ProcessError& e) {
    value = std::string("error: ") + e.what();
  } catch (const std::exception& e) {
    value = std::string("error (not mp::ProcessError): ") + e.what();
  }
  say(label, value);
}
'''

HELPERS = {
    "points": r'''
// The suite's meeting points (reach/await), as files in a folder of this run: an order the
// case is about then holds by construction, not by sleeping. Nothing of the library.
std::string point_file(const std::string& point) {
  return std::string(std::getenv("MPSPEC_POINTS")) + "/" + point;
}

void reach(const std::string& point) {
  const int fd = open(point_file(point).c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  if (fd >= 0) close(fd);
}

bool await_point(const std::string& point, double units) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(units * unit());
  while (access(point_file(point).c_str(), F_OK) != 0) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// The folder of the meeting points, made by the main program (children inherit its name).
void make_points_folder() {
  std::string folder = std::filesystem::temp_directory_path() / "mpspec-points-XXXXXX";
  if (mkdtemp(folder.data()) == nullptr) std::abort();
  setenv("MPSPEC_POINTS", folder.c_str(), 1);
  std::atexit([] { std::filesystem::remove_all(std::getenv("MPSPEC_POINTS")); });
}
''',
    "await_end": r'''
// True once process `pid` has ended (without reaping it: a pidfd becomes readable at its end).
bool ended_within(std::optional<pid_t> pid, double units) {
  if (!pid) return true;
  const int fd = static_cast<int>(syscall(SYS_pidfd_open, *pid, 0));
  if (fd < 0) return true;  // gone, and reaped already
  pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
  const int ready = poll(&p, 1, static_cast<int>(units * unit() * 1000));
  close(fd);
  return ready > 0;
}
''',
    "reaped": r'''
// True when `pid` can no longer be waited for by this process (waitid WNOWAIT: ECHILD).
bool reaped(std::optional<pid_t> pid) {
  if (!pid) return true;
  siginfo_t info{};
  return waitid(P_PID, static_cast<id_t>(*pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0;
}
''',
    "wait_sentinel": r'''
// True if the descriptor becomes readable within `units`.
bool readable_within(int fd, double units) {
  pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
  return poll(&p, 1, static_cast<int>(units * unit() * 1000)) > 0;
}
''',
    "open_fds": r'''
// How many descriptors this process has open (less the listing's own).
long open_fds() {
  return std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                       std::filesystem::directory_iterator{}) - 1;
}
''',
    "keep_fd": r'''
// Descriptors the program opens and keeps, as a user's own open files.
std::vector<int> g_kept_fds;

bool keep_fd() {
  const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) g_kept_fds.push_back(fd);
  return fd >= 0;
}

long kept_fds_open() {
  return std::count_if(g_kept_fds.begin(), g_kept_fds.end(),
                       [](int fd) { return fcntl(fd, F_GETFD) != -1; });
}
''',
    "str": r'''
// What printing a handle writes (operator<<).
std::string printed(const mp::Process& p) {
  std::ostringstream out;
  out << p;
  return out.str();
}
''',
    "active_children": r'''
std::vector<std::string> sorted_names(const std::vector<mp::Process>& processes) {
  std::vector<std::string> names;
  for (const auto& p : processes) names.push_back(p.name());
  std::sort(names.begin(), names.end());
  return names;
}
''',
    "start_method": r'''
std::string start_method() {
#ifdef MP_HAS_START_METHODS
  switch (mp::get_start_method()) {
    case mp::StartMethod::spawn:
      return "spawn";
    case mp::StartMethod::forkserver:
      return "forkserver";
    case mp::StartMethod::fork:
      break;
  }
#endif
  return "fork";
}
''',
    "guard": r'''
// Prints its text when the scope it lives in is left, by any path.
class PrintsWhenLeft {
 public:
  explicit PrintsWhenLeft(std::string text) : text_(std::move(text)) {}
  PrintsWhenLeft(const PrintsWhenLeft&) = delete;
  PrintsWhenLeft& operator=(const PrintsWhenLeft&) = delete;
  ~PrintsWhenLeft() { std::cout << text_ << '\n'; }

 private:
  std::string text_;
};
''',
    "on_exit": r'''
// Prints `text` at once ({pid}: this process's pid), as an exit handler must: exit may not
// flush std::cout any more.
void print_now(std::string text) {
  for (auto at = text.find("{pid}"); at != std::string::npos; at = text.find("{pid}"))
    text.replace(at, 5, std::to_string(getpid()));
  text += '\n';
  if (write(1, text.data(), text.size()) < 0) std::abort();
}

// An object of static storage: its destructor runs at the program's normal exit.
class PrintsAtExit {
 public:
  explicit PrintsAtExit(const char* text) : text_(text) {}
  PrintsAtExit(const PrintsAtExit&) = delete;
  PrintsAtExit& operator=(const PrintsAtExit&) = delete;
  ~PrintsAtExit() { print_now(text_); }

 private:
  const char* text_;
};
''',
    "unsendable": r'''
// A value whose type has no cereal serialize(): spawn and forkserver cannot send it.
struct Opaque {};
''',
}

VOID_OPS = {"start", "join", "terminate", "kill", "close", "set_name", "set_daemon"}


def quote(text):
    """A C++ string literal of `text` (UTF-8 bytes pass as they are)."""
    return json.dumps(text, ensure_ascii=False)


def literal(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return quote(value)
    return str(value)


def cpp_type(kind):
    return "std::string" if kind is str else "int"


class Writer:
    def __init__(self, case):
        self.case = case
        self.shape = Shape(case)
        self.lines = []
        self.current = None   # the program being written: "main" or a target's name
        self.declared = set()

    # --- texts --------------------------------------------------------------------------
    def piece(self, kind, value, stream):
        """One piece of a printed text: for a stream (<<) or for a std::string (+)."""
        if kind == "lit":
            return quote(value)
        if value == "name":
            return "mp::current_process().name()"
        if value in ("pid", "ppid"):
            call = "getpid()" if value == "pid" else "getppid()"
            return call if stream else f"std::to_string({call})"
        if value.startswith("v:"):
            var = self.shape.vars.get(value[2:])
            name = ident(value[2:])
            return name if stream or isinstance(var, str) else f"std::to_string({name})"
        types = self.shape.arg_types.get(self.current, [])
        if value == "args":
            if not types:
                return quote("")
            items = [f"arg{i}" if (stream or t is str) else f"std::to_string(arg{i})"
                     for i, t in enumerate(types)]
            return (" << ' ' << " if stream else ' + " " + ').join(items)
        i = int(value)
        if i >= len(types):
            return quote("")
        return f"arg{i}" if stream or types[i] is str else f"std::to_string(arg{i})"

    def stream_text(self, text):
        return " << ".join(self.piece(k, v, True) for k, v in parts(text)) or '""'

    def string_text(self, text):
        pieces = [self.piece(k, v, False) for k, v in parts(text)]
        if not pieces:
            return 'std::string()'
        return "std::string(" + pieces[0] + ")" + "".join(" + " + p for p in pieces[1:])

    # --- handles ------------------------------------------------------------------------
    def handle(self, name):
        """(the handle as an object, its members' prefix, whether it may be absent: only
        parent_process(), empty in the main program)."""
        if name == "current":
            return "mp::current_process()", "mp::current_process().", False
        if name == "parent":
            return "*parent", "parent->", True
        if name.startswith("^"):
            return f"*{ident(name[1:])}", f"{ident(name[1:])}->", False
        if self.boxed(name):
            return f"*{ident(name)}", f"{ident(name)}->", False
        return ident(name), ident(name) + ".", False

    def boxed(self, name):
        """Whether the handle is a std::optional: one the program drops, or one of main's
        that a forked child uses (a global, which must not be made before main makes it)."""
        return ((self.current, name) in self.shape.dropped
                or (self.current == "main" and name in self.shape.reached))

    def op_expr(self, step, m):
        """The call of a handle's op; `m` is the prefix of its members ("p." or "p->")."""
        do = step["do"]
        seconds = lambda key: f"mp::Seconds({step[key]} * unit())"  # noqa: E731
        return {
            "start": f"{m}start()",
            "join": f"{m}join({seconds('timeout')})" if "timeout" in step else f"{m}join()",
            "is_alive": f"{m}is_alive()", "terminate": f"{m}terminate()",
            "kill": f"{m}kill()", "close": f"{m}close()", "name": f"{m}name()",
            "daemon": f"{m}daemon()", "pid": f"{m}pid()", "exitcode": f"{m}exitcode()",
            "sentinel": f"{m}sentinel()", "repr": f"{m}repr()",
            "set_name": f"{m}set_name({literal(step.get('value', ''))})",
            "set_daemon": f"{m}set_daemon({literal(step.get('value', False))})",
            "wait_sentinel": f"readable_within({m}sentinel(), {step.get('timeout', 0)})",
            "reaped": f"reaped({m}pid())",
            "await_end": f"ended_within({m}pid(), {step.get('timeout', 50)})",
        }.get(do)

    def other_op(self, step):
        do = step["do"]
        return {
            "active_children": "sorted_names(mp::active_children())",
            "cpu_count": "mp::cpu_count()", "open_fds": "open_fds()", "keep_fd": "keep_fd()",
            "kept_fds_open": "kept_fds_open()", "getpid": "getpid()", "getppid": "getppid()",
            "start_method": "start_method()",
            "get": ident(step.get("var", "")),
            "await": f"await_point({quote(step.get('point', ''))}, {step.get('timeout', 50)})",
        }.get(do)

    # --- steps --------------------------------------------------------------------------
    def emit(self, depth, line):
        self.lines.append("  " * depth + line if line else "")

    def op(self, depth, step):
        do, label = step["do"], step.get("as")
        if do == "mark":
            if label:
                self.emit(depth, f'say({quote(label)}, "null");  // a mark: the case counts it')
            return
        if do == "reach":
            self.emit(depth, f"reach({quote(step['point'])});")
            if label:
                self.emit(depth, f'say({quote(label)}, "null");')
            return
        if do == "create":
            return self.create(depth, step)
        maybe_absent = "p" in step and self.handle(step["p"])[2]
        expr = self.op_call(step)
        if not label:  # a step whose result the case does not look at: a plain call
            call = (f"{expr};" if do in VOID_OPS or "p" not in step  # a helper's may be dropped
                    else f"static_cast<void>({expr});")  # the library's is [[nodiscard]]
            if maybe_absent:
                call = f"if (auto parent = mp::parent_process()) {call}"
            self.emit(depth, call)
            return
        body = ([f"{expr};", 'return std::string("null");'] if do in VOID_OPS
                else [f"return text_of({expr});"])
        if maybe_absent:
            body = ["auto parent = mp::parent_process();",
                    'if (!parent) return std::string("null");  // the main program has none'] + body
        if len(body) == 1:
            self.emit(depth, f"show({quote(label)}, [&] {{ {body[0]} }});")
        else:
            self.emit(depth, f"show({quote(label)}, [&] {{")
            for line in body:
                self.emit(depth + 1, line)
            self.emit(depth, "});")

    def op_call(self, step):
        """The op as one C++ expression."""
        if "p" not in step:
            return self.other_op(step)
        obj, members, _ = self.handle(step["p"])
        if step["do"] == "str":
            return f"printed({obj})"
        if step["do"] == "same":
            return f"{obj} == {self.handle(step['q'])[0]}"
        return self.op_expr(step, members)

    def target_call(self, step):
        """The constructor's target and args for a create step."""
        target = step["target"]
        fn = (f"other_module::{self.shape.function(target)}" if target in self.shape.other_module
              else self.shape.function(target))
        args = [f"std::string({quote(a)})" if isinstance(a, str) else literal(a)
                for a in step.get("args", [])]
        types = self.shape.arg_types.get(target, [])
        params = ", ".join(f"{cpp_type(t)} arg{i}" for i, t in enumerate(types))
        names = ", ".join(f"arg{i}" for i in range(len(types)))
        kind = step.get("unsendable")
        if kind == "arg":
            fn = f"[]({params}{', ' if params else ''}const Opaque& /*unsendable*/) {{ {fn}({names}); }}"
            args.append("Opaque{}")
        elif kind == "target":
            fn = f"[held = Opaque{{}}]({params}) {{ static_cast<void>(held); {fn}({names}); }}"
        return [fn] + args

    def create(self, depth, step):
        name, var = step["p"], ident(step["p"])
        options = []
        if step.get("name"):
            options.append(f".name = {quote(step['name'])}")
        if "daemon" in step:
            options.append(f".daemon = {literal(step['daemon'])}")
        ctor = ([("{" + ", ".join(options) + "}")] if options else []) + (
            self.target_call(step) if "target" in step else [])
        boxed = self.boxed(name)
        is_global = self.current == "main" and name in self.shape.reached
        known = name in self.declared or is_global
        if "target" not in step:
            # API.md has no constructor for options without a target: set them on a Process().
            value = "mp::Process()"
            setters = ([f"{var}.set_name({quote(step['name'])});"] if step.get("name") else []) + (
                [f"{var}.set_daemon({literal(step['daemon'])});"] if "daemon" in step else [])
        else:
            value, setters = f"mp::Process({', '.join(ctor)})", []
        if boxed:
            if not known:
                self.emit(depth, f"std::optional<mp::Process> {var};")
            ctor = [("mp::Options" + c) if c.startswith("{") else c for c in ctor]
            self.emit(depth, f"{var}.emplace({', '.join(ctor)});" if "target" in step
                      else f"{var}.emplace();")
            setters = [s.replace(f"{var}.", f"{var}->") for s in setters]
        elif known:
            self.emit(depth, f"{var} = {value};")
        elif "target" in step:
            self.emit(depth, f"mp::Process {var}({', '.join(ctor)});")
        else:
            self.emit(depth, f"mp::Process {var};")
        self.declared.add(name)
        for s in setters:
            self.emit(depth, s)
        if step.get("as"):
            self.emit(depth, f'say({quote(step["as"])}, "null");')

    def steps(self, depth, steps):
        for i, step in enumerate(steps):
            do = step["do"]
            if do == "guard":
                self.emit(depth, "{")
                self.emit(depth + 1, f"const PrintsWhenLeft guard({self.string_text(step['text'])});")
                self.steps(depth + 1, steps[i + 1:])
                self.emit(depth, "}")
                return
            if do == "catch_errors":
                self.emit(depth, "try {")
                self.steps(depth + 1, steps[i + 1:])
                self.emit(depth, "} catch (const std::exception&) {  // mp::exit is no std::exception")
                self.emit(depth + 1, f"std::cout << {self.stream_text(step['text'])} << '\\n';")
                self.emit(depth, "}")
                return
            self.step(depth, step)

    def step(self, depth, step):
        do = step["do"]
        if do == "print":
            out = "std::cerr" if step.get("stream") == "stderr" else "std::cout"
            self.emit(depth, f"{out} << {self.stream_text(step['text'])} << '\\n';")
        elif do == "flush":
            self.emit(depth, "std::cout.flush();")
            self.emit(depth, "std::cerr.flush();")
        elif do == "sleep":
            self.emit(depth, f"sleep_units({step['units']});")
        elif do == "set":
            self.emit(depth, f"{ident(step['var'])} = {literal(step['value'])};")
        elif do == "ignore":
            self.emit(depth, f"std::signal({step['signal']}, SIG_IGN);")
        elif do == "on_exit":
            text = quote(step["text"])
            if step.get("how") == "static":
                self.emit(depth, f"static const PrintsAtExit printer{len(self.lines)}{{{text}}};")
            else:
                self.emit(depth, f"std::atexit([] {{ print_now({text}); }});")
        elif do == "copy":
            self.emit(depth, f"mp::Process {ident(step['to'])}({self.handle(step['p'])[0]});"
                      "  // a copy of the handle: the same process")
            self.declared.add(step["to"])
        elif do == "drop":
            # (a "^NAME" handle is main's global, this forked child's copy of it)
            self.emit(depth, f"{ident(step['p'].lstrip('^'))}.reset();  // the handle is destroyed")
        elif do == "return":
            self.emit(depth, "return;")
        elif do == "raise":
            self.emit(depth, f"throw std::runtime_error({quote(step['message'])});")
        elif do == "exit":
            self.exit(depth, step)
        elif do == "crash":
            self.emit(depth, f"std::signal({step['signal']}, SIG_DFL);")
            self.emit(depth, f"std::raise({step['signal']});")
            self.emit(depth, "std::this_thread::sleep_for(std::chrono::seconds(60));")
        elif do == "end":
            self.emit(depth, "return 0;")
        else:
            self.op(depth, step)

    def exit(self, depth, step):
        """mp::exit, in a child and in the main program alike (API.md: sys.exit's twin)."""
        if "message" in step:
            self.emit(depth, f"mp::exit({quote(step['message'])});")
        else:
            self.emit(depth, f"mp::exit({step.get('code', 0)});")

    # --- the program --------------------------------------------------------------------
    def signature(self, target):
        types = self.shape.arg_types.get(target, [])
        params = ", ".join(f"{'const std::string&' if t is str else 'int'} arg{i}"
                           for i, t in enumerate(types))
        return f"void {self.shape.function(target)}({params})"

    def write(self):
        case, shape = self.case, self.shape
        d = case.data
        self.emit(0, f"// {case.id} ({d.get('section')}, {d.get('level')}): {d.get('claim')}")
        self.emit(0, "//")
        self.emit(0, f"// From {case.rel}; build it with your library, e.g.")
        self.emit(0, "//   g++ -std=c++20 -I include case.cpp src/*.cpp -o case && ./case [fork|spawn|forkserver]")
        self.emit(0, "// Lines \"=> label = value\" on stderr are the results the case checks.")
        for h in HEADERS:
            self.emit(0, f"#include {h}" if h else "")
        self.emit(0, "")
        self.emit(0, "namespace {")
        self.lines += self.helpers()
        self.emit(0, "")
        self.body_start = len(self.lines)
        self.emit(0, MARK)
        if shape.vars:
            self.emit(0, "")
            self.emit(0, "// The program's variables: each process has its own.")
            for name, value in shape.vars.items():
                kind = "std::string" if isinstance(value, str) else "bool" if isinstance(value, bool) else "int"
                self.emit(0, f"{kind} {ident(name)} = {literal(value)};")
        if shape.reached:
            self.emit(0, "")
            self.emit(0, "// Handles of the main program that its forked children use (their copies).")
            for name in sorted(shape.reached):
                self.emit(0, f"std::optional<mp::Process> {ident(name)};")
        if any(step["do"] == "create" for steps in shape.targets.values() for step in steps):
            self.emit(0, "")  # a target that starts another names it before its definition
            for target in shape.targets:
                if target not in shape.other_module:
                    self.emit(0, f"{self.signature(target)};")
        if shape.other_module:
            self.emit(0, "")
            self.emit(0, "}  // namespace")
            self.emit(0, "")
            self.emit(0, "// The suite keeps these targets in another translation unit (seed 10.4.2).")
            self.emit(0, "namespace other_module {")
            for target in shape.targets:
                if target in shape.other_module:
                    self.function(target)
            self.emit(0, "}  // namespace other_module")
            self.emit(0, "")
            self.emit(0, "namespace {")
        for target in shape.targets:
            if target not in shape.other_module:
                self.function(target)
        self.emit(0, "")
        self.emit(0, "}  // namespace")
        self.emit(0, "")
        self.main()
        return self.lines[:self.body_start], self.lines[self.body_start:]

    def helpers(self):
        """The prelude, and the helpers the case's steps need."""
        shape = self.shape
        out = PRELUDE.rstrip("\n").split("\n")
        if shape.labels:
            out += SHOW.rstrip("\n").split("\n")
        wanted = {k for k in HELPERS if k in shape.used}
        if shape.uses("reach", "await"):
            wanted.add("points")
        if shape.unsendable:
            wanted.add("unsendable")
        for key in HELPERS:
            if key in wanted:
                out += HELPERS[key].rstrip("\n").split("\n")
        return out

    def function(self, target):
        self.current = target
        self.declared = set()
        self.emit(0, "")
        types = self.shape.arg_types.get(target, [])
        self.emit(0, self.signature(target) + " {")
        body = len(self.lines)
        self.steps(1, self.shape.targets[target])
        if len(self.lines) == body:
            self.emit(1, "// nothing: the case only needs the child to run")
        if types and not any(f"arg{i}" in line for line in self.lines[body:] for i in range(len(types))):
            self.lines.insert(body, "  static_cast<void>(" + "), static_cast<void>(".join(
                f"arg{i}" for i in range(len(types))) + ");  // the case passes args it does not print")
        self.emit(0, "}")

    def main(self):
        self.current = "main"
        self.declared = set()
        self.emit(0, "int main(int argc, char** argv) {")
        self.emit(1, "use_start_method(argc, argv);  // fork, or the one named: spawn, forkserver")
        if self.shape.uses("reach", "await"):
            self.emit(1, "make_points_folder();")
        self.emit(0, "")
        self.steps(1, self.shape.main)
        self.emit(1, "return 0;")
        self.emit(0, "}")


MARK = "// The case itself."


def write(case):
    """The C++ program of `case`, as text, laid out by the project's .clang-format."""
    head, body = write_parts(case)
    return "\n".join(head + body) + "\n"


def write_parts(case):
    """The program as ([lines of its headers and helpers], [lines of the case itself])."""
    key = _key(case)
    if key not in _LAID_OUT:
        lay_out([case])
    lines = _LAID_OUT[key]
    at = lines.index(MARK)
    return list(lines[:at]), list(lines[at:])


# The formatted lines of each case's program, by case: the same for every grading and page of
# a process, so each is formatted once.
_LAID_OUT = {}


def _key(case):
    return case.rel, json.dumps(case.data, sort_keys=True, default=str)


def lay_out(cases):
    """Formats the programs of `cases` that are not yet, in one clang-format process: a
    process per case cost 0.12 s each, 11 s of a grading's feedback when 94 cases failed."""
    todo = {}
    for case in cases:
        key = _key(case)
        if key not in _LAID_OUT and key not in todo:
            # (from a copy of the case's data as it is now, not the case a run has used)
            head, body = Writer(Case(ROOT / key[0], json.loads(key[1]))).write()
            todo[key] = "\n".join(head + body) + "\n"
    for key, text in zip(todo, formatted_all(list(todo.values()))):
        _LAID_OUT[key] = tuple(text.rstrip("\n").split("\n"))


def formatted_all(texts):
    """Each of `texts` laid out by clang-format with the project's style (each as it is where
    clang-format is missing or refuses it), in one clang-format process."""
    exe = shutil.which("clang-format")
    if exe is None or not texts:
        return list(texts)
    with tempfile.TemporaryDirectory(prefix="mpspec-programs-") as folder:
        files = [Path(folder) / f"case{i}.cpp" for i in range(len(texts))]
        for path, text in zip(files, texts):
            path.write_text(text, encoding="utf-8")
        r = subprocess.run([exe, f"--style=file:{ROOT / '.clang-format'}", "-i",
                            *map(str, files)], capture_output=True, text=True, check=False)
        if r.returncode != 0:
            return list(texts)
        out = [path.read_text(encoding="utf-8") for path in files]
    return [laid if laid.strip() else text for laid, text in zip(out, texts)]
