"""`tools/mpspec grade`: a submission (a directory in the API.md layout, a .tar.gz/.tgz/.tar or
.zip of one, or a conformance/samples/ folder) becomes a score and feedback; several become
a gradebook and a class matrix. The submission is built with the project's CMake function
against the C++ driver, its cases run in the sandboxed runner as an unprivileged user, then
once more built with AddressSanitizer + UndefinedBehaviorSanitizer, whose reports become
feedback (grading/ does all of it; this only reads the command line and writes the batch's
files).

    tools/mpspec grade SUBMISSION... [--rubric FILE] [--out DIR] [-j N] [--no-sanitize] [-k ID]
"""
import argparse
import os
import sys
import tomllib
from pathlib import Path

from ..checkout import ROOT, SPEC
from ..grading import workspace
from ..grading.batch import grade_all
from ..grading.folders import private_folder
from ..grading.names import CLASS_MATRIX
from ..grading.reports import gradebook, terminal
from ..grading.rubric import RUBRIC, load_rubric
from ..matrix.results import merge
from ..matrix.write import write
from ..run.runner import interrupt_on_sigterm
from ..sandbox.calibrate import calibrate
from ..sandbox.play import no_core_dumps
from ..spec import cases as casemod
from ..spec.lint import lint


def parse(argv):
    ap = argparse.ArgumentParser(prog="tools/mpspec grade", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("submissions", nargs="*", help="directories, tarballs or zips")
    ap.add_argument("--prepare", action="store_true",
                    help="only fill the shared caches every grading's build reads (compiled "
                         "objects, precompiled headers; as root): an export's set-up runs it")
    ap.add_argument("--rubric", default=str(RUBRIC), help="the rubric (default spec/rubric.toml)")
    ap.add_argument("--out", default="out/grades", help="where reports go (default out/grades)")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="cases run in parallel (default 2)")
    ap.add_argument("-P", "--parallel", type=int, default=1,
                    help="submissions graded at once (default 1; each uses -j jobs)")
    ap.add_argument("--no-sanitize", dest="sanitize", action="store_false",
                    help="skip the AddressSanitizer/UBSan build and run")
    ap.add_argument("-k", dest="keyword", help="only cases whose id or path contains this")
    ap.add_argument("--build-root", default=str(ROOT / "build" / "grade"),
                    help="scratch builds (default build/grade)")
    ap.add_argument("--json", action="store_true", help="print each grade as one JSON line")
    opts = ap.parse_args(argv)
    if not opts.submissions and not opts.prepare:
        ap.error("name at least one submission (or --prepare)")
    return opts


def main(argv):
    opts = parse(argv)
    if opts.prepare:
        return prepare(opts.sanitize)
    opts.build_root = str(Path(opts.build_root).resolve())
    try:
        rubric, loaded = load_inputs(opts)
    except ValueError as e:
        print(e, file=sys.stderr)
        return 2
    interrupt_on_sigterm()
    no_core_dumps()
    # One unit for the whole batch (or the rubric's): students of one class are timed alike.
    opts.unit = float(rubric.get("time_unit") or calibrate())
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        grades = grade_all(opts, rubric, loaded, out)
    except KeyboardInterrupt:
        print("mpspec grade: interrupted; every run under way was stopped and cleaned up, "
              "and no gradebook was written", file=sys.stderr)
        return 130
    if len(opts.submissions) == 1:
        print(terminal.summary(grades[0]))
        book = out / "gradebook.csv"
        if book.exists():  # a regrade of one student of a batch: their row is replaced
            print(f"gradebook: {gradebook.update(grades[0], book)} "
                  f"(the row of {grades[0].name} replaced)")
    else:
        book = gradebook.gradebook(sorted(grades, key=lambda g: g.name), out / "gradebook.csv")
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
    return write(merge(columns), folder)[1] if columns else None


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
        loaded = [casemod.load(f) for f in casemod.discover([SPEC])]
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ValueError(f"a case file cannot be read: {e} (python3 tools/run_case.py "
                         "--lint)") from e
    unit = rubric.get("time_unit")
    if unit is not None and not (isinstance(unit, (int, float)) and 0.01 <= unit <= 10):
        raise ValueError(f"the rubric {opts.rubric}: time_unit must be a number of seconds "
                         f"between 0.01 and 10, not {unit!r}")
    problems = lint(loaded)
    if problems:
        raise ValueError("\n".join(problems) + "\nthe cases do not pass the lint; fix them first")
    if opts.keyword:
        loaded = [c for c in loaded if opts.keyword in c.id or opts.keyword in c.rel]
    return rubric, loaded


def prepare(sanitize):
    """Fills the shared caches, so that an export's first grading, like every later one,
    compiles only the submission's own files."""
    if os.geteuid() != 0:
        print("mpspec grade --prepare: only root fills the shared caches", file=sys.stderr)
        return 2
    for variant in ((False, True) if sanitize else (False,)):
        if not workspace.warm(sanitize=variant):
            print("mpspec grade --prepare: the shared caches could not be filled "
                  f"({'sanitizer' if variant else 'plain'} build); gradings compile the "
                  "driver in full", file=sys.stderr)
            return 1
    print("mpspec grade --prepare: the shared caches are filled")
    return 0
