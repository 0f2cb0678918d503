"""The sanitizer run: the cases again with an AddressSanitizer + UndefinedBehaviorSanitizer
build, whose reports become feedback (its verdicts are not graded)."""
import os
import re
from dataclasses import replace

from ..run.adapters import Adapter
from ..run.runner import run_cases
from ..sandbox.play import Sandbox
from ..spec.clock import clock_units
from .folders import staged
from .record import phase
from .workspace import warm

PIDS_MAX = 128  # as the graded run's (submission.py)
# The sanitizer run's options come from the grader: the environment overrides what a
# submission's own __asan_default_options says (a log_path would hide its reports).
SANITIZER_SANDBOX = Sandbox(pids_max=PIDS_MAX, memory_max=1 << 30, start_method="fork", env={
    "ASAN_OPTIONS": "log_path=stderr:detect_leaks=1:abort_on_error=0:halt_on_error=1",
    "UBSAN_OPTIONS": "log_path=stderr:print_stacktrace=1:halt_on_error=0"})


# The sanitizer run's verdicts are not graded, and its cases mostly wait: it may load the
# machine more than the graded run, whose timing claims need the margins they were proven with.
SANITIZER_JOBS = 2  # times -j


ADDRESS = re.compile(r"0x[0-9a-f]+")
SANITIZER_REPORT = re.compile(r"(ERROR: (Address|Leak)Sanitizer: .*|.*: runtime error: .*)")


def replayed(loaded):
    """The cases the sanitizer run plays: few that, together, name every clause of API.md
    and of the seed that `loaded` names (a greedy cover: at each step the case that adds
    the most clauses not yet named, the one that waits least on the clock on a tie). A
    sanitizer report comes from code a case makes run, and each clause is a behaviour of
    the submission's code: once under the sanitizer is what it must have. The graded run
    plays every case; these verdicts are not graded. About half the cases of spec/."""
    clauses = {case.id: set(case.data.get("clauses", [])) for case in loaded}
    waits = {case.id: clock_units(case) for case in loaded}
    left, chosen = set().union(*clauses.values()), set()
    while left:
        best = max((case.id for case in loaded if case.id not in chosen),
                   key=lambda cid: (len(left & clauses[cid]), -waits[cid]))
        chosen.add(best)
        left -= clauses[best]
    return [case for case in loaded if case.id in chosen]  # in the graded run's order


def sanitizer_build(g, ws):
    """The AddressSanitizer + UBSan build of the submission's driver (the shared cache warmed
    first): the build, or None with the finding that says it failed."""
    warm(sanitize=True)
    with phase(g, "sanitizer build"):
        built = ws.build(sanitize=True)
    if not built.ok:
        return None, [("(build)", "the sanitizer build failed: " + built.output.splitlines()[-1])]
    return built, []


def sanitizer_run(g, built, ws, loaded, options, jobs):
    """(case id, report) for every sanitizer report the cases provoke; verdicts of this run
    are not graded, since the sanitizer's own output changes what a case sees."""
    found = []
    sandbox = replace(SANITIZER_SANDBOX, user=ws.uid)
    with staged(built.driver, g.name, ws.uid) as driver, phase(g, "sanitizer cases"):
        results = run_cases(replayed(loaded), Adapter("sanitized", driver),
                            replace(options, oracle=None, sandbox=sandbox, replays=0),
                            SANITIZER_JOBS * jobs)
    for r in results:
        for line in r.observation.stderr if r.observation else []:
            m = SANITIZER_REPORT.search(line)
            if m:  # addresses differ from run to run; the report does not
                found.append((r.case.id, ADDRESS.sub("0x…", m.group(1).strip())))
    return sorted(set(found))


def sanitizer_findings(g, ws, loaded, options, jobs):
    """The sanitizer build, then its run of every case."""
    built, failed = sanitizer_build(g, ws)
    return failed if built is None else sanitizer_run(g, built, ws, loaded, options, jobs)


def beside(jobs, parallel, cores=None):
    """Whether the sanitizer run may go beside the graded one: where the cores outnumber
    what both runs use (the graded run's `jobs`, the sanitizer's twice that, for each of
    `parallel` gradings), so the graded run's timing claims keep the margins they were
    proven with. On 2 cores at -j 2 it follows the graded run."""
    cores = cores or os.cpu_count() or 1
    return cores >= (1 + SANITIZER_JOBS) * jobs * parallel
