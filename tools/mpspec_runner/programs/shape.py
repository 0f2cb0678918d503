"""What both writers need to know about a case before writing a line: its targets' args,
the texts it prints split at their placeholders, which handles are dropped or reached from a
child, and which helpers the program needs."""
import keyword
import re

from ..spec.cases import expand

PLACEHOLDER = re.compile(r"\{(name|pid|ppid|args|[0-9]|v:[A-Za-z_][A-Za-z0-9_]*)\}")
# Names the programs use themselves, which a handle or variable must not take.
TAKEN = {"main", "show", "say", "unit", "args", "mp", "os", "sys", "time", "signal", "json",
         "parent", "points", "std", "exit", "kill", "sleep", "guard", "atexit", "select",
         "int", "bool", "char", "double", "float", "long", "short", "new", "delete", "class",
         "struct", "this", "auto", "default", "register", "union", "case", "do", "goto",
         # and what the C library declares: a target named "daemon" must not meet daemon(3)
         "daemon", "close", "pause", "wait", "write", "read", "open", "pipe", "fork", "abort",
         "raise", "system", "poll", "access", "getpid", "getppid", "reaped", "reach",
         "alarm", "sync", "dup", "link", "unlink", "nice", "stat", "remove"}
HELPER_OPS = {"reach", "await", "await_end", "reaped", "open_fds", "keep_fd", "kept_fds_open",
              "wait_sentinel", "active_children", "start_method"}


class CaseShapeError(Exception):
    """A scenario the writers cannot express as a program (a bug to fix here, not in the case)."""


def ident(name):
    """A C++ and Python identifier for a handle, target or variable name."""
    out = re.sub(r"\W", "_", name)
    if not out or out[0].isdigit():
        out = "_" + out
    if out in TAKEN or keyword.iskeyword(out):
        out += "_"
    return out


def parts(text):
    """`text` split into ("lit", str) and ("ph", key) pieces at its placeholders."""
    out, pos = [], 0
    for m in PLACEHOLDER.finditer(text):
        if m.start() > pos:
            out.append(("lit", text[pos:m.start()]))
        out.append(("ph", m.group(1)))
        pos = m.end()
    if pos < len(text):
        out.append(("lit", text[pos:]))
    return out


class Shape:
    """The case's programs (main and each target), expanded, with what they need."""

    def __init__(self, case):
        self.case = case
        data = case.data
        self.main = expand(data.get("main", []))
        self.targets = {name: expand(t.get("steps", [])) for name, t in data.get("targets", {}).items()}
        self.other_module = {name for name, t in data.get("targets", {}).items()
                             if t.get("module") == "other"}
        self.vars = dict(data.get("vars", {}))
        self.start_methods = data.get("start_methods")
        self.used = set()        # step kinds anywhere
        self.dropped = set()     # (program, handle) pairs a `drop` forgets
        self.reached = set()     # main's handles a child names as ^NAME
        self.arg_types = {}      # target -> [python type of each arg]
        self.unsendable = {}     # target -> set of unsendable kinds it is created with
        self.labels = set()
        self.set_vars = {}       # program -> vars it sets
        self.handle_names = set()
        for program, steps in [("main", self.main)] + list(self.targets.items()):
            self._scan(program, steps)

    def _scan(self, program, steps):
        for step in steps:
            do = step["do"]
            self.used.add(do)
            if "as" in step:
                self.labels.add(step["as"])
            if do in ("create", "copy"):
                self.handle_names.add(step["p"] if do == "create" else step["to"])
            if do == "drop":
                self.dropped.add((program, step["p"]))
            if do == "set":
                self.set_vars.setdefault(program, set()).add(step["var"])
            for key in ("p", "q"):
                if isinstance(step.get(key), str) and step[key].startswith("^"):
                    self.reached.add(step[key][1:])
            if do == "create" and "target" in step:
                types = [type(a) for a in step.get("args", [])]
                seen = self.arg_types.setdefault(step["target"], types)
                if seen != types:
                    raise CaseShapeError(f"target {step['target']} is created with args of "
                                         f"different types: {seen} and {types}")
                if "unsendable" in step:
                    self.unsendable.setdefault(step["target"], set()).add(step["unsendable"])

    def function(self, target):
        """The identifier of a target's function: its name, unless a handle has it."""
        name = ident(target)
        clash = {ident(h) for h in self.handle_names} | {ident(v) for v in self.vars}
        return name + "_target" if name in clash else name

    def uses(self, *kinds):
        return any(k in self.used for k in kinds)

    def handles(self, steps):
        """The handle names `steps` create, in order of first creation."""
        out = []
        for step in steps:
            if step["do"] in ("create", "copy"):
                name = step["p"] if step["do"] == "create" else step["to"]
                if name not in out:
                    out.append(name)
        return out
