"""Plays one mpspec scenario with CPython's real multiprocessing (see ../../PROTOCOL.md).

The main program and every child run the same small step interpreter; targets are
step lists looked up by name in the scenario, so a child needs only the target's
name and its args. Everything a step observes goes to the trace as one JSON line,
written with a single write() so lines from many processes never interleave.
"""
import gc
import json
import multiprocessing
import multiprocessing.connection
import os
import re
import signal
import sys
import time

EXIT_CASE_ERROR = 100
EXIT_UNSUPPORTED = 101

OPS = {"create", "start", "join", "is_alive", "terminate", "kill", "close", "name", "daemon",
       "pid", "exitcode", "repr", "sentinel", "wait_sentinel", "set_name", "set_daemon",
       "active_children", "cpu_count", "getpid", "getppid", "mark", "open_fds", "reaped"}
EFFECTS = {"print", "flush", "sleep", "set", "ignore", "drop"}
TERMINALS = {"exit", "return", "raise", "crash", "end"}
STEPS = OPS | EFFECTS | TERMINALS

PLACEHOLDER = re.compile(r"\{(name|pid|ppid|args|[0-9]|v:[A-Za-z_][A-Za-z0-9_]*)\}")


class CaseError(Exception):
    """The scenario is malformed: the runner gets exit code 100."""


_scenario = None
_vars = None          # the scenario's variables, as this process sees them
_trace_fd = None      # (pid, fd): a forked child must not reuse its parent's entry


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
        if _trace_fd is None and "MPSPEC_TRACE_FD" in os.environ and _is_main_process():
            fd = int(os.environ["MPSPEC_TRACE_FD"])
        else:  # a child: fds are not inherited under spawn/forkserver, so reopen by path
            fd = os.open(os.environ["MPSPEC_TRACE_PATH"], os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
        _trace_fd = (pid, fd)
    event.setdefault("t", time.monotonic())
    event["pid"] = pid
    os.write(_trace_fd[1], (json.dumps(event) + "\n").encode())


def _is_main_process():
    return multiprocessing.parent_process() is None


def run_target(path, target_name, *args):
    """The body of every child: play the named target's steps."""
    return Program(path, args).run(scenario()["targets"][target_name]["steps"])


class _End(Exception):
    pass


class Program:
    def __init__(self, path, args=()):
        self.path = path          # "main", "main/w", "main/w/g": where this process sits
        self.args = args
        self.handles = {}

    def run(self, steps):
        for step in steps:
            do = step["do"]
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
            elif do == "drop":
                del self.handles[step["p"]]
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
                return multiprocessing.current_process().name
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
            return multiprocessing.current_process()
        if name == "parent":
            return multiprocessing.parent_process()
        if name not in self.handles:
            raise CaseError(f"unknown process handle {name!r}")
        return self.handles[name]

    def op(self, step):
        event = {"ev": "op", "proc": self.path, "do": step["do"]}
        for key in ("p", "as"):
            if key in step:
                event[key] = step[key]
        event["t0"] = time.monotonic()
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
        if do == "active_children":
            return sorted(p.name for p in multiprocessing.active_children())
        if do == "cpu_count":
            return multiprocessing.cpu_count()
        if do == "open_fds":
            return len(os.listdir("/proc/self/fd")) - 1  # listdir's own fd
        if do == "getpid":
            return os.getpid()
        if do == "getppid":
            return os.getppid()
        if do == "create":
            return self.create(step)
        p = self.handle(step["p"])
        if p is None:  # parent_process() in the main program
            return None
        if do == "reaped":
            return reaped(p.pid)
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
        elif do == "wait_sentinel":
            ready = multiprocessing.connection.wait([p.sentinel], unit_seconds(step["timeout"]))
            return bool(ready)
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
                import mpspec_other_module
                fn = mpspec_other_module.worker
            else:
                fn = sys.modules["__main__"].target if _main_has_target() else run_target
            kwargs["target"] = fn
            kwargs["args"] = (self.path + "/" + step["p"], step["target"], *step.get("args", []))
        self.handles[step["p"]] = multiprocessing.Process(**kwargs)
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


def main(argv):
    """Entry point of the main program: returns the driver's exit status."""
    if len(argv) != 3 or argv[0] != "--start-method":
        print("usage: driver.py --start-method fork|spawn|forkserver SCENARIO.json", file=sys.stderr)
        return EXIT_CASE_ERROR
    method, path = argv[1], os.path.abspath(argv[2])
    os.environ["MPSPEC_SCENARIO_PATH"] = path   # children (spawn) read their targets from here
    try:
        sc = scenario()
        unsupported = validate(sc)
    except (OSError, ValueError, CaseError) as e:
        trace({"ev": "case_error", "message": str(e)})
        return EXIT_CASE_ERROR
    if unsupported is not None:
        trace({"ev": "unsupported", "what": unsupported})
        return EXIT_UNSUPPORTED
    multiprocessing.set_start_method(method)
    variables()
    try:
        Program("main").run(sc["main"])
    except _End:
        pass
    except CaseError as e:
        trace({"ev": "case_error", "message": str(e)})
        return EXIT_CASE_ERROR
    return 0
