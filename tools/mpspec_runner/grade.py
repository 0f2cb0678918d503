"""Grading: a submission (a directory in the API.md layout, a .tar.gz/.tgz/.tar or .zip of
one, or a conformance/samples/ folder) becomes a score and feedback; several become a
gradebook. The submission is built with the project's CMake function against the C++ driver,
its cases run in the sandboxed runner as an unprivileged user, then once more built with
AddressSanitizer + UndefinedBehaviorSanitizer, whose reports become feedback.

    tools/mpspec grade SUBMISSION... [--rubric FILE] [--out DIR] [-j N] [--no-sanitize] [-k ID]
"""
import argparse
import concurrent.futures
import contextlib
import os
import re
import shutil
import sys
import tarfile
import tempfile
import time
import tomllib
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import causes, core, crosscheck, execute, grade_report, grading_build, matrix, unpack, users
from . import cases as casemod
from .verdict import Verdict

RUBRIC = casemod.SPEC / "rubric.toml"
# No case needs more than a dozen processes; a lower cap than the runner's stops a
# submission's fork bomb sooner and with less damage to gradings running beside it.
PIDS_MAX = 128
# Each grading fills in its own user (users.py): the runs of two gradings cannot meet.
SANDBOX = execute.Sandbox(pids_max=PIDS_MAX, memory_max=1 << 30, witness=True)
# The sanitizer run's options come from the grader: the environment overrides what a
# submission's own __asan_default_options says (a log_path would hide its reports).
SANITIZER_SANDBOX = execute.Sandbox(pids_max=PIDS_MAX, memory_max=1 << 30, env={
    "ASAN_OPTIONS": "log_path=stderr:detect_leaks=1:abort_on_error=0:halt_on_error=1",
    "UBSAN_OPTIONS": "log_path=stderr:print_stacktrace=1:halt_on_error=0"})
STUDENT_PATH = "path/to/your/submission"  # in reproduce lines; feedback.md explains it
# The sanitizer run's verdicts are not graded, and its cases mostly wait: it may load the
# machine more than the graded run, whose timing claims need the margins they were proven with.
SANITIZER_JOBS = 2  # times -j
CLASS_MATRIX = "class-matrix"  # the batch's matrix, beside gradebook.csv (no submission's name)
# A submission's driver runs from a folder named so: its processes can be told by it.
DRIVER_PREFIX = "mpspec-driver-"
ADDRESS = re.compile(r"0x[0-9a-f]+")
SANITIZER_REPORT = re.compile(r"(ERROR: (Address|Leak)Sanitizer: .*|.*: runtime error: .*)")


@dataclass
class CaseResult:
    case: casemod.Case
    verdict: str
    points: float
    max_points: float
    details: str
    hidden: bool
    symptom: str = ""  # the key of its likely cause (causes.py), for a failed case


@dataclass
class Grade:
    name: str
    source: str
    score: float = 0.0
    max_score: float = 0.0
    build_ok: bool = False
    build_output: str = ""
    warnings: list = field(default_factory=list)
    sanitizer: list = field(default_factory=list)  # (case id, report line)
    results: list = field(default_factory=list)
    seconds: float = 0.0
    problem: str = ""  # why the submission could not be graded at all
    harness: str = ""  # a fault of the grader itself: no grade is given, the instructor is told
    notes: list = field(default_factory=list)  # for the student, beside the score
    flags: list = field(default_factory=list)  # for the instructor only: lines naming the harness
    verdicts: dict | None = None  # the run as a results document: a column of the class matrix
    unit: float = 0.0  # seconds per time unit of its runs (the batch's one unit)
    phases: dict = field(default_factory=dict)  # where the grading's time went, in seconds


def load_rubric(path):
    rubric = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    rubric.setdefault("levels", {})
    rubric.setdefault("sections", {})
    rubric.setdefault("partial_credit", {"mode": "none"})
    rubric.setdefault("hidden", {"cases": []})
    rubric.setdefault("penalties", {})
    return rubric


def case_points(case, rubric):
    return (case.weight * rubric["levels"].get(case.level, 1.0)
            * rubric["sections"].get(case.data.get("section", ""), 1.0))


def fork_bomb(result):
    """Why grading stops after this result, if it does: a bomb loads the whole machine even
    when contained, and gradings beside it would suffer."""
    obs = result.observation
    if obs is not None and obs.report.get("pids_limit"):
        return (f"case {result.case.id} created processes without end (a fork bomb), so "
                "grading stopped there")
    return None


def credit(result, rubric):
    if result.verdict.earns_credit:
        return 1.0
    partial = rubric["partial_credit"]
    if partial.get("mode") == "checks" and result.verdict == Verdict.FAIL and result.checks:
        checks = result.checks
        return partial.get("fraction", 0.5) * sum(c.ok for c in checks) / len(checks)
    return 0.0


def grade_one(submission, rubric, loaded, opts, progress=lambda *_: None, name=None):
    """The grade of one submission. A fault of the grader (an exception, a run the harness
    could not carry out) leaves `harness` set and no score: it is never the student's."""
    g = Grade(name=name or submission_name(submission), source=str(submission))
    g.max_score = float(rubric.get("max_score", 100))
    t0 = time.monotonic()
    try:
        grade_steps(g, Path(submission), rubric, loaded, opts, progress)
    except Exception as e:  # noqa: BLE001 - one broken grading must not end the batch
        g.harness = core.fault_text(e)
    g.seconds = time.monotonic() - t0
    return g


def submission_name(submission):
    name = Path(submission).name
    for suffix in (".zip", ".tgz", ".tar.gz", ".tar.xz", ".tar.bz2", ".tar"):
        name = name.removesuffix(suffix)
    return name


def distinct_names(submissions):
    """A name per submission for its folder and gradebook row: its own, or with its parent
    folder's when two share it (alice/submission, bob/submission), and a number if need be
    (x.zip, x.tar.gz)."""
    plain = [submission_name(s) for s in submissions]
    plain = [f"{n}-submission" if n in (CLASS_MATRIX, "gradebook.csv") else n for n in plain]
    names = [n if plain.count(n) == 1 else f"{Path(s).resolve().parent.name}-{n}"
             for s, n in zip(submissions, plain)]
    seen = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    numbered = {}
    for i, n in enumerate(names):
        if seen[n] > 1:
            numbered[n] = numbered.get(n, 0) + 1
            names[i] = f"{n}-{numbered[n]}"
    return names


def private_folder(path, mode=0o700):
    """A folder no grading's user can read: a submission's build or run must not read
    another student's sources or feedback (the build root and the output may lie inside the
    checkout, which every run sees)."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, mode)
    return path


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
        grading_build.warm()
    with users.lease() as uid, grading_build.workspace(scratch / "unpacked", impl, uid) as ws:
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
    options = core.RunOptions(unit=opts.unit, sandbox=replace(SANDBOX, user=ws.uid))
    progress(g.name, "running")
    with staged(built.driver, g.name, ws.uid) as driver, phase(g, "cases"):
        # The reproduce lines are for the student's own checkout, not the grader's folders.
        results = run_all(g.name, core.Adapter(g.name, driver, source=STUDENT_PATH), loaded,
                          options, opts.jobs, progress)
    faults = [r for r in results if r.verdict == Verdict.HARNESS]
    if faults:
        g.harness = f"{len(faults)} cases could not be run by the grader; the first:\n{faults[0].text}"
        return
    score(g, results, rubric)
    g.verdicts = core.results_document(loaded, [core.Adapter(g.name, driver)], results,
                                       options.unit)
    g.flags += tampered(results)
    bombed = any(fork_bomb(r) for r in results)
    if opts.sanitize and bombed:
        g.notes.append("The sanitizer run was skipped: the submission fork-bombs.")
    elif opts.sanitize:
        progress(g.name, "sanitizer build")
        g.sanitizer = sanitizer_findings(g, ws, loaded, options, opts.jobs)
    g.score = penalized(g, rubric)


@contextlib.contextmanager
def phase(g, name):
    """Adds the block's wall time to g.phases[name]: the breakdown a slow grading is
    explained by (the terminal and --json show it)."""
    t0 = time.monotonic()
    try:
        yield
    finally:
        g.phases[name] = round(g.phases.get(name, 0.0) + time.monotonic() - t0, 2)


def tampered(results):
    """For the instructor: every case whose run the kernel contradicts, or that ran another
    program or made a forbidden system call (witness.py); the case has failed already."""
    found = [f"{r.case.id}: {c.observed}" for r in results for c in r.checks
             if c.name == crosscheck.NAME and not c.ok]
    found += [f"{r.case.id}: {r.observation.note}" for r in results if r.observation and (
        r.observation.report.get("witness", {}).get("exec")
        or r.observation.report.get("witness", {}).get("forbidden"))]
    return found


def penalized(g, rubric):
    """The score less the rubric's penalties (per distinct sanitizer report and per compiler
    warning), never below 0, to two decimals."""
    penalty = (rubric["penalties"].get("sanitizer_report", 0) * len({r for _, r in g.sanitizer})
               + rubric["penalties"].get("compiler_warning", 0) * len(g.warnings))
    return round(max(0.0, g.score - penalty), 2)


def run_all(name, adapter, loaded, options, jobs, progress):
    done = []

    def show(_result):
        done.append(_result)
        progress(name, f"case {len(done)}/{len(loaded)}")

    return core.run_cases(loaded, adapter, options, jobs, on_result=show, stop_after=fork_bomb)


@contextlib.contextmanager
def staged(driver, name, uid):
    """A copy of the driver that the grading's user (and no other) may run, with nothing of
    the build beside it: the checkout may lie in a folder only root can enter (a home, a
    mktemp -d)."""
    folder = Path(tempfile.mkdtemp(prefix=f"{DRIVER_PREFIX}{name}-"))
    try:
        copy = folder / "mpspec_driver"
        shutil.copyfile(driver, copy)
        grading_build.readable_by(folder, uid)
        os.chmod(copy, 0o755)
        yield copy
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def score(g, results, rubric):
    """Points per case, scaled so that the cases sum to max_score; g.score before penalties."""
    hidden = set(rubric["hidden"].get("cases", []))
    total = sum(case_points(r.case, rubric) for r in results) or 1.0
    scale = g.max_score / total
    for r in results:
        most = case_points(r.case, rubric) * scale
        g.results.append(CaseResult(r.case, r.verdict, most * credit(r, rubric), most, r.text,
                                    r.case.id in hidden,
                                    "" if r.verdict.earns_credit else causes.symptom(r)))
    g.score = sum(r.points for r in g.results)


def sanitizer_findings(g, ws, loaded, options, jobs):
    """(case id, report) for every sanitizer report the cases provoke; verdicts of this run
    are not graded, since the sanitizer's own output changes what a case sees."""
    grading_build.warm(sanitize=True)
    with phase(g, "sanitizer build"):
        built = ws.build(sanitize=True)
    if not built.ok:
        return [("(build)", "the sanitizer build failed: " + built.output.splitlines()[-1])]
    found = []
    sandbox = replace(SANITIZER_SANDBOX, user=ws.uid)
    with staged(built.driver, g.name, ws.uid) as driver, phase(g, "sanitizer cases"):
        results = core.run_cases(loaded, core.Adapter("sanitized", driver),
                                 replace(options, oracle=None, sandbox=sandbox),
                                 SANITIZER_JOBS * jobs)
    for r in results:
        for line in r.observation.stderr if r.observation else []:
            m = SANITIZER_REPORT.search(line)
            if m:  # addresses differ from run to run; the report does not
                found.append((r.case.id, ADDRESS.sub("0x…", m.group(1).strip())))
    return sorted(set(found))


def parse(argv):
    ap = argparse.ArgumentParser(prog="tools/mpspec grade", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("submissions", nargs="+", help="directories, tarballs or zips")
    ap.add_argument("--rubric", default=str(RUBRIC), help="the rubric (default spec/rubric.toml)")
    ap.add_argument("--out", default="out/grades", help="where reports go (default out/grades)")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="cases run in parallel (default 2)")
    ap.add_argument("-P", "--parallel", type=int, default=1,
                    help="submissions graded at once (default 1; each uses -j jobs)")
    ap.add_argument("--no-sanitize", dest="sanitize", action="store_false",
                    help="skip the AddressSanitizer/UBSan build and run")
    ap.add_argument("-k", dest="keyword", help="only cases whose id or path contains this")
    ap.add_argument("--build-root", default=str(casemod.ROOT / "build" / "grade"),
                    help="scratch builds (default build/grade)")
    ap.add_argument("--json", action="store_true", help="print each grade as one JSON line")
    return ap.parse_args(argv)


def main(argv):
    opts = parse(argv)
    opts.build_root = str(Path(opts.build_root).resolve())
    try:
        rubric, loaded = load_inputs(opts)
    except ValueError as e:
        print(e, file=sys.stderr)
        return 2
    core.interrupt_on_sigterm()
    execute.no_core_dumps()
    # One unit for the whole batch (or the rubric's): students of one class are timed alike.
    opts.unit = float(rubric.get("time_unit") or execute.calibrate())
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        grades = grade_all(opts, rubric, loaded, out)
    except KeyboardInterrupt:
        print("mpspec grade: interrupted; every run under way was stopped and cleaned up, "
              "and no gradebook was written", file=sys.stderr)
        return 130
    if len(opts.submissions) == 1:
        print(grade_report.summary(grades[0]))
    else:
        book = grade_report.gradebook(sorted(grades, key=lambda g: g.name), out / "gradebook.csv")
        print(f"gradebook: {book}")
        print(f"class matrix: {class_matrix(grades, out)}")
    if any(g.harness for g in grades):
        return 3
    return 0 if all(not g.problem for g in grades) else 1


def class_matrix(grades, out):
    """The conformance matrix of the batch, a column per submission (for the instructor: it
    shows hidden cases too); the page's path."""
    columns = [g.verdicts for g in sorted(grades, key=lambda g: g.name) if g.verdicts]
    folder = private_folder(out / CLASS_MATRIX, 0o750)
    return matrix.write(matrix.merge(columns), folder)[1] if columns else None


def load_inputs(opts):
    """(rubric, cases to grade); ValueError with the instructor's words if either is broken,
    or if a submission path names nothing (a typo is not a student's 0)."""
    missing = [s for s in opts.submissions if not os.path.lexists(s)]
    if missing:
        raise ValueError("no such submission: " + ", ".join(missing))
    try:
        rubric = load_rubric(opts.rubric)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ValueError(f"cannot read the rubric {opts.rubric}: {e}") from e
    try:
        loaded = [casemod.load(f) for f in casemod.discover([casemod.SPEC])]
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ValueError(f"a case file cannot be read: {e} (python3 tools/run_case.py "
                         "--lint)") from e
    unit = rubric.get("time_unit")
    if unit is not None and not (isinstance(unit, (int, float)) and 0.01 <= unit <= 10):
        raise ValueError(f"the rubric {opts.rubric}: time_unit must be a number of seconds "
                         f"between 0.01 and 10, not {unit!r}")
    problems = casemod.lint(loaded)
    if problems:
        raise ValueError("\n".join(problems) + "\nthe cases do not pass the lint; fix them first")
    if opts.keyword:
        loaded = [c for c in loaded if opts.keyword in c.id or opts.keyword in c.rel]
    return rubric, loaded


def grade_all(opts, rubric, loaded, out):
    """Every submission graded, its reports written as it ends. A grade the grader itself
    could not give (harness) gets no reports: the terminal names the fault instead."""
    show = grade_report.Progress(len(opts.submissions))
    grades = []
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, opts.parallel))
    futures = [pool.submit(grade_one, s, rubric, loaded, opts, show.update, n)
               for s, n in zip(opts.submissions, distinct_names(opts.submissions))]
    try:
        for fut in concurrent.futures.as_completed(futures):
            g = fut.result()
            grades.append(g)
            folder = None if g.harness else grade_report.write_all(
                g, private_folder(out / g.name, 0o750), rubric)
            show.done(g, folder)
            if opts.json:
                print(grade_report.as_json_line(g), flush=True)
    except BaseException:
        execute.stop_all_runs()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return grades


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
