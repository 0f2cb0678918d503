"""One submission graded: unpacked, built and run as a user of its own (a lease), scored
with the rubric, then run again under the sanitizers. A fault of the grader leaves the
grade without a score (`harness`): it is never the student's."""
import concurrent.futures
import tarfile
import time
import zipfile
from dataclasses import replace
from pathlib import Path

from ..judge import crosscheck
from ..judge.verdict import Verdict
from ..run.adapters import Adapter
from ..run.results import results_document
from ..run.runner import RunOptions, fault_text, run_cases
from ..sandbox import users
from ..sandbox.play import Sandbox
from . import unpack, workspace
from .folders import private_folder, staged
from .names import submission_name
from .oracle import is_drawable, oracle_timeline
from .record import Grade, phase
from .reports.feedback import first_failure
from .reports.tally import failed
from .rubric import penalized, score
from .sanitizer import beside, sanitizer_build, sanitizer_findings, sanitizer_run

# No case needs more than a dozen processes; a lower cap than the runner's stops a
# submission's fork bomb sooner and with less damage to gradings running beside it.
PIDS_MAX = 128
# Each grading fills in its own user (users.py): the runs of two gradings cannot meet.
SANDBOX = Sandbox(pids_max=PIDS_MAX, memory_max=1 << 30, witness=True, own_program_only=True,
                  start_method="fork")  # a graded run is fork: no case may say it does not apply


STUDENT_PATH = "path/to/your/submission"  # in reproduce lines; feedback.md explains it


# One bug can make a case or two bomb (a child that starts its own process object): they are
# graded as any failed case. A third means the submission bombs wherever it starts a process,
# and each bomb loads the machine even when contained, so gradings beside it would suffer.
BOMBS_BEFORE_STOP = 3


def bombs(results):
    """The cases whose runs were stopped as fork bombs."""
    return [r.case.id for r in results
            if r.observation is not None and r.observation.report.get("pids_limit")]


def fork_bomb(results):
    """Why grading stops after these results (run_cases's stop_after), if it does."""
    found = bombs(results)
    if len(found) >= BOMBS_BEFORE_STOP:
        return (f"{len(found)} cases created processes without end (fork bombs: "
                f"{', '.join(sorted(found))}), so grading stopped there")
    return None


def grade_one(submission, rubric, loaded, opts, progress=lambda *_: None, name=None):
    """The grade of one submission. A fault of the grader (an exception, a run the harness
    could not carry out) leaves `harness` set and no score: it is never the student's."""
    g = Grade(name=name or submission_name(submission), source=str(submission))
    g.max_score = float(rubric.get("max_score", 100))
    t0 = time.monotonic()
    try:
        grade_steps(g, Path(submission), rubric, loaded, opts, progress)
    except Exception as e:  # noqa: BLE001 - one broken grading must not end the batch
        g.harness = fault_text(e)
    g.seconds = time.monotonic() - t0
    return g


def grade_steps(g, src, rubric, loaded, opts, progress):
    scratch = private_folder(Path(opts.build_root) / g.name)
    try:
        with phase(g, "unpack"):
            impl = unpack.unpack(src, scratch / "unpacked")
    except (OSError, ValueError, RuntimeError, tarfile.TarError, zipfile.BadZipFile) as e:
        g.problem = str(e)
        return
    g.flags = unpack.harness_references(impl)
    with phase(g, "shared cache warm-up"):
        workspace.warm()
    with users.lease() as uid, workspace.workspace(scratch / "unpacked", impl, uid) as ws:
        build_and_run(g, ws, rubric, loaded, opts, progress)


def build_and_run(g, ws, rubric, loaded, opts, progress):
    """The submission built and its cases run as the grading's own user (`ws.uid`)."""
    progress(g.name, "building")
    with phase(g, "build"):
        built = ws.build()
    g.build_ok, g.build_output = built.ok, built.output
    g.warnings = built.diagnostics("warning")
    if not built.ok:
        g.problem = "the submission does not build"
        return
    g.unit = opts.unit
    options = RunOptions(unit=opts.unit, sandbox=replace(SANDBOX, user=ws.uid))
    # Both builds come before any run: a build ends by killing every process of the user.
    alongside = opts.sanitize and beside(opts.jobs, opts.parallel)
    asan, asan_failed = sanitizer_build(g, ws) if alongside else (None, [])
    progress(g.name, "running")
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as aside:
        findings = (None if asan is None else
                    aside.submit(sanitizer_run, g, asan, ws, loaded, options, opts.jobs))
        with staged(built.driver, g.name, ws.uid) as driver, phase(g, "cases"):
            # The reproduce lines are for the student's own checkout, not the grader's folders.
            results = run_all(g.name, Adapter(g.name, driver, source=STUDENT_PATH), loaded,
                              options, opts.jobs, progress)
    if alongside:
        g.sanitizer = asan_failed if findings is None else findings.result()
    faults = [r for r in results if r.verdict == Verdict.HARNESS]
    if faults:
        g.harness = f"{len(faults)} cases could not be run by the grader; the first:\n{faults[0].text}"
        return
    score(g, results, rubric)
    drawable = [r for r in failed(g) if not r.hidden and is_drawable(r.case)]
    if drawable:
        first = first_failure(g, drawable)
        first = first if first in drawable else drawable[0]
        with phase(g, "oracle"):
            first.oracle_timeline = oracle_timeline(first.case, g.unit)
    g.verdicts = results_document(loaded, [Adapter(g.name, driver)], results,
                                       options.unit)
    g.flags += tampered(results)
    if opts.sanitize and bombs(results):
        g.sanitizer = []  # (a run beside this one met the bomb too: its reports are moot)
        g.notes.append("The sanitizer run was " + ("set aside" if alongside else "skipped")
                       + ": the submission fork-bombs.")
    elif opts.sanitize and not alongside:
        progress(g.name, "sanitizer build")
        g.sanitizer = sanitizer_findings(g, ws, loaded, options, opts.jobs)
    g.score = penalized(g, rubric)


def tampered(results):
    """For the instructor: every case whose run the kernel contradicts, or that ran another
    program or made a forbidden system call (witness.py); the case has failed already."""
    found = [f"{r.case.id}: {c.observed}" for r in results for c in r.checks
             if c.name == crosscheck.NAME and not c.ok]
    found += [f"{r.case.id}: {r.observation.note}" for r in results if r.observation and (
        r.observation.report.get("witness", {}).get("exec")
        or r.observation.report.get("witness", {}).get("forbidden"))]
    return found


def run_all(name, adapter, loaded, options, jobs, progress):
    done = []

    def show(_result):
        done.append(_result)
        progress(name, f"case {len(done)}/{len(loaded)}")

    return run_cases(loaded, adapter, options, jobs, on_result=show, stop_after=fork_bomb)
