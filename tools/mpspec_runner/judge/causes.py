"""Likely causes: a student's failures grouped by the symptom they share, each group naming
the row of API.md it is about. One bug often fails twenty cases (a child that never flushes
its output fails every case that reads a child's line); the student should read that one
cause first, not twenty puzzles.

A symptom is read from a result alone (its verdict, its failed checks, what the run
printed, and in a grading the kernel's record of every process), never from the
implementation's name, so a sample cannot be recognised by it. The kernel's facts are read
first and put first (KERNEL_FIRST): a child that ran the main program's code, or a signal
nobody asked for, explains the late calls and wrong lines that follow from it."""
import re
import signal
from dataclasses import dataclass

from ..spec.protocol import lines
from .kernel import Kernel, pid_of
from .verdict import Verdict


@dataclass(frozen=True)
class Cause:
    key: str
    summary: str  # one line for the student: what the failures have in common
    api: str  # the row of API.md's behaviour table (or section) the cause is about


CAUSES = {c.key: c for c in [
    Cause("child-output", "a child's printed lines never reach the output: the children run, "
          "but what they print is lost (is stdout flushed before the child's _exit?)",
          "API.md, \"child exit\": the child flushes stdout/stderr, then leaves with _exit"),
    Cause("no-child", "no child ever ran a step of its target: start() did not start a "
          "process that runs the target", "API.md, \"target and args\""),
    Cause("child-runs-main", "a child went on to run the main program's code after its "
          "target (it printed the main program's lines, or started children of its own that "
          "its target never starts): the child must leave with _exit once its target is done",
          "API.md, \"child exit\": after the target the child flushes, then leaves with _exit"),
    Cause("unasked-signal", "a child was killed by a signal no step asked for (no terminate(), "
          "kill() or daemon in the case): look for a kill() in a destructor, a cleanup or an "
          "exit path", "API.md, \"terminate/kill\" and \"handles\": only terminate() and "
          "kill() signal a child, and dropping a handle neither kills nor waits"),
    Cause("child-error", "a child failed with exit code 1 in a case whose targets neither raise "
          "nor exit with a code (its stderr shows the error): the target, or the args it was "
          "given, did not arrive as the parent passed them", "API.md, \"target and args\": "
          "args are copied at construction, and the target runs with them"),
    Cause("unflushed-copy", "a child printed again what the main program had printed before "
          "start(): the parent's unflushed stdout buffer was copied by the fork (flush before "
          "forking)", "API.md, \"at exit of the main program\": start() flushes the parent's "
          "stdout/stderr before forking"),
    Cause("fork-bomb", "the run created processes without end (a fork bomb)",
          "API.md, \"target and args\": start() creates exactly one child"),
    Cause("flood", "the run printed without end and was stopped",
          "API.md, \"target and args\" and \"child exit\""),
    Cause("hang", "the run never ended within the case's time: a call blocked, or a process "
          "that should have ended did not", "API.md, \"join\" and \"at exit of the main program\""),
    Cause("left-running", "a process was still there when it should have been gone (not "
          "terminated, not reaped, or outliving the main program)",
          "API.md, \"at exit of the main program\", \"terminate/kill\" and \"is_alive\""),
    Cause("raw-status", "exit codes hold the raw wait status (exit(1) reads 256, SIGTERM 15) "
          "instead of the decoded code (1, -15)", "API.md, \"exit codes\""),
    Cause("exit-codes", "exit codes differ from the table", "API.md, \"exit codes\""),
    Cause("misuse", "a misuse is not refused: a call that must throw mp::ProcessError with "
          "CPython's message did not", "API.md, \"misuse\""),
    Cause("drop-waits", "the main program went on late after dropping a handle: a handle's "
          "destructor waits for its child (joins) when the last copy goes",
          "API.md, \"handles\": dropping a handle neither kills nor waits"),
    Cause("timing", "a call returns at the wrong time (too early, or late)",
          "API.md, \"join\""),
    Cause("other", "other failures, each with its own cause", "the claim of each case"),
]}
# Causes the kernel's facts decide: when one of them is there, it opens the feedback, however
# few cases it covers; the rest are ordered by how many cases they cover.
KERNEL_FIRST = ("fork-bomb", "no-child", "child-runs-main", "unflushed-copy", "unasked-signal",
                "child-error")
SIGNALLING_STEPS = {"terminate", "kill", "crash", "daemon", "set_daemon"}
STDOUT_CHECK = re.compile(r"^(stdout|stderr) (lines|includes|order)")
PLACEHOLDER = re.compile(r"\{[^}]*\}|\$\{[^}]*\}")


def symptom(result):
    """The key of the cause a failed result most likely shares with others."""
    obs, checks = result.observation, [c for c in (result.checks or []) if not c.ok]
    report = obs.report if obs is not None else {}
    if report.get("pids_limit"):
        return "fork-bomb"
    if report.get("flood"):
        return "flood"
    if result.verdict == Verdict.TIMEOUT:
        return "hang"
    # Only the tracer (grading) knows every process: a child that only prints leaves no event.
    witness = report.get("witness") or {}
    seen = witness.get("processes")
    if seen is not None and result.case.data.get("targets") and len(seen) <= 1:
        return "no-child"
    if witness:
        key = kernel_symptom(result.case, Kernel(witness), obs.trace if obs else [])
        if key:
            return key
    if obs is not None and checks and all(STDOUT_CHECK.match(c.name) for c in checks) \
            and missing_child_line(result.case, obs.stdout):
        return "child-output"
    if any(c.name == "no process of the run left" or c.name.endswith("gone when the main "
                                                                     "program exited")
           for c in checks):
        return "left-running"
    codes = [exit_code_pair(c) for c in checks if not other_number(result.case, c)]
    codes = [pair for pair in codes if pair]
    if codes:
        return "raw-status" if all(raw_status(*pair) for pair in codes) else "exit-codes"
    if any(str(c.expected).startswith("error=") for c in checks):
        return "misuse"
    if any(c.name.startswith("time from") or c.name.startswith("median") for c in checks):
        marks = after_drops(result.case)
        late = [c for c in checks if c.name.startswith("time from")]
        return "drop-waits" if any(m in c.name.split() for c in late for m in marks) \
            else "timing"
    return "other"


def steps_of(steps):
    """Every step of a list, nested ones (repeat, guard, ...) too."""
    for step in steps:
        yield step
        yield from steps_of(step.get("steps", []))


def target_steps(case):
    for target in case.data.get("targets", {}).values():
        yield from steps_of(target.get("steps", []))


def line_patterns(texts):
    """Each line template as a pattern: its fixed parts in order, anything in its holes."""
    return [re.compile(".*".join(re.escape(p) for p in PLACEHOLDER.split(t))) for t in texts]


def after_drops(case):
    """The names the main program records right after dropping a handle (a mark, an op's
    `as`): a time measured to one of them says how long the drop took."""
    main = case.data.get("main", [])
    return {b["as"] for a, b in zip(main, main[1:]) if a.get("do") == "drop" and "as" in b}


def main_lines(case, after_start):
    """The main program's stdout print steps after (or before) its last start, and its exit
    handlers' lines (after): a line printed before a start is in the buffer that fork copies,
    one printed after the last can come from a child only if the child ran on in main."""
    steps = list(steps_of(case.data.get("main", [])))
    last = max((i for i, s in enumerate(steps) if s.get("do") == "start"), default=-1)
    found = []
    for i, step in enumerate(steps):
        started = i > last
        if step.get("stream", "stdout") != "stdout":
            continue
        if step.get("do") == "print" and started == after_start:
            found.append(step)
        elif step.get("do") == "on_exit" and after_start:
            found.append(step)
    return found


def child_lines(kernel):
    """The lines processes other than the main program wrote to stdout."""
    return lines(b"".join(data for pid, fd, data in kernel.writes
                          if fd == 1 and pid is not None and pid != kernel.driver))


def child_wrote(written, steps, theirs, unless=()):
    """Whether a child wrote a line of one of `steps` (main program print steps whose text no
    target prints: `theirs`) that matches none of the templates `unless`."""
    mine = line_patterns([s["text"] for s in steps if s["text"] not in theirs])
    others = line_patterns(unless)
    return any(any(p.fullmatch(line) for p in mine) and not any(p.fullmatch(line) for p in others)
               for line in written)


def played_main(kernel, trace):
    """Whether a process other than the main program played a step of the main program (its
    trace events say `main`)."""
    return any(isinstance(ev, dict) and ev.get("proc") == "main" and pid_of(ev.get("pid")) not
               in (None, kernel.driver) for ev in trace or [])


def kernel_symptom(case, kernel, trace):
    """The cause the kernel's record shows, or None: a child playing the main program's steps,
    then what children wrote, then how they ended."""
    if played_main(kernel, trace):
        return "child-runs-main"
    theirs = child_prints(case)
    written = child_lines(kernel)
    if child_wrote(written, main_lines(case, after_start=False), theirs):
        return "unflushed-copy"
    # After the last start, a line a target's template also matches may be the target's own.
    if child_wrote(written, main_lines(case, after_start=True), theirs, unless=theirs) \
            or started_unasked(case, kernel):
        return "child-runs-main"
    if unasked_signal(case, kernel):
        return "unasked-signal"
    if unasked_error(case, kernel):
        return "child-error"
    return None


def started_unasked(case, kernel):
    """Whether a child has children of its own when no target starts any."""
    if any(s.get("do") == "start" for s in target_steps(case)):
        return False
    children = {pid for pid, info in kernel.procs.items() if info.get("parent") == kernel.driver}
    return any(info.get("parent") in children for info in kernel.procs.values())


def unasked_signal(case, kernel):
    """Whether a child of a case that signals no process (no terminate, kill, crash or
    daemon) died of a signal before the main program had ended (the reaper's kills of what
    is left come after it)."""
    steps = list(steps_of(case.data.get("main", []))) + list(target_steps(case))
    if any(s.get("do") in SIGNALLING_STEPS or s.get("daemon") for s in steps):
        return False
    main_end = kernel.fact(kernel.driver, "ended")
    for pid in kernel.procs:
        status, end = kernel.status(pid), kernel.fact(pid, "ended")
        if pid != kernel.driver and status is not None and status < 0 and end is not None \
                and (main_end is None or end < main_end):
            return True
    return False


def other_number(case, check):
    """Whether a result check compares a number some step other than `exitcode` recorded
    (kept_fds_open, open_fds, ...): no exit code, whatever its digits."""
    name = check.name.removeprefix("result ")
    steps = [*steps_of(case.data.get("main", [])), *target_steps(case)]
    makers = {s.get("do") for s in steps if s.get("as") == name}
    return bool(makers) and not makers & {"exitcode", "repr", "str"}


def unasked_error(case, kernel):
    """Whether a child exited with 1 (an uncaught error's code) in a case whose targets
    never raise, exit or crash."""
    if any(s.get("do") in ("raise", "exit", "crash") for s in target_steps(case)):
        return False
    return any(pid != kernel.driver and kernel.status(pid) == 1 for pid in kernel.procs)


def child_prints(case):
    """The templates of the lines the case's targets print to stdout (children's lines)."""
    # guard and catch_errors print their text to stdout too
    return [s["text"] for s in target_steps(case)
            if s.get("do") in ("print", "guard", "catch_errors")
            and s.get("stream", "stdout") == "stdout"]


def missing_child_line(case, stdout):
    """Whether some line a target prints (its fixed parts in order, whatever fills its
    placeholders) was never printed: a wrong name still prints its line, lost output not."""
    patterns = line_patterns(child_prints(case))
    return any(not any(p.fullmatch(line) for line in stdout) for p in patterns)


def exit_code_pair(check):
    """(expected, observed) where a check compares a recorded exit code, or the exitcode
    field of a repr (`exitcode=-SIGTERM`), else None."""
    if not check.name.startswith("result "):
        return None
    m = re.fullmatch(r"value=(-?\d{1,9})", str(check.expected))
    if m and re.fullmatch(r"-?\d{1,9}", str(check.observed)):
        return int(m.group(1)), int(check.observed)
    want = re.search(r"exitcode=(-?\w+)", str(check.expected))
    seen = re.search(r"exitcode=(-?\w+)", str(check.observed))
    if want and seen and want.group(1) != seen.group(1):
        return exitcode_value(want.group(1)), exitcode_value(seen.group(1))
    return None


def exitcode_value(text):
    """An exitcode as a repr shows it (1, -SIGTERM) as a number; None if it is neither."""
    sign = -1 if text.startswith("-") else 1
    name = text.lstrip("-")
    if name.isdigit() and len(name) <= 9:
        return sign * int(name)
    if name.isdigit():
        return None
    try:
        return sign * signal.Signals[name].value
    except KeyError:
        return None


def raw_status(expected, observed):
    if expected is None or observed is None:
        return False
    return (expected > 0 and observed == expected << 8) or (expected < 0 and observed == -expected)


def likely_causes(failures, key=symptom):
    """[(Cause, [failures])], the largest group first and 'other' last; `key` gives a
    failure's symptom (by default read from a runner's result)."""
    groups = {}
    for r in failures:
        groups.setdefault(key(r) or "other", []).append(r)
    first = {k: i for i, k in enumerate(KERNEL_FIRST)}
    order = sorted(groups, key=lambda k: (first.get(k, len(first)), k == "other",
                                          -len(groups[k]), k))
    return [(CAUSES[k], groups[k]) for k in order]


def headline(groups, failed):
    """The one line that opens a student's feedback, or None when nothing failed."""
    if not groups:
        return None
    cause, members = groups[0]
    see = f"See {cause.api}."
    if cause.key == "other":
        return ("The failed case has a cause of its own: read it below." if failed == 1 else
                f"{failed} failed cases, each with a cause of its own: read them below.")
    if failed == 1:
        return f"The one failed case: {cause.summary}. {see}"
    if len(members) == 1:
        return (f"The {failed} failed cases show different symptoms (see Likely causes); "
                f"the first: {cause.summary}. {see}")
    share = "All" if len(members) == failed else f"{len(members)} of the"
    return f"{share} {failed} failed cases share one symptom: {cause.summary}. {see}"
