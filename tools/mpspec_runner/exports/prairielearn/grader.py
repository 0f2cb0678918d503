"""mpspec's PrairieLearn external grader: what the image's entrypoint does per submission.

`tools/mpspec export prairielearn` builds an image whose entrypoint,
/opt/mpspec/mpspec-grade-prairielearn, calls run(). PrairieLearn's contract
(docs/externalGrading.md): the student's files are in /grade/student, the question's
tests/ in /grade/tests, the course's chosen files in /grade/serverFilesCourse, the question's
data in /grade/data/data.json; by the time the entrypoint exits, it must have written
/grade/results/results.json (at most 1 MB): {gradable, score in [0, 1], message, output,
tests: [{name, description, points, max_points, message, output, images}]}. The grader host
keeps that file only when the entrypoint exits 0, so run() always does.

run() lays /grade/student out as shared/API.md asks (as it is, its one enclosing folder, or
files uploaded one by one: the Gradescope autograder's layout), grades it with
`tools/mpspec grade` and the rubric (the question's tests/rubric.toml if it has one, else
the image's), and converts the grade's results.json (Gradescope's format) and feedback.md
with `convert`. A submission that does not build is `gradable: false` too, with the
compiler's errors, as PrairieLearn's own C grader has it (no attempt used for a typo);
MPSPEC_COMPILE_ERRORS=zero in the question's environment scores it 0 instead, as the local
grade does. A fault of the grader (exit 3, a crash, no results, the time budget spent)
is `gradable: false`: PrairieLearn then records no score and charges no attempt, so a
student is never given a 0 the grader caused. Standard library only; of the grader it
imports only the layout code, so that a grader that does not start is still reported.
"""
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from ..gradescope import autograder as layout

GRADE = Path("/grade")
RUBRIC = "rubric.toml"  # beside the entrypoint, and optionally in the question's tests/
# PrairieLearn drops a results.json over 1 MiB (grader-host: "larger than 1MB"); the margin
# covers the keys and escapes the caps below do not count.
LIMIT = 1024 * 1024 - 64 * 1024
MESSAGE_MAX = 64 * 1024  # characters of the feedback's summary
OUTPUT_MAX = 16 * 1024  # characters of one test's details
# What a student may upload whole: `tools/mpspec grade` unpacks it with its own limits.
ARCHIVES = (".zip", ".tar.gz", ".tgz", ".tar", ".tar.xz", ".tar.bz2")
# Seconds the grading may take (MPSPEC_TIME_BUDGET): under the question's timeout, so that
# a grading that runs long is reported here rather than killed by PrairieLearn, which
# would tell the student to fix their code.
BUDGET = 540
STOP_GRACE = 20  # seconds between SIGTERM (the grader cleans up) and SIGKILL
FAILED_CLAIMS = "## Failed claims"
COMPILER_ERRORS = "## The compiler's errors"
IN_TESTS = ("Each failed claim, with what was expected, what your implementation did and "
            "the command that reproduces it, is a test under Test Results below.")
NOT_GRADED = ("The autograder failed: this submission was not graded. The fault is the "
              "grader's, not your submission's, so no score was given and no attempt was "
              "used. Your course staff can see what went wrong in the grading job's log; "
              "submit again later.")
OUT_OF_TIME = ("the grading did not finish within {budget:g} s, so it was stopped: the "
               "grader's machine was slow, or calls of the submission that never return "
               "(join, a child that never ends) made every case wait for its timeout")
HIDDEN_NAME = re.compile(r"hidden case \d+")
DOES_NOT_BUILD = ("Your submission does not build, so it was not graded: no score was "
                  "recorded and no attempt was used. Fix the errors below and submit again.")
COMPILE_ERRORS = ("not-gradable", "zero")  # MPSPEC_COMPILE_ERRORS, the first by default
# A failed claim's timeline (grading/reports/results_json.py): an SVG as a data URL, which
# <pl-external-grader-results> shows under the test as an <img>, where no script runs.
TIMELINE = re.compile(r"data:image/svg\+xml;base64,[A-Za-z0-9+/]*={0,2}")
TIMELINE_LABEL = "What your processes did"


def say(message):
    """To the container's output: the grading job's log, which only course staff see."""
    print(f"mpspec prairielearn: {message}", flush=True)


# ---- the conversion (pure: no files, no processes) ----


def convert(doc, feedback="", compile_errors=COMPILE_ERRORS[0]):
    """PrairieLearn's results for the grade `doc` (the document of
    grading/reports/results_json.py) and its feedback.md; ValueError when `doc` is not a
    grade (the caller's not_gradable). A submission that does not build is not gradable
    unless `compile_errors` is "zero"."""
    score, most = doc.get("score"), doc.get("max_score")
    if not isinstance(score, (int, float)) or not isinstance(most, (int, float)) or most <= 0:
        raise ValueError(f"the grade has no score out of a positive max_score: "
                         f"score={score!r}, max_score={most!r}")
    extra = doc.get("extra_data")
    if compile_errors != "zero" and isinstance(extra, dict) and extra.get("does_not_build"):
        errors = section(feedback, COMPILER_ERRORS)
        message = DOES_NOT_BUILD + "\n\n" + (errors or doc.get("output", ""))
        return within_limit({"gradable": False, "message": message,
                             "output": doc.get("output", ""), "tests": []})
    tests = [test(t) for t in doc.get("tests", [])]
    tests += penalty(tests, score)
    result = {"gradable": True, "score": fraction(score, most),
              "message": summary(feedback) if feedback.strip() else doc.get("output", ""),
              "output": doc.get("output", ""), "tests": tests}
    return within_limit(result)


def fraction(score, most):
    """score / most in [0, 1], to 6 decimals (not 0.9381999999999999), and below 1 unless the
    score is full: PrairieLearn shows 1 as full marks."""
    value = min(1.0, max(0.0, round(score / most, 6)))
    return 0.999999 if value == 1.0 and score < most else value


def test(entry):
    """A Gradescope test as PrairieLearn's: the case id as name, its claim as description.
    A hidden case keeps only its number: neither its claim nor its details are shown."""
    passed = entry.get("status") == "passed"
    name = entry.get("name", "")
    if entry.get("visibility") == "hidden":
        # Not the name as given: if it ever carried the claim, this keeps it out.
        return {"name": name if HIDDEN_NAME.fullmatch(name) else "hidden case",
                "description": "", "points": entry.get("score", 0.0),
                "max_points": entry.get("max_score", 0.0),
                "message": "passed" if passed else "failed", "output": ""}
    case_id, _, claim = name.partition(": ")
    extra = entry.get("extra_data")
    html = entry.get("output_format") == "html" and isinstance(extra, dict)
    output = extra.get("text", "") if html else entry.get("output", "")  # shown as text
    converted = {"name": case_id, "description": claim, "points": entry.get("score", 0.0),
                 "max_points": entry.get("max_score", 0.0),
                 "message": "passed" if passed else "failed", "output": output}
    if html and TIMELINE.fullmatch(str(extra.get("timeline", ""))):
        converted["images"] = [{"label": TIMELINE_LABEL, "url": extra["timeline"]}]
    return converted


def penalty(tests, score):
    """A test worth 0 that takes off what the rubric's penalties took (sanitizer reports,
    compiler warnings), so that the tests' points add up to the score shown; none if the
    tests already do (each test's points are rounded to 3 decimals)."""
    earned = sum(t["points"] for t in tests)
    if earned - score <= 0.0005 * len(tests) + 1e-9:
        return []
    return [{"name": "penalties", "description": "points taken off by the rubric for "
             "sanitizer reports and compiler warnings (see the message above)",
             "points": round(score - earned, 3), "max_points": 0, "message": "", "output": ""}]


def summary(feedback):
    """feedback.md less the blocks of its failed claims, which the tests carry: the score,
    the most likely cause, the sections, the causes, the compiler's errors and warnings and
    the sanitizer's reports stay, as feedback.md words them for the student (the fold that
    holds the failed claims goes with them)."""
    out, section, skipping = [], "", False
    for line in feedback.splitlines():
        if line.startswith(("<details>", "</details>")):
            continue
        if line.startswith("## "):
            section, skipping = line.strip(), False
        elif line.startswith("### ") and section == FAILED_CLAIMS and not skipping:
            skipping = True
            out += [IN_TESTS, ""]
        if not skipping:
            out.append(line)
    return "\n".join(out).strip() + "\n"


def section(feedback, heading):
    """The section of feedback.md under `heading`, heading included, or ""."""
    out = []
    for line in feedback.splitlines():
        if line.startswith("## "):
            if out:
                break
            if line.strip() == heading:
                out.append(line)
        elif out:
            out.append(line)
    return "\n".join(out).strip() + "\n" if out else ""


def cut(text, most):
    """text, or its first `most` characters and how many more were cut."""
    if len(text) <= most:
        return text
    return text[:most] + (f"\n… ({len(text) - most} more characters, cut to fit "
                          "PrairieLearn's 1 MB limit on results)")


def size(doc):
    return len(json.dumps(doc, ensure_ascii=False).encode("utf-8"))


def within_limit(doc, limit=LIMIT):
    """doc cut until it fits PrairieLearn's limit (a flood's output, a thousand warnings):
    first the message and each test's details to their caps, then the timelines, then the
    test details shared out, then none; names, points and the score are never cut."""
    doc = dict(doc, message=cut(doc.get("message", ""), MESSAGE_MAX),
               output=cut(doc.get("output", ""), MESSAGE_MAX))
    if size(doc) > limit:  # the pictures go before any text does
        doc["tests"] = [{k: v for k, v in t.items() if k != "images"}
                        for t in doc.get("tests", [])]
    tests = doc.get("tests", [])
    with_output = sum(1 for t in tests if t.get("output"))
    share = max(1000, (limit - size(dict(doc, tests=[]))) // (2 * max(1, with_output)))
    doc["tests"] = [dict(t, output=cut(t.get("output", ""), min(OUTPUT_MAX, share)))
                    for t in tests]
    if size(doc) > limit:
        doc["tests"] = [dict(t, output="") for t in doc["tests"]]
    if size(doc) > limit:
        doc["message"] = cut(doc["message"], 4000)
    return doc


def not_gradable(why):
    """No score: PrairieLearn shows "invalid, not gradable" with the message, records no
    points and charges no attempt; the job's log says why as well."""
    say(f"NOT GRADED: {why}")
    return {"gradable": False, "message": f"{NOT_GRADED}\n\n({why})", "output": "",
            "tests": []}


# ---- the grading (files and processes) ----


def compile_errors():
    """MPSPEC_COMPILE_ERRORS: what a submission that does not build gets (COMPILE_ERRORS);
    anything else is said in the job's log and read as the default."""
    value = os.environ.get("MPSPEC_COMPILE_ERRORS", COMPILE_ERRORS[0])
    if value not in COMPILE_ERRORS:
        say(f"MPSPEC_COMPILE_ERRORS={value!r} is not one of {COMPILE_ERRORS}: "
            f"{COMPILE_ERRORS[0]} it is")
        return COMPILE_ERRORS[0]
    return value


def results(folder, code):
    """PrairieLearn's results for a finished `tools/mpspec grade` (exit `code`, reports in
    `folder`). Exit 0 or 1 with a results.json is a grade (1: the submission could not be
    graded: no files, an archive that does not unpack, or it does not build, which is not
    gradable unless MPSPEC_COMPILE_ERRORS=zero); anything else is the grader's fault."""
    report = folder / "results.json"
    why = layout.unfinished(folder, code)
    if why:
        return not_gradable(why)
    feedback = folder / "feedback.md"
    try:
        doc = convert(json.loads(report.read_text(encoding="utf-8")),
                      feedback.read_text(encoding="utf-8") if feedback.is_file() else "",
                      compile_errors())
    except ValueError as e:  # JSONDecodeError too
        return not_gradable(f"the grader's {report.name} is not a grade: {e}")
    if not doc["gradable"]:  # the only grade convert() leaves ungraded
        say("not graded: the submission does not build")
    return doc


def submission(student, work):
    """The submission to grade, in `work`: one archive uploaded alone as it is (the grader
    unpacks it within its limits), else the files laid out as API.md asks. No files at all
    grade as an empty folder: the grader then says what is missing, as it says it to anyone."""
    dest = work / "submission"
    if not student.is_dir():
        dest.mkdir()
        return dest
    inside = layout.entries(student)
    if len(inside) == 1 and inside[0].is_file() and not inside[0].is_symlink():
        suffix = next((s for s in ARCHIVES if inside[0].name.lower().endswith(s)), None)
        if suffix:
            archive = work / f"submission{suffix}"
            shutil.copyfile(inside[0], archive)
            return archive
    return layout.arrange(student, dest)


def rubric_path(grade_dir, home):
    """The question's tests/rubric.toml if it has one (a rubric with hidden cases kept out
    of a public image), else the image's."""
    mine = grade_dir / "tests" / RUBRIC
    return mine if mine.is_file() else home / RUBRIC


def budget():
    """MPSPEC_TIME_BUDGET's seconds, or BUDGET (a value that is not a number: BUDGET)."""
    try:
        return float(os.environ.get("MPSPEC_TIME_BUDGET", BUDGET))
    except ValueError:
        return float(BUDGET)


def grade(impl, work, rubric, command, seconds):
    """`tools/mpspec grade` on impl: (exit code, its report folder), or (None, folder) when it
    ran past `seconds` and was stopped. MPSPEC_GRADE_ARGS adds options (e.g. --no-sanitize)."""
    name = impl.name
    for suffix in ARCHIVES:
        name = name.removesuffix(suffix)
    out = work / "grades"
    cmd = [*command, impl.name, "--rubric", str(rubric), "--out", str(out),
           "--build-root", str(work / "build"),
           *shlex.split(os.environ.get("MPSPEC_GRADE_ARGS", ""))]
    say("$ " + " ".join(shlex.quote(c) for c in cmd))
    # Its own session: a grader that ignores SIGTERM is then killed with all it started.
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, cwd=impl.parent,
                            start_new_session=True)
    try:
        return proc.wait(timeout=seconds), out / name
    except subprocess.TimeoutExpired:
        stop(proc)
        return None, out / name


def stop(proc):
    """SIGTERM first (the grader stops its runs and removes their cgroups and folders), then
    SIGKILL to the whole session."""
    proc.terminate()
    try:
        proc.wait(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def write(doc, path):
    """results.json whole or not at all (a rename), never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


# The question's folders, which may hold a rubric with hidden cases: root's alone while the
# submission builds and runs as a user of its own.
QUESTION = ("tests", "data", "serverFilesCourse")


def close_question(grade_dir):
    for name in QUESTION:
        folder = grade_dir / name
        if folder.is_dir() and not folder.is_symlink():
            os.chmod(folder, 0o700)


def run(home, grade_dir=GRADE, command=None):
    """Grades grade_dir/student into grade_dir/results/results.json with the sources under
    home/source; 0 whatever happened, since PrairieLearn discards results on any other."""
    t0 = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="mpspec-prairielearn-"))
    seconds = budget()
    try:
        close_question(grade_dir)
        impl = submission(grade_dir / "student", work)
        command = command or [sys.executable, str(home / "source" / "tools" / "mpspec"), "grade"]
        code, folder = grade(impl, work, rubric_path(grade_dir, home), command, seconds)
        doc = (not_gradable(OUT_OF_TIME.format(budget=seconds)) if code is None
               else results(folder, code))
    except BaseException:  # noqa: BLE001 - whatever stops the grading, results.json says so
        doc = not_gradable("the autograder itself failed:\n" + traceback.format_exc())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write(doc, grade_dir / "results" / "results.json")
    say(f"{'graded: score ' + format(doc['score'], '.4f') if doc['gradable'] else 'not graded'}"
        f" in {time.monotonic() - t0:.0f} s")
    return 0
