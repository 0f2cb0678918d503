"""What the library says, checked against what the kernel saw (the witness of a traced run:
sandbox/witness.py). The trace and the output are written from inside the process that runs
the implementation under test, so they are believed only where the kernel agrees:

- children: every start() that returned without an error created a process, below the
  calling process, while it ran; the events of a child (proc `main/w`) come from such a
  process of its own; two children are two processes;
- values: a pid, an exit code, an is_alive or a join that the case's expectations use agrees
  with the process the kernel saw that start() create: its pid, its exit status (a signal S
  gives -S), when it began to exit and when it was gone;
- output: a line that only a target prints was written by a child's process, a line that
  only the main program prints by the main program's process, and every line by some process
  of the run.

Each rule holds for every honest run, whatever the library's bugs, because each time the
reaper records is on the right side of what the library could have seen (witness.py). A rule
that fails is a failed check with the facts; only what no honest driver writes is tampering
(crosscheck.py). Pure: a function of the case and the observation."""
import base64
import binascii
import math
import re

from ..spec.cases import expand
from ..spec.lint import matcher_refs
from ..spec.protocol import lines
from ..spec.vocabulary import PLACEHOLDER, TEMPLATE_REF
from .checks import Check

CHILDREN = "children are processes the kernel saw"
VALUES = "values agree with the kernel"
OUTPUT = "each line comes from the process that prints it"
VALUE_OPS = ("pid", "exitcode", "is_alive", "join")
NOT_CHILDREN = ("current", "parent")


def number(value):
    """A finite int or float (not a bool) as a float, else None: the trace is the run's."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        value = float(value)
    except OverflowError:
        return None
    return value if math.isfinite(value) else None


def pid_of(value):
    return value if isinstance(value, int) and not isinstance(value, bool) and \
        0 < value < 1 << 32 else None


class Kernel:
    """The witness, read defensively: {pid: facts}, the driver's pid and the writes."""

    def __init__(self, witness):
        self.procs = {}
        for key, info in (witness.get("processes") or {}).items():
            if isinstance(key, str) and key.isdigit() and isinstance(info, dict):
                self.procs[int(key)] = info
        self.driver = pid_of(witness.get("driver"))
        self.writes, self.write_times = [], []  # (pid, fd, bytes); when each was written
        for w in witness.get("writes") or []:
            try:
                self.writes.append((pid_of(w["pid"]), w["fd"], base64.b64decode(w["data"])))
            except (KeyError, TypeError, ValueError, binascii.Error, AttributeError):
                continue
            self.write_times.append(number(w.get("t")))

    def fact(self, pid, key):
        return number(self.procs.get(pid, {}).get(key))

    def status(self, pid):
        value = self.procs.get(pid, {}).get("status")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def ancestors(self, pid):
        """The pid's parent, its parent's parent, ... (not the pid itself)."""
        chain, pid = [], pid_of(self.procs.get(pid, {}).get("parent"))
        while pid is not None and pid not in chain:
            chain.append(pid)
            pid = pid_of(self.procs.get(pid, {}).get("parent"))
        return chain

    def descends(self, pid, ancestors):
        return bool(set(self.ancestors(pid)) & set(ancestors))


class Tree:
    """The trace's processes: the pids of each path's events and the start() of each child."""

    def __init__(self, trace, kernel):
        self.kernel, self.paths, self.starts = kernel, {}, {}
        for ev in trace:
            if ev.get("ev") != "op" or not isinstance(ev.get("proc"), str):
                continue
            pid = pid_of(ev.get("pid"))
            if pid is not None:
                self.paths.setdefault(ev["proc"], set()).add(pid)
            if ev.get("do") == "start" and "error" not in ev and \
                    isinstance(ev.get("p"), str) and ev["p"] not in NOT_CHILDREN:
                window = (number(ev.get("t0")), number(ev.get("t")))
                if None not in window:
                    self.starts.setdefault(f"{ev['proc']}/{ev['p']}", []).append(window)

    def started(self, path, before=math.inf):
        return [w for w in self.starts.get(path, []) if w[1] <= before]

    def born_in(self, pid, windows):
        born = self.kernel.fact(pid, "born")
        return born is not None and any(t0 <= born <= t for t0, t in windows)

    def candidates(self, path, before=math.inf):
        """The processes that are `path`'s: those of its events, else those born while its
        start() ran (before `before`) below its parent's process."""
        windows = self.started(path, before)
        if path in self.paths:
            return sorted(self.paths[path])
        parent = self.paths.get(path.rpartition("/")[0], set())
        return sorted(pid for pid in self.kernel.procs
                      if self.born_in(pid, windows) and self.kernel.descends(pid, parent))


def checks(case, obs):
    """The three checks, or [] when the run had no witness."""
    witness = obs.report.get("witness")
    if not isinstance(witness, dict) or obs.outcome != "ran":
        return []
    kernel = Kernel(witness)
    tree = Tree(obs.trace, kernel)
    clock = Clock(obs.report)
    return [summarize(CHILDREN, children(tree, clock)),
            summarize(VALUES, values(case, obs.trace, tree, clock)),
            summarize(OUTPUT, output(case, obs, kernel))]


def summarize(name, problems):
    if not problems:
        return Check(name, "agrees", "agrees", True)
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return Check(name, "agrees", problems[0] + more, False)


class Clock:
    """Times as the reader sees them: seconds since the run was launched."""

    def __init__(self, report):
        self.zero = number(report.get("launch")) or 0.0

    def __call__(self, t):
        return "never" if t is None else f"{t - self.zero:.3f} s"


def children(tree, at):
    """Each start() created a process; each child's events come from processes of its own,
    below its parent's, created by its start()."""
    found, owner = unstarted(tree, at), {}
    for path in sorted(p for p in tree.paths if "/" in p):
        parent = path.rpartition("/")[0]
        mine, theirs = tree.paths[path], tree.paths.get(parent, set())
        for pid in sorted(mine):
            found += child_problems(tree, path, pid, theirs, at)
            if pid in owner and not related(owner[pid], path):
                found.append(f"{owner[pid]} and {path} are one process (pid {pid}): two "
                             "children need two processes")
            owner.setdefault(pid, path)
        if len(mine) > max(1, len(tree.starts.get(path, []))):
            found.append(f"the events of {path} come from {len(mine)} processes "
                         f"({', '.join(map(str, sorted(mine)))}): a child is one process")
    return found


def unstarted(tree, at):
    """A start() that returned without an error, and created no process while it ran."""
    found = []
    for path, windows in sorted(tree.starts.items()):
        parent, _, handle = path.rpartition("/")
        below = tree.paths.get(parent, set())
        for t0, t in windows:
            if not any(tree.born_in(pid, [(t0, t)]) and tree.kernel.descends(pid, below)
                       for pid in tree.kernel.procs):
                found.append(f"{handle}.start() in {parent} returned at {at(t)} without an "
                             f"error, but created no process while it ran (from {at(t0)})")
    return found


def related(a, b):
    return a.startswith(b + "/") or b.startswith(a + "/")


def child_problems(tree, path, pid, parents, at):
    parent = path.rpartition("/")[0]
    named = ", ".join(map(str, sorted(parents))) or "none"
    if pid in parents:
        return [f"the events of {path} come from pid {pid}, the process of {parent} itself: "
                "its target did not run in a child process"]
    if pid not in tree.kernel.procs:
        return []  # no such process at all: tampering, which crosscheck.py says
    if not tree.kernel.descends(pid, parents):
        return [f"the events of {path} come from pid {pid}, which does not descend from "
                f"{parent} (pid {named})"]
    windows = tree.starts.get(path, [])
    if not tree.born_in(pid, windows):
        ran = "; ".join(f"{at(t0)} to {at(t)}" for t0, t in windows) or "never"
        return [f"pid {pid} of {path} was not created while {parent}'s start() of it ran "
                f"(created at {at(tree.kernel.fact(pid, 'born'))}; start() ran {ran})"]
    return []


def referenced(expect):
    """The labels whose recorded values the case's expectations use."""
    used = set()
    for label, matcher in (expect.get("results") or {}).items():
        used.add(label)
        for m in [matcher, *((matcher.get("then") or {}).values()
                             if isinstance(matcher, dict) and isinstance(matcher.get("then"), dict)
                             else [])]:
            used |= matcher_refs(m)
            if isinstance(m, dict) and isinstance(m.get("when"), str):
                used.add(m["when"])
    for t in expect.get("timing") or []:
        if isinstance(t, dict):
            used |= {str(t.get(k, "")).removesuffix(".t0") for k in ("from", "to")}
    used |= {g for g in expect.get("gone") or [] if isinstance(g, str)}
    for key in ("stdout", "stdout_has", "stderr", "stderr_has", "order", "stderr_order"):
        for line in _strings(expect.get(key)):
            used |= set(TEMPLATE_REF.findall(line))
    return used


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def timed_out_joins(case):
    """Labels of join steps with a timeout (their return says nothing of the child)."""
    found = set()
    programs = [case.data.get("main", []), *[t.get("steps", []) for t in
                                              (case.data.get("targets") or {}).values()]]
    for steps in programs:
        for step in expand(steps) if isinstance(steps, list) else []:
            if isinstance(step, dict) and step.get("do") == "join" and "timeout" in step:
                found.add(step.get("as"))
    return found


def values(case, trace, tree, at):
    """The values the expectations use, against the process start() created."""
    used, found = referenced(case.expect), []
    timed = timed_out_joins(case)
    for ev in trace:
        if ev.get("ev") != "op" or ev.get("do") not in VALUE_OPS or "error" in ev or \
                ev.get("as") not in used or ev.get("p") in NOT_CHILDREN or \
                not isinstance(ev.get("p"), str) or not isinstance(ev.get("proc"), str):
            continue
        t0, t = number(ev.get("t0")), number(ev.get("t"))
        path = f"{ev['proc']}/{ev['p']}"
        if t0 is None or t is None or not tree.started(path, t0) or \
                (ev["do"] == "join" and ev["as"] in timed):
            continue
        problem = value_problem(ev, tree.kernel, tree.candidates(path, t0), t0, t, at)
        if problem:
            found.append(f"{ev['p']}.{ev['do']}() in {ev['proc']} ({ev['as']}) {problem}")
    return found


def value_problem(ev, kernel, procs, t0, t, at):
    """Why the kernel contradicts the value of one op, or None."""
    value, do = ev.get("value"), ev["do"]
    shown = ", ".join(f"pid {p}" for p in procs) or "no process"
    if do == "pid":
        if pid_of(value) is None or value in procs:
            return None
        return f"is {value!r}, but start() created {shown}"
    ended = [kernel.fact(p, "ended") for p in procs]
    began_to_end = any(ended_before(kernel, p, t) for p in procs)
    alive_at_t0 = not procs or any(e is None or e > t0 for e in ended)
    if do == "exitcode" and isinstance(value, int) and not isinstance(value, bool):
        if any(kernel.status(p) == value and ended_before(kernel, p, t) for p in procs):
            return None
        seen = "; ".join(f"pid {p} ended with {kernel.status(p)} at "
                         f"{at(kernel.fact(p, 'ended'))}" for p in procs)
        return f"is {value} at {at(t)}, but the kernel saw {seen or 'no process of it'}"
    if do == "exitcode" and value is None and not alive_at_t0:
        return f"is None at {at(t0)}, but {shown} had ended by then"
    if do == "is_alive" and value is True and not (procs and alive_at_t0):
        return f"is True at {at(t0)}, but {shown + ' had ended by then' if procs else shown}"
    if do in ("is_alive", "join") and (value is False or do == "join") and procs and \
            not began_to_end:
        what = "is False" if do == "is_alive" else "returned"
        return f"{what} at {at(t)}, but {shown} was still running then"
    return None


def ended_before(kernel, pid, t):
    """Whether the process may have ended before time `t`: it began to exit before then, or
    it ended with no stop at the start of its exit to time (a SIGKILL can skip that stop),
    which leaves the time unknown."""
    ending = kernel.fact(pid, "ending")
    if ending is not None:
        return ending < t
    return kernel.fact(pid, "ended") is not None


def print_patterns(case, stream):
    """(patterns of the lines the main program prints, of those the targets print) on
    `stream`: a placeholder stands for anything."""
    def compiled(steps):
        out = []
        for step in expand(steps) if isinstance(steps, list) else []:
            if isinstance(step, dict) and step.get("do") == "print" and \
                    step.get("stream", "stdout") == stream and isinstance(step.get("text"), str):
                parts = PLACEHOLDER.split(step["text"])
                out.append(re.compile(".*".join(re.escape(p) for i, p in enumerate(parts)
                                                if i % 2 == 0)))
        return out
    targets = [p for t in (case.data.get("targets") or {}).values() if isinstance(t, dict)
               for p in compiled(t.get("steps", []))]
    return compiled(case.data.get("main", [])), targets


def written_lines(kernel):
    """{(fd, line): {pids that wrote that line}} from each process's own writes."""
    streams = {}
    for pid, fd, data in kernel.writes:
        streams.setdefault((pid, fd), []).append(data)
    found = {}
    for (pid, fd), chunks in streams.items():
        for line in lines(b"".join(chunks)):
            found.setdefault((fd, line), set()).add(pid)
    return found


def output(case, obs, kernel):
    """Each line of the output was written by a process of the run, and by a child where only
    a target prints it, by the main program where only the main program does."""
    found, wrote = [], written_lines(kernel)
    for fd, stream, lines in ((1, "stdout", obs.stdout), (2, "stderr", obs.stderr)):
        mains, targets = print_patterns(case, stream)
        for line in dict.fromkeys(lines):
            writers = wrote.get((fd, line), set())
            by_main = any(p.fullmatch(line) for p in mains)
            by_target = any(p.fullmatch(line) for p in targets)
            if not writers:
                found.append(f"the {stream} line {line!r} was written by no process of the run "
                             "that the kernel saw write")
            elif by_target and not by_main and writers <= {kernel.driver}:
                found.append(f"the {stream} line {line!r}, which only a target prints, was "
                             f"written by the main program's process (pid {kernel.driver}): "
                             "the target did not run in a child process")
            elif by_main and not by_target and kernel.driver not in writers:
                found.append(f"the {stream} line {line!r}, which only the main program prints, "
                             f"was written only by pid {', '.join(map(str, sorted(writers)))}, "
                             "not by the main program's process")
    return found
