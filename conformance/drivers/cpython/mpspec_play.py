"""Plays one mpspec scenario with a multiprocessing-like module (see ../../PROTOCOL.md).

The module under test is declared (`--module`, default `multiprocessing`: `billiard` and
`multiprocess` have the same layout) and is the only library the driver calls: every step
goes through `lib()`, and the driver's own bookkeeping (which process is the main program,
where the trace goes) uses nothing of it. A child learns the module from MPSPEC_MODULE,
which main() sets in its own environment before anything starts: a forked child inherits
the variable, a spawned child and the forkserver inherit the environment.

The main program and every child run the same small step interpreter; targets are
step lists looked up by name in the scenario, so a child needs only the target's
name and its args. Everything a step observes goes to the trace as one JSON line,
written with a single write() so lines from many processes never interleave.
"""
import argparse
import atexit
import ctypes
import errno
import gc
import importlib
import json
import os
import re
import select
import signal
import sys
import time
import weakref

EXIT_CASE_ERROR = 100
EXIT_UNSUPPORTED = 101
EXIT_NOT_APPLICABLE = 102  # the scenario's start_methods leave this run's out

OPS = {"create", "start", "join", "is_alive", "terminate", "kill", "close", "name", "daemon",
       "pid", "exitcode", "repr", "sentinel", "wait_sentinel", "set_name", "set_daemon",
       "active_children", "cpu_count", "getpid", "getppid", "mark", "open_fds", "reaped",
       "start_method", "get", "reach", "await", "await_end", "same", "str", "keep_fd",
       "kept_fds_open"}
EFFECTS = {"print", "flush", "sleep", "set", "ignore", "drop", "on_exit", "guard", "catch_errors",
           "copy"}
TERMINALS = {"exit", "return", "raise", "crash", "end"}
KEPT_FDS = []  # keep_fd's descriptors, which a fork child inherits


def fd_open(fd):
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False
STEPS = OPS | EFFECTS | TERMINALS

PLACEHOLDER = re.compile(r"\{(name|pid|ppid|args|[0-9]|v:[A-Za-z_][A-Za-z0-9_]*)\}")


class CaseError(Exception):
    """The scenario is malformed: the runner gets exit code 100."""


_scenario = None
_vars = None          # the scenario's variables, as this process sees them
_trace_fd = None      # (pid, fd): a forked child must not reuse its parent's entry
_main_pid = None      # set by main(): only the main program writes to the inherited fd
_start_method = None  # the start method main() set
_lib = None           # the module under test, once imported
_connection = None    # and its `connection` submodule

DEFAULT_MODULE = "multiprocessing"
MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def module_name():
    return os.environ.get("MPSPEC_MODULE") or DEFAULT_MODULE


def lib():
    """The module under test (in a child: the one the main program declared)."""
    global _lib
    if _lib is None:
        _lib = importlib.import_module(module_name())
    return _lib


def connection():
    global _connection
    if _connection is None:
        _connection = importlib.import_module(module_name() + ".connection")
    return _connection


def api(name):
    """lib().name, or an error that fails only the step asking for it."""
    try:
        return getattr(lib(), name)
    except AttributeError:
        raise AttributeError(f"{module_name()} has no {name}()") from None


def scenario():
    global _scenario
    if _scenario is None:
        with open(os.environ["MPSPEC_SCENARIO_PATH"], encoding="utf-8") as f:
            _scenario = json.load(f)
    return _scenario


def variables():
    global _vars
    if _vars is None:
        _vars = dict(scenario().get("vars", {}))
    return _vars


def unit_seconds(units):
    return float(units) * float(scenario()["unit"])


def trace(event):
    global _trace_fd
    pid = os.getpid()
    if _trace_fd is None or _trace_fd[0] != pid:
        if _trace_fd is None and "MPSPEC_TRACE_FD" in os.environ and pid == _main_pid:
            fd = int(os.environ["MPSPEC_TRACE_FD"])
        else:  # a child: fds are not inherited under spawn/forkserver, so reopen by path
            fd = os.open(os.environ["MPSPEC_TRACE_PATH"], os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
        _trace_fd = (pid, fd)
    event.setdefault("t", time.monotonic())
    event["pid"] = pid
    os.write(_trace_fd[1], (json.dumps(event) + "\n").encode())


def run_target(path, target_name, *args, unsendable=None):
    """The body of every child: play the named target's steps. `unsendable` is what a
    `create` step with unsendable = "arg" adds; the target ignores it."""
    global _parent  # noqa: PLW0603 - this process's own, set once as it begins
    _parent = _starter
    return Program(path, args).run(scenario()["targets"][target_name]["steps"])


def on_exit(text, how):
    """Prints `text` ({pid}: the pid then) when this process exits normally: an atexit
    handler, or a finalizer of a module-level object (which Python runs at exit too)."""
    def say():
        sys.stdout.write(text.replace("{pid}", str(os.getpid())) + "\n")
        sys.stdout.flush()
    if how == "static":
        _EXIT_OBJECTS.append(ExitObject())
        weakref.finalize(_EXIT_OBJECTS[-1], say)
    else:
        atexit.register(say)


class ExitObject:
    """An object of the module's, kept for the whole run: its finalizer runs at exit."""


_EXIT_OBJECTS = []


def unsendable_value():
    """A value no pickler can write (pickle, dill, cloudpickle all refuse a generator)."""
    return (x for x in ())


def unsendable_target(inner):
    """`inner` wrapped in a closure over an unsendable value: a pickler that looks a
    function up by name finds no local function, one that writes closures by value (dill)
    cannot write the generator."""
    held = unsendable_value()

    def target(*args, **kwargs):
        _ = held  # named here, so the closure holds it
        return inner(*args, **kwargs)
    return target


class _End(Exception):
    pass


class Points:
    """`reach` and `await`: a named POSIX semaphore per point, named after the run (the
    scenario's `run`), so every process of the run meets on it whatever the start method,
    and no other run does. The driver's own channel: nothing of the module under test."""

    def __init__(self):
        self.libc = LIBC
        self.libc.sem_open.restype = ctypes.c_void_p
        self.libc.sem_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint,
                                       ctypes.c_uint]
        for call in ("sem_post", "sem_clockwait"):
            getattr(self.libc, call).restype = ctypes.c_int
        self.sems = {}

    def sem(self, point):
        if point not in self.sems:
            name = f"/mpspec-{scenario()['run']}-{point}".encode()
            sem = self.libc.sem_open(name, os.O_CREAT, 0o600, 0)
            if not sem:
                raise OSError(ctypes.get_errno(), f"sem_open {name!r}")
            self.sems[point] = ctypes.c_void_p(sem)
        return self.sems[point]

    def reach(self, point):
        self.libc.sem_post(self.sem(point))

    def wait(self, point, seconds, alone=lambda: False):
        """True once some process has reached `point` (which stays reached), False if none
        did within `seconds`, as soon as `alone()` says no other process could, or once the
        reaper ends the wait (Waiting)."""
        deadline = time.clock_gettime(time.CLOCK_MONOTONIC) + seconds
        with Waiting() as waiting:
            while True:
                now = time.clock_gettime(time.CLOCK_MONOTONIC)
                left = deadline - now
                until = now + min(max(left, 0.0), SLICE)
                ts = (ctypes.c_long * 2)(int(until), int((until % 1) * 1e9))
                if self.libc.sem_clockwait(self.sem(point), time.CLOCK_MONOTONIC, ts) == 0:
                    self.libc.sem_post(self.sem(point))  # reached stays reached: others go on
                    return True
                if (ctypes.get_errno() not in (errno.EINTR, errno.ETIMEDOUT) or left <= 0
                        or waiting.ended_by_reaper() or alone()):
                    return False


class Waiting:
    """A wait for another process of the run that the reaper may end, as the C++ driver's
    (conformance/drivers/cpp/waiting.hpp says why): the thread is named WAITING while it
    lasts, and the wait gives up once the file MPSPEC_STALL_PATH names holds something new."""

    def __enter__(self):
        self.generation = stall_generation()
        self.name = ctypes.create_string_buffer(16)
        self.had_name = LIBC.prctl(PR_GET_NAME, self.name, 0, 0, 0) == 0
        LIBC.prctl(PR_SET_NAME, WAITING, 0, 0, 0)
        return self

    def __exit__(self, *_exc):
        if self.had_name:
            LIBC.prctl(PR_SET_NAME, self.name, 0, 0, 0)

    def ended_by_reaper(self):
        return stall_generation() != self.generation


WAITING = b"mpspec-waiting"  # kWaitingName in waiting.hpp
LIBC = ctypes.CDLL(None, use_errno=True)
PR_SET_NAME, PR_GET_NAME = 15, 16


def stall_generation():
    try:
        with open(os.environ["MPSPEC_STALL_PATH"], "rb") as f:
            return f.read(32)
    except (KeyError, OSError):
        return b""


SLICE = 0.05  # seconds between looks at whether anyone is left to reach a point


def alone():
    """True when this process has no live child: its children (and theirs) are the only
    processes that could reach a point the main program awaits, so a start() that created
    nothing does not cost the case a whole timeout."""
    me = str(os.getpid())
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        state, ppid = text[text.rindex(")") + 2:].split()[:2]
        if ppid == me and state != "Z":
            return False
    return True


_points = None
_starter = None  # the Program that last called start()
# A forked child's copy of its starter, taken when its target begins: its "^NAME" handles,
# also once it starts children of its own.
_parent = None


def points():
    global _points
    if _points is None:
        _points = Points()
    return _points


def await_end(pid, seconds):
    """True once process `pid` has ended (and, if it is this process's child, can be
    reaped: a tracer may hold its end a moment), False if not within `seconds`. A pidfd
    becomes readable when its process ends, whoever its parent is."""
    if pid is None:
        return True
    deadline = time.monotonic() + seconds
    try:
        fd = pidfd_open(pid)
    except ProcessLookupError:
        return True  # gone already, and reaped
    try:
        if not ready_before(deadline, lambda seconds: select.select([fd], [], [], seconds)[0]):
            return False
    finally:
        os.close(fd)
    while time.monotonic() < deadline:
        try:
            if reapable(pid):
                return True
        except ChildProcessError:
            return True  # not our child (a fork server's), or reaped already
        time.sleep(0.001)
    return False


def ready_before(deadline, ready):
    """True once `ready(seconds)` (a wait of at most that long) says so, False once the
    monotonic `deadline` passes or the reaper ends the wait (Waiting): it waits in slices of
    SLICE, and looks at least once, so that a deadline of now still sees what is ready (the
    C++ driver's readable_before)."""
    with Waiting() as waiting:
        while True:
            left = deadline - time.monotonic()
            if ready(min(max(left, 0.0), SLICE)):
                return True
            if left <= 0 or waiting.ended_by_reaper():
                return False


def reapable(pid):
    """Whether our child `pid` has ended and can be reaped (waitid WNOHANG|WNOWAIT: it is
    left to the library to reap); ChildProcessError if it is not our child."""
    if hasattr(os, "waitid"):
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    info = ctypes.create_string_buffer(128)  # PyPy 3.9 lacks os.waitid; si_pid at 16 on x86-64
    if LIBC.waitid(1, pid, info, 4 | 1 | 0x01000000) != 0:  # P_PID; WEXITED|WNOHANG|WNOWAIT
        raise ChildProcessError(ctypes.get_errno(), "waitid")
    return int.from_bytes(info.raw[16:20], "little") != 0


def pidfd_open(pid):
    """os.pidfd_open, or the system call where the interpreter lacks it (PyPy 3.9)."""
    if hasattr(os, "pidfd_open"):
        return os.pidfd_open(pid)
    fd = LIBC.syscall(434, ctypes.c_int(pid), ctypes.c_uint(0))  # SYS_pidfd_open
    if fd < 0:
        err = ctypes.get_errno()
        raise (ProcessLookupError if err == errno.ESRCH else OSError)(err, os.strerror(err))
    return fd


class Program:
    def __init__(self, path, args=()):
        self.path = path          # "main", "main/w", "main/w/g": where this process sits
        self.args = args
        self.handles = {}

    def run(self, steps):
        for i, step in enumerate(steps):
            do = step["do"]
            if do == "guard":  # the rest of the target, then the text however it is left
                try:
                    return self.run(steps[i + 1:])
                finally:
                    print(self.format(step["text"]))
            if do == "catch_errors":  # sys.exit raises SystemExit, which this does not catch
                try:
                    return self.run(steps[i + 1:])
                except Exception:  # noqa: BLE001 - the step's point: what "except Exception" sees
                    print(self.format(step["text"]))
                    return None
            if do in OPS:
                self.op(step)
            elif do == "print":
                stream = sys.stderr if step.get("stream") == "stderr" else sys.stdout
                print(self.format(step["text"]), file=stream)
            elif do == "flush":
                sys.stdout.flush()
                sys.stderr.flush()
            elif do == "sleep":
                time.sleep(unit_seconds(step["units"]))
            elif do == "set":
                variables()[step["var"]] = step["value"]
            elif do == "ignore":
                signal.signal(signal.Signals[step["signal"]], signal.SIG_IGN)
            elif do == "on_exit":
                on_exit(step["text"], step.get("how", "atexit"))
            elif do == "copy":
                self.handles[step["to"]] = self.handle(step["p"])
            elif do == "drop":
                handles, key = self.owner(step["p"])
                del handles[key]
                gc.collect()  # what a reference cycle still holds is released now too
            elif do == "return":
                return step.get("value")
            elif do == "raise":
                raise RuntimeError(step["message"])
            elif do == "exit":
                sys.exit(step["message"] if "message" in step else step.get("code", 0))
            elif do == "crash":
                sig = signal.Signals[step["signal"]]
                if sig != signal.SIGKILL:  # whose action cannot be changed (EINVAL)
                    signal.signal(sig, signal.SIG_DFL)
                os.kill(os.getpid(), sig)
                time.sleep(60)
            elif do == "end":
                raise _End()
            else:
                raise CaseError(f"unknown step {do!r}")
        return None

    def format(self, text):
        def sub(m):
            key = m.group(1)
            if key == "name":
                return api("current_process")().name
            if key == "pid":
                return str(os.getpid())
            if key == "ppid":
                return str(os.getppid())
            if key == "args":
                return " ".join(str(a) for a in self.args)
            if key.startswith("v:"):
                return str(variables()[key[2:]])
            return str(self.args[int(key)])
        return PLACEHOLDER.sub(sub, text)

    def handle(self, name):
        if name == "current":
            return api("current_process")()
        if name == "parent":
            return api("parent_process")()
        handles, key = self.owner(name)
        return handles[key]

    def owner(self, name):
        """(the handles `name` is one of, its key there): this program's own, or for `^NAME`
        this child's copy of its starter's (fork only); an unknown handle is a case error."""
        handles, key = self.handles, name
        if name.startswith("^"):
            if _parent is None:
                raise CaseError(f"no handles of a starting program: {name!r}")
            handles, key = _parent.handles, name[1:]
        if key not in handles:
            raise CaseError(f"unknown process handle {name!r}")
        return handles, key

    def op(self, step):
        event = {"ev": "op", "proc": self.path, "do": step["do"]}
        for key in ("p", "as", "point"):
            if key in step:
                event[key] = step[key]
        event["t0"] = time.monotonic()
        if step["do"] == "start" and not step["p"].startswith("^"):
            global _starter  # noqa: PLW0603 - what a child forked by this start copies
            _starter = self
        try:
            event["value"] = self.perform(step)
        except CaseError:
            raise
        except Exception as e:  # misuse errors are results, compared by message
            event["error"] = str(e)
            event["error_type"] = type(e).__name__
        event["t"] = time.monotonic()
        trace(event)

    def perform(self, step):
        do = step["do"]
        if do == "mark":
            return None
        if do == "reach":
            return points().reach(step["point"])
        if do == "await":
            return points().wait(step["point"], unit_seconds(step.get("timeout", 50)),
                                 alone if self.path == "main" else (lambda: False))
        if do == "active_children":
            return sorted(p.name for p in api("active_children")())
        if do == "cpu_count":
            return api("cpu_count")()
        if do == "open_fds":
            return len(os.listdir("/proc/self/fd")) - 1  # listdir's own fd
        if do == "keep_fd":  # a descriptor of the program's own, as a user's open file is
            KEPT_FDS.append(os.open("/dev/null", os.O_RDONLY))
            return True
        if do == "kept_fds_open":
            return sum(1 for fd in KEPT_FDS if fd_open(fd))
        if do == "getpid":
            return os.getpid()
        if do == "getppid":
            return os.getppid()
        if do == "start_method":
            said = api("get_start_method")()
            if said != _start_method:  # a matrix column must be the method it is named for
                raise RuntimeError(f"get_start_method() is {said!r} after "
                                   f"set_start_method({_start_method!r})")
            return said
        if do == "get":
            return variables()[step["var"]]
        if do == "create":
            return self.create(step)
        p = self.handle(step["p"])
        if p is None:  # parent_process() in the main program
            return None
        if do == "reaped":
            return reaped(p.pid)
        if do == "await_end":
            return await_end(p.pid, unit_seconds(step.get("timeout", 50)))
        if do == "start":
            p.start()
        elif do == "join":
            p.join(unit_seconds(step["timeout"]) if "timeout" in step else None)
        elif do == "is_alive":
            return p.is_alive()
        elif do == "terminate":
            p.terminate()
        elif do == "kill":
            p.kill()
        elif do == "close":
            p.close()
        elif do in ("name", "daemon", "pid", "exitcode", "sentinel"):
            return getattr(p, do)
        elif do == "repr":
            return repr(p)
        elif do == "str":
            return str(p)
        elif do == "same":
            return p == self.handle(step["q"])
        elif do == "wait_sentinel":  # the sentinel follows a process of the run: our wait
            return ready_before(time.monotonic() + unit_seconds(step["timeout"]),
                                lambda seconds: connection().wait([p.sentinel], seconds))
        elif do == "set_name":
            p.name = step["value"]
        elif do == "set_daemon":
            p.daemon = step["value"]
        return None

    def create(self, step):
        kwargs = {}
        if step.get("name"):
            kwargs["name"] = step["name"]
        if "daemon" in step:
            kwargs["daemon"] = step["daemon"]
        if "target" in step:
            spec = scenario()["targets"][step["target"]]
            if spec.get("module") == "other":
                if "unsendable" in step:
                    raise CaseError("unsendable needs a target of the main module")
                import mpspec_other_module
                fn = mpspec_other_module.worker
            else:
                fn = sys.modules["__main__"].target if _main_has_target() else run_target
            kind = step.get("unsendable")
            if kind == "target":
                fn = unsendable_target(fn)
            elif kind == "arg":
                kwargs["kwargs"] = {"unsendable": unsendable_value()}
            elif kind is not None:  # as the C++ driver: a malformed scenario, not a no-op
                raise CaseError(f"unknown unsendable {kind!r}")
            kwargs["target"] = fn
            kwargs["args"] = (self.path + "/" + step["p"], step["target"], *step.get("args", []))
        self.handles[step["p"]] = api("Process")(**kwargs)
        return None


def reaped(pid):
    """True when `pid` can no longer be waited for by this process: a zombie or a running
    child still can."""
    if hasattr(os, "waitid"):
        try:
            os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return True
        return False
    # PyPy has no os.waitid; /proc says the same without reaping: our child, zombie or not.
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as f:
            stat = f.read()
    except OSError:
        return True
    return int(stat[stat.rindex(")") + 2:].split()[1]) != os.getpid()


def _main_has_target():
    return hasattr(sys.modules.get("__main__"), "target")


def validate(sc):
    """Raise CaseError (malformed) or return the name of the first unsupported step."""
    if not isinstance(sc, dict) or "main" not in sc or "unit" not in sc:
        raise CaseError("scenario needs 'main' and 'unit'")
    programs = [sc["main"]] + [t.get("steps", []) for t in sc.get("targets", {}).values()]
    for steps in programs:
        for step in steps:
            if not isinstance(step, dict) or "do" not in step:
                raise CaseError(f"a step must be an object with 'do': {step!r}")
            if step["do"] not in STEPS:
                return step["do"]
            if step["do"] == "create" and "target" in step and step["target"] not in sc.get("targets", {}):
                raise CaseError(f"unknown target {step['target']!r}")
    return None


USAGE = ("usage: driver.py [--module NAME] --start-method fork|spawn|forkserver SCENARIO.json\n"
         "       driver.py [--module NAME] --version")


def parse(argv):
    """{'module', 'start_method', 'version', 'scenario'} from the command line, or None."""
    ap = argparse.ArgumentParser(prog="driver.py", add_help=False)
    ap.add_argument("--module", default=DEFAULT_MODULE)
    ap.add_argument("--start-method", choices=("fork", "spawn", "forkserver"))
    ap.add_argument("--version", action="store_true")
    ap.add_argument("scenario", nargs="?")
    try:
        known, extra = ap.parse_known_args(argv)
    except SystemExit:  # argparse has said why on stderr
        return None
    opts = vars(known)
    if extra or not MODULE_NAME.fullmatch(opts["module"]):
        return None
    if opts["version"]:
        return opts if opts["scenario"] is None else None
    return opts if opts["scenario"] is not None and opts["start_method"] else None


def version_line(name):
    """`multiprocessing on CPython 3.11.7`, `billiard 4.1.0 on CPython 3.11.2`,
    `multiprocessing on PyPy 7.3.11 (Python 3.9.16)`."""
    import platform
    module = importlib.import_module(name)
    what = name
    if name != DEFAULT_MODULE:  # the standard library's has no version of its own
        v = getattr(module, "__version__", None)
        if not isinstance(v, str):
            try:
                from importlib import metadata
                v = metadata.version(name)
            except Exception:
                v = None
        if v:
            what += " " + v
    impl = platform.python_implementation()
    if impl == "PyPy":
        pv = sys.pypy_version_info
        pypy = f"{pv.major}.{pv.minor}.{pv.micro}"
        if pv.releaselevel != "final":
            pypy += f"-{pv.releaselevel}{pv.serial}"
        return f"{what} on PyPy {pypy} (Python {platform.python_version()})"
    return f"{what} on {impl} {platform.python_version()}"


def main(argv):
    """Entry point of the main program: returns the driver's exit status."""
    global _main_pid, _start_method
    _main_pid = os.getpid()
    opts = parse(argv)
    if opts is None:
        print(USAGE, file=sys.stderr)
        if "MPSPEC_TRACE_FD" in os.environ:
            trace({"ev": "case_error", "message": "bad command line: " + " ".join(argv)})
        return EXIT_CASE_ERROR
    if opts["version"]:
        try:
            print(version_line(opts["module"]))
        except Exception as e:
            print(f"driver.py: cannot import {opts['module']}: {e}", file=sys.stderr)
            return 1
        return 0
    # Children read both from the environment they inherit (spawn, forkserver) or keep.
    os.environ["MPSPEC_MODULE"] = opts["module"]
    os.environ["MPSPEC_SCENARIO_PATH"] = os.path.abspath(opts["scenario"])
    try:
        sc = scenario()
        unsupported = validate(sc)
    except (OSError, ValueError, CaseError) as e:
        trace({"ev": "case_error", "message": str(e)})
        return EXIT_CASE_ERROR
    if unsupported is not None:
        trace({"ev": "unsupported", "what": unsupported})
        return EXIT_UNSUPPORTED
    method = _start_method = opts["start_method"]
    if method not in sc.get("start_methods", [method]):
        trace({"ev": "not_applicable", "start_method": method})
        return EXIT_NOT_APPLICABLE
    try:
        api("set_start_method")(method)
    except Exception as e:  # no such module, or it lacks this start method
        trace({"ev": "case_error",
               "message": f"{opts['module']}: set_start_method({method!r}): {type(e).__name__}: {e}"})
        return EXIT_CASE_ERROR
    variables()
    try:
        Program("main").run(sc["main"])
    except _End:
        pass
    except CaseError as e:
        trace({"ev": "case_error", "message": str(e)})
        return EXIT_CASE_ERROR
    return 0
