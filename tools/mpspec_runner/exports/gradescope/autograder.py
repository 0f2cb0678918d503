#!/usr/bin/env python3
"""mpspec's Gradescope autograder: `run_autograder`, run by Gradescope once per submission.

`tools/mpspec export gradescope` writes this file into its zip as `run_autograder`. It lays
/autograder/submission out as shared/API.md asks, grades it with `tools/mpspec grade` and
the bundle's rubric, and writes /autograder/results/results.json in Gradescope's format
(gradescope-autograders.readthedocs.io/en/latest/specs/): the grade's own results.json, with
the student's feedback.md as the top-level output, rendered as markdown.

A fault of the grader is never graded as the student's: when the grader fails (exit 3, a
crash, no results), results.json holds neither a score nor tests, which the format requires
one of, so Gradescope shows "The autograder failed to execute correctly" instead of a score,
and the output says why. It is standard-library Python and imports nothing of the grader,
so that it can report a grader that does not even start.
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

AUTOGRADER = Path("/autograder")
SOURCE = AUTOGRADER / "source"
MPSPEC = SOURCE / "mpspec" / "tools" / "mpspec"
RUBRIC = SOURCE / "rubric.toml"
HEADER = Path("include") / "mp" / "process.hpp"
HEADERS = (".hpp", ".h", ".hh", ".hxx", ".ipp", ".tpp", ".inc")
# What archivers and desktops add around a student's files: not the student's folder.
NOISE = ("__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini")
# Gradescope's documented keys (specs page): anything else the grade writes is kept under
# extra_data, so that the document is exactly what the format describes.
TOP_KEYS = {"score", "execution_time", "output", "output_format", "test_output_format",
            "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests",
            "leaderboard"}
TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output",
             "output_format", "tags", "visibility", "extra_data"}
NOT_GRADED = ("**The autograder failed: this submission was not graded.** The fault is the "
              "grader's, not your submission's, so no score was given. Your course staff can "
              "see what went wrong; submit again once they have fixed it.")


def entries(folder):
    """The folder's entries that are the student's (no archiver noise, no hidden files)."""
    return sorted(p for p in folder.iterdir()
                  if p.name not in NOISE and not p.name.startswith("."))


def only_folder(folder):
    """The one folder the submission was uploaded in (alice/include/...), if it was."""
    inside = entries(folder)
    if len(inside) == 1 and inside[0].is_dir() and not inside[0].is_symlink():
        return inside[0]
    return None


def student_root(submission):
    """Where the student's files begin: the submission itself or its one enclosing folder,
    whichever holds include/mp/process.hpp or, uploaded file by file, process.hpp; None
    if neither does."""
    for folder in (submission, only_folder(submission)):
        if folder is not None and ((folder / HEADER).is_file()
                                   or (folder / "process.hpp").is_file()):
            return folder
    return None


def special(folder, names):
    """Names to leave out of a copy: devices, FIFOs and sockets (a copy would block on a
    FIFO); links are copied as links, for the grader to refuse with its own words."""
    kinds = (stat.S_ISDIR, stat.S_ISREG, stat.S_ISLNK)
    return [n for n in names
            if not any(k(os.lstat(os.path.join(folder, n)).st_mode) for k in kinds)]


def copy(src, dest):
    shutil.copytree(src, dest, symlinks=True, ignore=special)


def arrange(submission, dest):
    """A copy of the submission in API.md's layout at dest: as it is if laid out so, or its
    one enclosing folder, or files uploaded one by one (process.hpp to include/mp/, other
    headers and the .cpp files to src/). Anything else is copied as it is: the grader then
    says what is missing, as it says it to anyone."""
    root = student_root(submission)
    copy(root or submission, dest)
    if root is not None and not (dest / HEADER).is_file():
        spread(dest)
    return dest


def spread(dest):
    """Files uploaded one by one (Gradescope's upload flattens folders) put where API.md
    wants them; a file whose place is taken stays where it is, and an upload that is no
    folder but named like one (a file `src`) is set aside under another name."""
    for folder in ("include", "src"):
        set_aside(dest / folder)
    (dest / "include" / "mp").mkdir(parents=True, exist_ok=True)
    (dest / "src").mkdir(exist_ok=True)
    for path in entries(dest):
        if not path.is_file() or path.is_symlink():
            continue
        if path.name == "process.hpp":
            target = dest / HEADER
        elif path.suffix == ".cpp" or path.suffix in HEADERS:
            target = dest / "src" / path.name
        else:
            continue
        if not target.exists():
            path.rename(target)


def set_aside(path):
    """A file or link where a folder must go renamed `NAME.uploaded` (or `.uploaded-N`)."""
    if not os.path.lexists(path) or (path.is_dir() and not path.is_symlink()):
        return
    aside, n = path.with_name(f"{path.name}.uploaded"), 1
    while os.path.lexists(aside):
        n += 1
        aside = path.with_name(f"{path.name}.uploaded-{n}")
    path.rename(aside)


def grade(impl, work, command=None):
    """The grader's exit code and its report folder for `impl`; its output goes to stdout,
    which Gradescope shows to the instructor only."""
    out = work / "grades"
    command = command or [sys.executable, str(MPSPEC), "grade"]
    # By its bare name, from its folder: what the grader says of it (no include/mp/...) then
    # names `submission`, not a folder of the autograder's.
    cmd = [*command, impl.name, "--rubric", str(RUBRIC), "--out", str(out),
           "--build-root", str(work / "build")]
    print("mpspec autograder: $ " + " ".join(cmd), flush=True)
    code = subprocess.run(cmd, stdin=subprocess.DEVNULL, cwd=impl.parent, check=False).returncode
    return code, out / impl.name


def documented(doc, keys):
    """doc with only the format's keys; the others moved under extra_data.mpspec."""
    kept = {k: v for k, v in doc.items() if k in keys}
    extra = {k: v for k, v in doc.items() if k not in keys}
    if extra:
        kept.setdefault("extra_data", {}).setdefault("mpspec", {}).update(extra)
    return kept


def unfinished(folder, code):
    """Why a grading (exit `code`, reports in `folder`) gave no grade, or None when it did:
    exit 0 or 1 with a results.json is a grade; exit 3 is a fault of the grader; any other
    code, or no results, is a grading that did not finish. (PrairieLearn's grader too.)"""
    if code not in (0, 1):
        return (f"the grader exited with {code}"
                + (" (a fault of the grader: see its output)" if code == 3 else ""))
    if not (folder / "results.json").is_file():
        return f"the grader exited with {code} but wrote no results.json"
    return None


def results(folder, code, seconds):
    """Gradescope's document for a finished grading: the grade's results.json with the
    feedback as its output; not_graded() if the grader failed."""
    report = folder / "results.json"
    why = unfinished(folder, code)
    if why:
        return not_graded(why)
    doc = json.loads(report.read_text(encoding="utf-8"))
    if not isinstance(doc.get("score"), (int, float)):
        return not_graded(f"the grader's {report.name} has no score")
    feedback = folder / "feedback.md"
    if feedback.is_file():
        doc["output"] = feedback.read_text(encoding="utf-8")
        doc["output_format"] = "md"
    doc["execution_time"] = round(seconds)
    doc["stdout_visibility"] = "hidden"  # the grader's summary names hidden cases' claims
    doc["tests"] = [documented(t, TEST_KEYS) for t in doc.get("tests", [])]
    return documented(doc, TOP_KEYS)


def not_graded(why):
    """No score and no tests: not a result Gradescope can record, so it shows its error
    rather than a 0 or a full mark; the instructor finds `why` in the stdout and here."""
    print(f"mpspec autograder: NOT GRADED: {why}", flush=True)
    return {"output": NOT_GRADED, "output_format": "md", "stdout_visibility": "hidden",
            "extra_data": {"mpspec": {"graded": False, "why": why}}}


def write(doc, path):
    """results.json written whole or not at all (a rename), never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def run(autograder=AUTOGRADER, command=None):
    """Grades autograder/submission into autograder/results/results.json; 0 if graded."""
    t0 = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="mpspec-autograder-"))
    try:
        impl = arrange(autograder / "submission", work / "submission")
        code, folder = grade(impl, work, command)
        doc = results(folder, code, time.monotonic() - t0)
    except BaseException:  # noqa: BLE001 - whatever stops the grading, results.json says so
        doc = not_graded("the autograder itself failed:\n" + traceback.format_exc())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write(doc, autograder / "results" / "results.json")
    return 0 if "score" in doc else 1


if __name__ == "__main__":
    sys.exit(run())
