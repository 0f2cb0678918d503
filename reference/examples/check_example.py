#!/usr/bin/env python3
"""Runs one of the seed's example programs and checks its output against what the seed documents.

  check_example.py STEM BINARY [ARG...]  check one example (CTest runs this), run with ARGs
                                          (e.g. --start-method spawn)
  check_example.py --all BINDIR     run every example in BINDIR, show its output and a verdict

Each expectation below is the seed's documented output, as the seed describes it: lines as a
multiset where order may vary, pids as patterns, lines that must never appear. The program
runs in its own session under this script acting as a subreaper, so anything it leaves
behind is seen, killed and reported.
"""
from __future__ import annotations

import dataclasses
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
# The harness package: one line matcher, one /proc.
from mpspec_runner.judge import checks as judge  # noqa: E402
from mpspec_runner.sandbox import procs  # noqa: E402

PID = r"(\d+)"


@dataclasses.dataclass
class Expect:
    section: str
    claim: str
    # stdout patterns (full-line regexes: escape ( ) . where they are literal). `ordered`: exactly these lines in this order;
    # otherwise as a multiset. `optional` lines may appear (at most once each) anywhere.
    stdout: list[str]
    ordered: bool = False
    optional: list[str] = dataclasses.field(default_factory=list)
    never: list[str] = dataclasses.field(default_factory=list)
    before: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    stderr_has: list[str] = dataclasses.field(default_factory=list)
    # Patterns whose first group is a pid that must be gone once the program has exited.
    gone: list[str] = dataclasses.field(default_factory=list)


EXAMPLES: dict[str, Expect] = {
    "multiprocessing_simple": Expect(
        "10.4.1", "The output includes the word 'Worker' printed five times; the main program "
        "does not exit until all of the children have exited.",
        stdout=["Worker"] * 5),
    "multiprocessing_simpleargs": Expect(
        "10.4.1", "The integer argument is included in the message printed by each worker.",
        stdout=[f"Worker: {i}" for i in range(5)]),
    "multiprocessing_import_main": Expect(
        "10.4.2", "A target defined in another module produces output similar to the first "
        "example.",
        stdout=["Worker"] * 5),
    "multiprocessing_names": Expect(
        "10.4.3", "Each line carries the current process's name; the unnamed worker_2 is "
        "Process-3.",
        stdout=["worker 1 Starting", "Process-3 Starting", "my_service Starting",
                "worker 1 Exiting", "Process-3 Exiting", "my_service Exiting"],
        before=[("worker 1 Starting", "worker 1 Exiting"),
                ("Process-3 Starting", "Process-3 Exiting"),
                ("my_service Starting", "my_service Exiting")]),
    "multiprocessing_daemon": Expect(
        "10.4.4", "The output does not include the 'Exiting' message from the daemon process; "
        "the daemon is terminated before the main program exits.",
        stdout=[f"Starting: daemon {PID}", f"Starting: non-daemon {PID}",
                f"Exiting : non-daemon {PID}"],
        ordered=True,
        never=[r"Exiting : daemon.*"],
        gone=[f"Starting: daemon {PID}"]),
    "multiprocessing_daemon_join": Expect(
        "10.4.5", "Since the main process waits for the daemon to exit using join(), the "
        "'Exiting' message is printed this time.",
        stdout=["Starting: daemon", "Starting: non-daemon", "Exiting : non-daemon",
                "Exiting : daemon"],
        ordered=True),
    "multiprocessing_daemon_join_timeout": Expect(
        "10.4.5", "Since the timeout passed is less than the amount of time the daemon sleeps, "
        "the process is still 'alive' after join() returns.",
        stdout=["Starting: daemon", "Starting: non-daemon", "Exiting : non-daemon",
                r"d\.is_alive\(\) True"],
        before=[("Starting: daemon", r"d\.is_alive\(\) True"),
                ("Starting: non-daemon", "Exiting : non-daemon")],
        never=[r"Exiting : daemon"]),
    "multiprocessing_terminate": Expect(
        "10.4.6", "terminate() kills the child; after join() its status is stopped with "
        "exitcode=-SIGTERM. Right after terminate() it may still be alive.",
        stdout=[
            f"BEFORE: <Process name='Process-1' parent={PID} initial> False",
            f"DURING: <Process name='Process-1' pid={PID} parent={PID} started> True",
            # repr is read before is_alive(): the child may die between or before them.
            f"TERMINATED: <Process name='Process-1' pid={PID} parent={PID} "
            "(started> (True|False)|stopped exitcode=-SIGTERM> False)",
            f"JOINED: <Process name='Process-1' pid={PID} parent={PID} stopped "
            "exitcode=-SIGTERM> False"],
        ordered=True,
        # The child may print its first line before the signal arrives, never its last.
        optional=["Starting worker"],
        never=["Finished worker"]),
    "multiprocessing_exitcode": Expect(
        "10.4.7", "Exit codes: sys.exit(1) gives 1, returning gives 0 whatever the value, "
        "raising gives 1 with the error on stderr, terminate() gives -15.",
        stdout=["Starting process for exit_error", "Starting process for exit_ok",
                "Starting process for return_value", "Starting process for raises",
                "Starting process for terminated",
                "     exit_error.exitcode = 1", "        exit_ok.exitcode = 0",
                "   return_value.exitcode = 0", "         raises.exitcode = 1",
                "     terminated.exitcode = -15"],
        ordered=True,
        stderr_has=["Process raises:", r".*There was an error!"]),
}

TIMEOUT_S = 30


def reap_leftovers() -> list[int]:
    """Kills and reaps every process below this script (a subreaper). The example's orphans
    were re-parented here while it exited, before `run` reaped it, so no wait is needed to
    see them; their own children come here as they are killed, hence the rounds."""
    found: list[int] = []
    for _ in range(100):
        below = procs.descendants()
        if not below:
            break
        for pid in below:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        found += [pid for pid in below if pid not in found]
        for pid in procs.children():
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
    return found


def run(binary: str, args: list[str]) -> tuple[int | None, str, str]:
    proc = subprocess.Popen([binary, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, stdin=subprocess.DEVNULL)
    try:
        out, err = proc.communicate(timeout=TIMEOUT_S)
        return proc.returncode, out, err
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return None, out, err


def full(pattern: str, line: str) -> re.Match | None:
    return re.fullmatch(pattern, line)


def first_match(pattern: str, lines: list[str]) -> int | None:
    return next((i for i, line in enumerate(lines) if full(pattern, line)), None)


def check(expect: Expect, code: int | None, out: str, err: str, leftovers: list[int]) -> list[str]:
    problems: list[str] = []
    lines = out.splitlines()
    if code is None:
        problems.append(f"did not finish within {TIMEOUT_S} s (killed)")
    elif code != 0:
        problems.append(f"exit status {code}, expected 0")
    for pattern in expect.never:
        for line in lines:
            if full(pattern, line):
                problems.append(f"line must never appear: {line!r}")
    body = list(lines)
    for pattern in expect.optional:
        hits = [i for i, line in enumerate(body) if full(pattern, line)]
        if len(hits) > 1:
            problems.append(f"optional line appears {len(hits)} times: {pattern!r}")
        body = [line for line in body if not full(pattern, line)]
    if expect.ordered:
        if len(body) != len(expect.stdout) or not all(
                full(p, line) for p, line in zip(expect.stdout, body)):
            problems.append("stdout lines differ (order matters)")
    else:  # a maximum matching: a greedy first fit can miss one that exists
        matched = judge.matching([re.compile(p) for p in expect.stdout], body)
        taken = set(matched.values())
        problems += [f"missing line {p!r}" for i, p in enumerate(expect.stdout) if i not in taken]
        problems += [f"unexpected line {line!r}" for j, line in enumerate(body) if j not in matched]
    for first, second in expect.before:
        i, j = first_match(first, lines), first_match(second, lines)
        if i is not None and j is not None and i > j:
            problems.append(f"{first!r} should come before {second!r}")
    err_lines = err.splitlines()
    for pattern in expect.stderr_has:
        if not any(full(pattern, line) for line in err_lines):
            problems.append(f"stderr lacks a line {pattern!r}")
    for pattern in expect.gone:
        for line in lines:
            m = full(pattern, line)
            if m and pid_exists(int(m.group(1))):
                problems.append(f"process {m.group(1)} still exists after the program exited")
    if leftovers:
        problems.append(f"left processes behind (killed now): {leftovers}")
    return problems


def pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def report(stem: str, binary: str, expect: Expect, out: str, err: str,
           problems: list[str]) -> None:
    print(f"FAIL {stem} (seed {expect.section})")
    print(f"  claim: {expect.claim}")
    for problem in problems:
        print(f"  - {problem}")
    width = max([len(p) for p in expect.stdout] + [8])
    print(f"  {'expected (patterns)':<{width}} | observed stdout")
    observed = out.splitlines()
    for i in range(max(len(expect.stdout), len(observed))):
        left = expect.stdout[i] if i < len(expect.stdout) else ""
        right = observed[i] if i < len(observed) else ""
        print(f"  {left:<{width}} | {right}")
    if err:
        print("  observed stderr:")
        for line in err.splitlines():
            print(f"    {line}")
    print(f"  reproduce: {binary}")


def check_one(stem: str, binary: str, verbose: bool = False, args: list[str] = ()) -> bool:
    expect = EXAMPLES[stem]
    code, out, err = run(binary, list(args))
    leftovers = reap_leftovers()
    problems = check(expect, code, out, err, leftovers)
    if problems:
        report(stem, binary, expect, out, err, problems)
        return False
    if verbose:
        print(f"$ {binary}")
        sys.stdout.write(out)
        sys.stdout.write(err)
    print(f"ok   {stem} (seed {expect.section}): {expect.claim}")
    return True


def main() -> int:
    procs.become_subreaper()
    if len(sys.argv) == 3 and sys.argv[1] == "--all":
        bindir = Path(sys.argv[2])
        results = [check_one(stem, str(bindir / stem), verbose=True) for stem in EXAMPLES]
        print(f"{results.count(True)} passed, {results.count(False)} failed")
        return 0 if all(results) else 1
    if len(sys.argv) >= 3 and sys.argv[1] in EXAMPLES:
        return 0 if check_one(sys.argv[1], sys.argv[2], args=sys.argv[3:]) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
