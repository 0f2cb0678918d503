"""Grading: a submission (a directory in the API.md layout, a .tar.gz/.tgz/.tar or .zip of
one, or a conformance/samples/ folder) becomes a score and feedback; several become a
gradebook. The submission is built with the project's CMake function against the C++ driver,
its cases run in the sandboxed runner as an unprivileged user, then once more built with
AddressSanitizer + UndefinedBehaviorSanitizer, whose reports become feedback.

    tools/mpspec grade SUBMISSION... [--rubric FILE] [--out DIR] [-j N] [--no-sanitize] [-k ID]
"""
import argparse
import concurrent.futures
import hashlib
import re
import shutil
import sys
import tarfile
import time
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from . import build, cli, execute, grade_report
from . import cases as casemod

RUBRIC = casemod.SPEC / "rubric.toml"
NOBODY = 65534
# No case needs more than a dozen processes; a lower cap than the runner's stops a
# submission's fork bomb sooner and with less damage to gradings running beside it.
PIDS_MAX = 128
SANDBOX = execute.Sandbox(user=NOBODY, pids_max=PIDS_MAX)
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
    notes: list = field(default_factory=list)  # for the student, beside the score


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


def unpack(submission, scratch):
    """The implementation directory of a submission, copied or extracted into scratch."""
    src, dest = Path(submission), Path(scratch) / "submission"
    if dest.exists():
        shutil.rmtree(dest)
    if not src.exists():
        raise ValueError(f"{src} does not exist")
    if src.is_dir():
        if (src / "bug.patch").exists():
            return build.implementation_dir(src, scratch)
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".git", "build"))
    elif src.suffix == ".zip":
        with zipfile.ZipFile(src) as z:
            for name in z.namelist():  # no absolute paths, no way out of dest
                if name.startswith("/") or ".." in Path(name).parts:
                    raise ValueError(f"{src}: unsafe path in the archive: {name}")
            z.extractall(dest)
    elif src.name.endswith((".tar.gz", ".tgz", ".tar", ".tar.xz", ".tar.bz2")):
        with tarfile.open(src) as t:
            t.extractall(dest, filter="data")  # the 'data' filter refuses links and paths out
    else:
        raise ValueError(f"{src}: not a directory, .zip or tarball")
    headers = sorted(dest.rglob("include/mp/process.hpp"), key=lambda p: len(p.parts))
    if not headers:
        raise ValueError(f"{src}: no include/mp/process.hpp (see shared/API.md for the layout)")
    return headers[0].parent.parent.parent


def digest(impl_dir):
    h = hashlib.sha256()
    for f in sorted(p for p in Path(impl_dir).rglob("*") if p.is_file()):
        h.update(str(f.relative_to(impl_dir)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:12]


def run_cases(loaded, name, driver, unit, jobs, source, progress):
    """({case id: (verdict, text, observation)}, whether a case fork-bombed): every case in
    the sandbox, as user nobody. Once a case has fork-bombed, the rest are not run: a bomb
    loads the whole machine even when contained, and graders beside it would suffer."""
    cli.IMPLS[name] = source
    args = SimpleNamespace(verbose=False, python=None, oracle=cli.ORACLE, observations={},
                           sandbox=SANDBOX)
    bombed = []

    def one(case):
        if bombed:
            return ("ERROR", case, f"ERROR    {case.id}  [{name}]  not run: case {bombed[0]} "
                    "created processes without end (a fork bomb), so grading stopped there", 0)
        result = cli.run_one(case, name, driver, unit, args, {})
        obs = args.observations.get(case.id)
        if obs and obs[0].report.get("pids_limit"):
            bombed.append(case.id)
        return result

    out = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for fut in concurrent.futures.as_completed([pool.submit(one, c) for c in loaded]):
            verdict, case, text, _ = fut.result()
            out[case.id] = (verdict, text, args.observations.get(case.id))
            progress(len(out), len(loaded))
    return out, bool(bombed)


def credit(verdict, observed, rubric):
    if verdict in ("PASS", "OPTIONAL"):
        return 1.0
    partial = rubric["partial_credit"]
    if partial.get("mode") == "checks" and verdict == "FAIL" and observed and observed[1]:
        checks = observed[1]
        return partial.get("fraction", 0.5) * sum(c.ok for c in checks) / len(checks)
    return 0.0


def grade_one(submission, rubric, loaded, opts, progress=lambda *_: None):
    t0 = time.monotonic()
    src = Path(submission)
    name = src.name.removesuffix(".zip").removesuffix(".tgz").removesuffix(".tar.gz")
    g = Grade(name=name, source=str(submission))
    g.max_score = float(rubric.get("max_score", 100))
    scratch = Path(opts.build_root) / name
    try:
        impl = unpack(src, scratch / "unpacked")
    except (OSError, ValueError, RuntimeError, tarfile.TarError, zipfile.BadZipFile) as e:
        g.problem = str(e)
        return g
    key = digest(impl)
    progress(name, "building")
    built = build.build_driver(impl, scratch / f"build-{key}")
    g.build_ok, g.build_output = built.ok, built.output
    g.warnings = built.diagnostics("warning")
    if not built.ok:
        g.problem = "the submission does not build"
        g.seconds = time.monotonic() - t0
        return g
    unit = execute.calibrate()
    progress(name, "running")
    verdicts, bombed = run_cases(loaded, name, built.driver, unit, opts.jobs, str(submission),
                         lambda i, n: progress(name, f"case {i}/{n}"))
    hidden = set(rubric["hidden"].get("cases", []))
    total = sum(case_points(c, rubric) for c in loaded) or 1.0
    earned = 0.0
    for c in loaded:
        verdict, text, observed = verdicts[c.id]
        pts = case_points(c, rubric)
        got = pts * credit(verdict, observed, rubric)
        earned += got
        g.results.append(CaseResult(c, verdict, got, pts, text, c.id in hidden))
    scale = g.max_score / total
    for r in g.results:
        r.points, r.max_points = r.points * scale, r.max_points * scale
    if opts.sanitize and bombed:
        g.notes.append("The sanitizer run was skipped: the submission fork-bombs.")
    elif opts.sanitize:
        progress(name, "sanitizer build")
        g.sanitizer = sanitizer_findings(impl, scratch / f"asan-{key}", loaded, unit, opts)
    penalty = (rubric["penalties"].get("sanitizer_report", 0) * len({r for _, r in g.sanitizer})
               + rubric["penalties"].get("compiler_warning", 0) * len(g.warnings))
    g.score = round(max(0.0, earned * scale - penalty), 2)
    g.seconds = time.monotonic() - t0
    return g


def sanitizer_findings(impl, build_dir, loaded, unit, opts):
    """(case id, report) for every sanitizer report the cases provoke; verdicts of this run
    are not graded, since the sanitizer's own output changes what a case sees."""
    built = build.build_driver(impl, build_dir, sanitize=True)
    if not built.ok:
        return [("(build)", "the sanitizer build failed: " + built.output.splitlines()[-1])]
    found = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=opts.jobs) as pool:
        futures = {pool.submit(execute.play, c, built.driver, unit, None, SANDBOX): c
                   for c in loaded}
        for fut, c in futures.items():
            for line in fut.result().stderr:
                m = SANITIZER_REPORT.search(line)
                if m:  # addresses differ from run to run; the report does not
                    found.append((c.id, ADDRESS.sub("0x…", m.group(1).strip())))
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
    try:
        rubric = load_rubric(opts.rubric)
    except (OSError, tomllib.TOMLDecodeError) as e:
        print(f"cannot read the rubric {opts.rubric}: {e}", file=sys.stderr)
        return 2
    try:
        loaded = [casemod.load(f) for f in casemod.discover([casemod.SPEC])]
    except (OSError, tomllib.TOMLDecodeError) as e:
        print(f"a case file cannot be read: {e} (python3 tools/run_case.py --lint)", file=sys.stderr)
        return 2
    problems = casemod.lint(loaded)
    if problems:
        print("\n".join(problems) + "\nthe cases do not pass the lint; fix them first",
              file=sys.stderr)
        return 2
    if opts.keyword:
        loaded = [c for c in loaded if opts.keyword in c.id or opts.keyword in c.rel]
    execute.no_core_dumps()
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    show = grade_report.Progress(len(opts.submissions))
    grades = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, opts.parallel)) as pool:
        futures = [pool.submit(grade_one, s, rubric, loaded, opts, show.update)
                   for s in opts.submissions]
        for fut in concurrent.futures.as_completed(futures):
            g = fut.result()
            grades.append(g)
            folder = grade_report.write_all(g, out / g.name, rubric)
            show.done(g, folder)
            if opts.json:
                print(grade_report.as_json_line(g), flush=True)
    if len(opts.submissions) == 1:
        print(grade_report.summary(grades[0]))
    else:
        book = grade_report.gradebook(sorted(grades, key=lambda g: g.name), out / "gradebook.csv")
        print(f"gradebook: {book}")
    return 0 if all(not g.problem for g in grades) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
