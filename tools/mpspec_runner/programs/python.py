"""A case as a standalone Python program, the C++ program's twin, with CPython's
multiprocessing: the seed's own idiom (module-level targets, the `__main__` guard), so it
runs under fork, spawn and forkserver alike:
    python3 case.py [fork|spawn|forkserver]
"""
import json

from .shape import Shape, ident, parts

HELPERS = {
    "show": '''
def show(label, step):
    """Runs one step and says its result as "=> label = value" (JSON) on stderr in one
    write, or the error it raised (misuse is a result too): what the case checks."""
    try:
        value = json.dumps(step(), ensure_ascii=False)
    except Exception as e:  # noqa: BLE001 - any error is the step's result
        value = f"error: {e}"
    os.write(2, f"=> {label} = {value}\\n".encode())
''',
    "points": '''
def point_file(point):
    return os.path.join(os.environ["MPSPEC_POINTS"], point)


def reach(point):
    """The suite's meeting points, as files in a folder of this run: an order the case is
    about then holds by construction, not by sleeping. Nothing of multiprocessing."""
    with open(point_file(point), "w", encoding="utf-8"):
        pass


def await_point(point, units):
    deadline = time.monotonic() + units * UNIT
    while not os.path.exists(point_file(point)):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True


def make_points_folder():
    """Made by the main program; children inherit its name in the environment."""
    import atexit
    import shutil
    import tempfile
    os.environ["MPSPEC_POINTS"] = tempfile.mkdtemp(prefix="mpspec-points-")
    atexit.register(shutil.rmtree, os.environ["MPSPEC_POINTS"], True)
''',
    "await_end": '''
def ended_within(pid, units):
    """True once process `pid` has ended (without reaping it: a pidfd becomes readable
    at its end)."""
    import select
    if pid is None:
        return True
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True  # gone, and reaped already
    try:
        return bool(select.select([fd], [], [], units * UNIT)[0])
    finally:
        os.close(fd)
''',
    "reaped": '''
def reaped(pid):
    """True when `pid` can no longer be waited for by this process."""
    try:
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return False
''',
    "open_fds": '''
def open_fds():
    return len(os.listdir("/proc/self/fd")) - 1  # less the listing's own
''',
    "keep_fd": '''
KEPT_FDS = []  # descriptors the program opens and keeps, as a user's own open files


def keep_fd():
    KEPT_FDS.append(os.open("/dev/null", os.O_RDONLY))
    return True


def kept_fds_open():
    def is_open(fd):
        try:
            os.fstat(fd)
            return True
        except OSError:
            return False
    return sum(1 for fd in KEPT_FDS if is_open(fd))
''',
    "on_exit": '''
def print_now(text):
    """What an exit handler prints ({pid}: this process's pid then)."""
    sys.stdout.write(text.replace("{pid}", str(os.getpid())) + "\\n")
    sys.stdout.flush()


class ExitObject:
    """An object of the module's, kept for the whole run: its finalizer runs at exit."""


EXIT_OBJECTS = []
''',
    "unsendable": '''
def unsendable(target):
    """`target` wrapped in a closure over a generator, which no pickler can write."""
    held = (x for x in ())

    def wrapped(*args):
        _ = held  # named here, so the closure holds it
        return target(*args)
    return wrapped
''',
}


def literal(value):
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)


class Writer:
    def __init__(self, case):
        self.case = case
        self.shape = Shape(case)
        self.lines = []
        self.current = None

    def emit(self, depth, line):
        self.lines.append("    " * depth + line if line else "")

    def text(self, text):
        """A string literal, or an f-string where the text has placeholders."""
        pieces, formatted = [], False
        types = self.shape.arg_types.get(self.current, [])
        for kind, value in parts(text):
            if kind == "lit":
                pieces.append(json.dumps(value, ensure_ascii=False)[1:-1]
                              .replace("{", "{{").replace("}", "}}"))
                continue
            formatted = True
            if value == "name":
                pieces.append("{mp.current_process().name}")
            elif value in ("pid", "ppid"):
                pieces.append(f"{{os.get{value}()}}")
            elif value.startswith("v:"):
                pieces.append(f"{{{ident(value[2:])}}}")
            elif value == "args":
                pieces.append(" ".join(f"{{arg{i}}}" for i in range(len(types))))
            elif int(value) < len(types):
                pieces.append(f"{{arg{value}}}")
        if not formatted:
            return json.dumps(text, ensure_ascii=False)
        return 'f"' + "".join(pieces) + '"'

    def handle(self, name):
        if name == "current":
            return "mp.current_process()"
        if name == "parent":
            return "mp.parent_process()"
        return ident(name.lstrip("^"))

    def op_expr(self, step):
        do, h = step["do"], self.handle(step.get("p", "current"))
        seconds = lambda key: f"{step[key]} * UNIT"  # noqa: E731
        return {
            "start": f"{h}.start()",
            "join": f"{h}.join({seconds('timeout')})" if "timeout" in step else f"{h}.join()",
            "is_alive": f"{h}.is_alive()", "terminate": f"{h}.terminate()",
            "kill": f"{h}.kill()", "close": f"{h}.close()", "name": f"{h}.name",
            "daemon": f"{h}.daemon", "pid": f"{h}.pid", "exitcode": f"{h}.exitcode",
            "sentinel": f"{h}.sentinel", "repr": f"repr({h})", "str": f"str({h})",
            "same": f"{h} == {self.handle(step.get('q', 'current'))}",
            "set_name": f"setattr({h}, 'name', {literal(step.get('value'))})",
            "set_daemon": f"setattr({h}, 'daemon', {literal(step.get('value'))})",
            "wait_sentinel": f"bool(mp.connection.wait([{h}.sentinel], {seconds('timeout') if 'timeout' in step else 0}))",
            "reaped": f"reaped({h}.pid)",
            "await_end": f"ended_within({h}.pid, {step.get('timeout', 50)})",
            "active_children": "sorted(p.name for p in mp.active_children())",
            "cpu_count": "mp.cpu_count()", "open_fds": "open_fds()", "keep_fd": "keep_fd()",
            "kept_fds_open": "kept_fds_open()", "getpid": "os.getpid()",
            "getppid": "os.getppid()", "start_method": "mp.get_start_method()",
            "get": ident(step.get("var", "")),
            "await": f"await_point({literal(step.get('point', ''))}, {step.get('timeout', 50)})",
            "reach": f"reach({literal(step.get('point', ''))})",
            "mark": "None",
        }[do]

    def op(self, depth, step):
        do, label = step["do"], step.get("as")
        if do == "create":
            return self.create(depth, step)
        expr = self.op_expr(step)
        if step.get("p") == "parent":  # parent_process() is None in the main program
            expr = f"None if mp.parent_process() is None else {expr}"
        if label:
            self.emit(depth, f"show({literal(label)}, lambda: {expr})")
        elif do == "mark":
            return
        elif do in ("set_name", "set_daemon"):
            attr = "name" if do == "set_name" else "daemon"
            self.emit(depth, f"{self.handle(step['p'])}.{attr} = {literal(step['value'])}")
        elif step.get("p") == "parent":
            self.emit(depth, "if mp.parent_process() is not None:")
            self.emit(depth + 1, self.op_expr(step))
        else:
            self.emit(depth, expr)

    def create(self, depth, step):
        kwargs = []
        if "target" in step:
            fn = self.shape.function(step["target"])
            if step.get("unsendable") == "target":
                fn = f"unsendable({fn})"
            kwargs.append(f"target={fn}")
            args = step.get("args", [])
            if args:
                kwargs.append("args=(" + ", ".join(literal(a) for a in args)
                              + ("," if len(args) == 1 else "") + ")")
            if step.get("unsendable") == "arg":
                kwargs.append('kwargs={"unsendable": (x for x in ())}')
        if step.get("name"):
            kwargs.append(f"name={literal(step['name'])}")
        if "daemon" in step:
            kwargs.append(f"daemon={step['daemon']}")
        self.emit(depth, f"{ident(step['p'])} = mp.Process({', '.join(kwargs)})")
        if step.get("as"):
            self.emit(depth, f"show({literal(step['as'])}, lambda: None)")

    def steps(self, depth, steps):
        start = len(self.lines)
        for i, step in enumerate(steps):
            do = step["do"]
            if do in ("guard", "catch_errors"):  # the rest of the target, then the text
                self.emit(depth, "try:")
                self.steps(depth + 1, steps[i + 1:])
                self.emit(depth, "finally:" if do == "guard" else
                          "except Exception:  # sys.exit's SystemExit is not an Exception")
                self.emit(depth + 1, f"print({self.text(step['text'])})")
                return
            self.step(depth, step)
        if len(self.lines) == start:
            self.emit(depth, "pass  # the case only needs the child to run")

    def step(self, depth, step):
        do = step["do"]
        if do == "print":
            where = ", file=sys.stderr" if step.get("stream") == "stderr" else ""
            self.emit(depth, f"print({self.text(step['text'])}{where})")
        elif do == "flush":
            self.emit(depth, "sys.stdout.flush()")
            self.emit(depth, "sys.stderr.flush()")
        elif do == "sleep":
            self.emit(depth, f"time.sleep({step['units']} * UNIT)")
        elif do == "set":
            self.emit(depth, f"{ident(step['var'])} = {literal(step['value'])}")
        elif do == "ignore":
            self.emit(depth, f"signal.signal(signal.{step['signal']}, signal.SIG_IGN)")
        elif do == "on_exit":
            if step.get("how") == "static":
                self.emit(depth, "EXIT_OBJECTS.append(ExitObject())  # its finalizer runs at exit")
                self.emit(depth, f"weakref.finalize(EXIT_OBJECTS[-1], print_now, {literal(step['text'])})")
            else:
                self.emit(depth, f"atexit.register(print_now, {literal(step['text'])})")
        elif do == "copy":
            self.emit(depth, f"{ident(step['to'])} = {self.handle(step['p'])}  # the same process")
        elif do == "drop":
            if step["p"].startswith("^"):  # main's global: this forked child's copy of it
                self.emit(depth, f"del globals()[{literal(self.handle(step['p']))}]")
            else:
                self.emit(depth, f"del {ident(step['p'])}")
            self.emit(depth, "gc.collect()  # what a reference cycle held is released now too")
        elif do == "return":
            self.emit(depth, "return" + (f" {literal(step['value'])}" if "value" in step else ""))
        elif do == "raise":
            self.emit(depth, f"raise RuntimeError({literal(step['message'])})")
        elif do == "exit":
            arg = literal(step["message"]) if "message" in step else str(step.get("code", 0))
            self.emit(depth, f"sys.exit({arg})")
        elif do == "crash":
            if step["signal"] != "SIGKILL":  # whose action cannot be changed
                self.emit(depth, f"signal.signal(signal.{step['signal']}, signal.SIG_DFL)")
            self.emit(depth, f"os.kill(os.getpid(), signal.{step['signal']})")
            self.emit(depth, "time.sleep(60)")
        elif do == "end":
            self.emit(depth, "return")
        else:
            self.op(depth, step)

    def function(self, name, steps, params, note=None):
        self.current = name
        self.emit(0, "")
        self.emit(0, "")
        if note:
            self.emit(0, note)
        self.emit(0, f"def {self.shape.function(name) if name != 'main' else 'main'}({params}):")
        wanted = sorted(self.shape.set_vars.get(name, set()))
        if name == "main":
            wanted += sorted(self.shape.reached)
        if wanted:
            self.emit(1, "global " + ", ".join(ident(v) for v in wanted))
        self.steps(1, steps)

    def imports(self):
        shape = self.shape
        modules = ["import multiprocessing as mp", "import os", "import sys"]
        if shape.uses("sleep", "crash", "await", "reach"):
            modules.append("import time")
        if shape.uses("wait_sentinel"):
            modules.append("import multiprocessing.connection")
        if shape.labels:
            modules.append("import json")
        if shape.uses("ignore", "crash"):
            modules.append("import signal")
        if shape.uses("drop"):
            modules.append("import gc")
        if shape.uses("on_exit"):
            modules += ["import atexit", "import weakref"]
        return sorted(modules, key=lambda m: m.split()[1])

    def helpers(self):
        shape = self.shape
        wanted = {k for k in HELPERS if k in shape.used}
        if shape.labels:
            wanted.add("show")
        if shape.uses("reach", "await"):
            wanted.add("points")
        if any("target" in kinds for kinds in shape.unsendable.values()):
            wanted.add("unsendable")
        out = []
        for key in HELPERS:
            if key in wanted:
                out += ["", ""] + HELPERS[key].strip("\n").split("\n")
        return out

    def write(self):
        case, shape = self.case, self.shape
        d = case.data
        self.emit(0, f"# {case.id} ({d.get('section')}, {d.get('level')}): {d.get('claim')}")
        self.emit(0, f"# From {case.rel}; run it: python3 case.py [fork|spawn|forkserver]")
        self.emit(0, '# Lines "=> label = value" on stderr are the results the case checks.')
        self.lines += self.imports()
        self.emit(0, "")
        self.emit(0, "# Seconds per time unit of the case: 0.1, or $MPSPEC_TIME_UNIT (the suite "
                  "calibrates its own).")
        self.emit(0, 'UNIT = float(os.environ.get("MPSPEC_TIME_UNIT", "0.1"))')
        self.lines += self.helpers()
        # the case's own lines come last, together
        self.body_start = len(self.lines)
        if shape.vars:
            self.emit(0, "")
            self.emit(0, "# The program's variables: each process has its own.")
            for name, value in shape.vars.items():
                self.emit(0, f"{ident(name)} = {literal(value)}")
        if shape.reached:
            self.emit(0, "")
            self.emit(0, "# Handles of the main program that its forked children use (their copies).")
            for name in sorted(shape.reached):
                self.emit(0, f"{ident(name)} = None")
        for target, steps in shape.targets.items():
            self.target(target, steps)
        self.function("main", shape.main, "")
        if shape.uses("reach", "await"):
            at = self.lines.index("def main():") + 1
            while self.lines[at].strip().startswith("global "):
                at += 1
            self.lines.insert(at, "    make_points_folder()")
        self.emit(0, "")
        self.emit(0, "")
        self.emit(0, 'if __name__ == "__main__":')
        self.emit(1, 'mp.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "fork")')
        self.emit(1, "main()")
        return self.lines[:self.body_start], self.lines[self.body_start:]

    def target(self, target, steps):
        params = [f"arg{i}" for i in range(len(self.shape.arg_types.get(target, [])))]
        if "arg" in self.shape.unsendable.get(target, set()):
            params.append("unsendable=None")
        note = ("# The suite keeps this target in another module (seed 10.4.2)."
                if target in self.shape.other_module else None)
        self.function(target, steps, ", ".join(params), note)


def write(case):
    """The Python program of `case`, as text."""
    return "\n".join(sum(write_parts(case), [])) + "\n"


def write_parts(case):
    """The program as ([lines of its imports and helpers], [lines of the case itself])."""
    return Writer(case).write()
