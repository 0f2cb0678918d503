#!/usr/bin/env python3
"""The PrairieLearn export, run where PrairieLearn runs it (CTest: grading/export-prairielearn).

    check_export_prairielearn.py [--sample NAME] [--hide CASE_ID] [--save DIR]

It exports the image's build context with a rubric that hides one case the sample fails,
and grades the sample twice: with `tools/mpspec grade` here, and with the image's
entrypoint against the real /grade paths, in a file system laid out as the image lays it
out: a private mount namespace whose root is a tmpfs holding the system's folders (bind
mounts), opt/mpspec/ (what the Dockerfile copies there) and grade/, so nothing is made on
the machine's root file system. There the image's setup.sh runs (its apt step only if every
package is installed already, so that it only checks), the sample goes to /grade/student as
a student uploads it with pl-file-upload (loose files), and the entrypoint runs. It must
exit 0 and its /grade/results/results.json must give the local grade's score as a fraction,
the same tests (names, passed or failed, points), each failed claim's timeline as its
test's image, and the feedback's score and likely cause as the message; the hidden case
must be a test "hidden case N" and nothing in the file may name it or its claim. Then the
sample that does not compile must come back not gradable, with the compiler's errors as the
message. Exit 77 (CTest: skipped) only when not root or without `unshare`.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tools" / "tests"))
# The harness package lives beside this folder, not installed; the Gradescope export's check
# already knows how to hide a case and grade a sample here.
from mpspec_runner.checkout import SAMPLES  # noqa: E402
from mpspec_runner.grading import samples  # noqa: E402
import check_export_gradescope as gs_check  # noqa: E402
import check_grade  # noqa: E402

SKIP = 77
# What a Debian image has at its root, less opt/ (the image's own, made here); the machine's
# other folders stay out of view (the checkout among them: the image must be enough).
SYSTEM = ("bin", "boot", "dev", "etc", "home", "lib", "lib32", "lib64", "libx32", "proc",
          "root", "run", "sbin", "srv", "sys", "tmp", "usr", "var")
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
LIMIT = 1024 * 1024  # PrairieLearn's grader host drops a larger results.json

# Runs as the Gradescope check's script does (gs_check.new_root says how the root is made).
NAMESPACE = gs_check.new_root("mpspec-prairielearn-root") + r"""
mkdir -p "$r/opt/mpspec" "$r/grade/student" "$r/grade/tests" "$r/grade/data" \
  "$r/grade/serverFilesCourse"
cp -a "$t/context/mpspec/." "$r/opt/mpspec/"  # the Dockerfile's COPY mpspec /opt/mpspec
cp -R "$t/student/." "$r/grade/student/"
echo '{"params": {}, "submitted_answers": {}, "gradable": true}' > "$r/grade/data/data.json"
in_root() { chroot "$r" /usr/bin/env -i PATH="$PATH_IN" HOME=/root LANG=C.UTF-8 "$@"; }
in_root sh -c "MPSPEC_NO_APT=$NO_APT /opt/mpspec/setup.sh"
code=0
in_root /opt/mpspec/mpspec-grade-prairielearn || code=$?
echo "$code" > "$t/exit"
cp "$r/grade/results/results.json" "$t/results.json"
""" + gs_check.peek("/opt/mpspec", "/grade/tests")


def say(message):
    print(f"check_export_prairielearn: {message}", flush=True)


def run(cmd, **kwargs):
    say("$ " + " ".join(str(c) for c in cmd))
    return subprocess.run([str(c) for c in cmd], check=False, **kwargs).returncode


def export_context(tmp, rubric):
    code = run([sys.executable, ROOT / "tools" / "mpspec", "export", "prairielearn",
                "--out", tmp / "context", "--rubric", rubric], cwd=ROOT)
    if code != 0:
        raise SystemExit(f"FAIL: the export exited with {code}")


def upload(impl, folder):
    """The implementation as pl-file-upload stores it: loose files, no folders."""
    folder.mkdir()
    for path in sorted(impl.rglob("*")):
        if path.is_file():
            shutil.copyfile(path, folder / path.name)


def grade_on_prairielearn(tmp):
    """(entrypoint's exit status, its results.json) in a /grade of the test's own."""
    (tmp / "root").mkdir()
    env = dict(os.environ, PATH_IN=PATH, NO_APT="1" if gs_check.missing_packages() else "0",
               PEEK=gs_check.PEEK)
    code = run(["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", NAMESPACE,
                "sh", tmp, *SYSTEM], env=env)
    if code != 0 or not (tmp / "results.json").exists():
        raise SystemExit(f"FAIL: the run in /grade exited with {code} and no results.json")
    if (tmp / "results.json").stat().st_size > LIMIT:
        raise SystemExit("FAIL: results.json is over PrairieLearn's 1 MB")
    return int((tmp / "exit").read_text()), json.loads((tmp / "results.json").read_text())


def verdicts_here(local):
    """(name, passed) of each local test, named as PrairieLearn's tests are: the case id
    without its claim, or "hidden case N"."""
    return [(t["name"] if t.get("visibility") == "hidden" else t["name"].partition(": ")[0],
             t["status"] == "passed") for t in local["tests"]]


def verdicts_there(doc):
    return [(t.get("name"), t.get("message") == "passed") for t in doc.get("tests", [])]


def headline(feedback):
    return [line for line in feedback.splitlines()
            if line.startswith(("**Score:", "**Most likely cause:"))]


def compare(local, feedback, code, doc):
    """What PrairieLearn would record against what the local grading gave."""
    problems = [] if code == 0 else [f"the entrypoint exited with {code}, not 0: PrairieLearn "
                                     "would discard its results"]
    if doc.get("gradable") is not True:
        problems.append(f"not gradable: {doc.get('message')}")
        return problems
    fraction = local["score"] / local["max_score"]
    if not isinstance(doc.get("score"), (int, float)) or abs(doc["score"] - fraction) > 1e-6:
        problems.append(f"score {doc.get('score')} != the local {fraction} "
                        f"({local['score']} / {local['max_score']})")
    if verdicts_there(doc) != verdicts_here(local):
        diff = sorted(set(verdicts_there(doc)) ^ set(verdicts_here(local)))
        problems.append(f"tests differ from the local grading's (name, passed): {diff[:6]}")
    points = [(t.get("points"), t.get("max_points")) for t in doc.get("tests", [])]
    if points != [(t["score"], t["max_score"]) for t in local["tests"]]:
        problems.append("the tests' points differ from the local grading's")
    if headline(doc.get("message", "")) != headline(feedback) or not headline(feedback):
        problems.append(f"the message does not open as feedback.md: "
                        f"{headline(doc.get('message', ''))} != {headline(feedback)}")
    if fraction >= 1 or all(passed for _, passed in verdicts_here(local)):
        problems.append("the sample lost no points: nothing was compared")
    return problems


def pictures(local, doc):
    """Each failed claim the local grade draws is drawn on PrairieLearn too: the test's one
    image is a timeline, an SVG as a data URL. (Not the same bytes: each grading is a run of
    its own, with its own times.)"""
    there = {t.get("name"): t.get("images", []) for t in doc.get("tests", [])}
    drawn = [t["name"].partition(": ")[0] for t in local["tests"]
             if t.get("output_format") == "html"]
    problems = [] if drawn else ["the local grade drew no timeline: no picture to compare"]
    for name in drawn:
        urls = [image.get("url", "") for image in there.get(name, [])]
        if len(urls) != 1 or not is_timeline(urls[0]):
            problems.append(f"{name}: PrairieLearn's test has {len(urls)} images, not the one "
                            f"timeline the local grade drew: {[u[:60] for u in urls]}")
    drawn_there = sorted(name for name, images in there.items() if images)
    if drawn_there != sorted(drawn):
        problems.append(f"PrairieLearn draws {drawn_there}, the local grade {sorted(drawn)}")
    return problems


def is_timeline(url):
    head, _, data = url.partition(",")
    if head != "data:image/svg+xml;base64":
        return False
    try:
        return base64.b64decode(data, validate=True).lstrip().startswith(b"<svg")
    except ValueError:
        return False


def hidden(doc, case_id, claim):
    """The hidden case is a failed test "hidden case N", and nothing shown names it."""
    tests = [t for t in doc.get("tests", []) if t.get("name", "").startswith("hidden case")]
    problems = [] if len(tests) == 1 else [f"{len(tests)} hidden tests, not 1"]
    problems += [f"the hidden case should fail: {t}" for t in tests if t.get("message") != "failed"]
    if any(case_id in text or claim in text for text in strings(doc)):
        problems.append("results.json names the hidden case or its claim")
    return problems


def strings(value):
    """Every string in a JSON document, keys too."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def does_not_build(tmp):
    """The sample that does not compile, graded by the same image: not gradable, with the
    compiler's errors as the message (PrairieLearn's own C grader's convention)."""
    broken = tmp / "broken"
    broken.mkdir()
    (broken / "context").symlink_to(tmp / "context")
    impl = samples.materialize(SAMPLES / "does-not-compile",
                               tmp / "impl-broken" / "submission")
    upload(impl, broken / "student")
    code, doc = grade_on_prairielearn(broken)
    problems = [] if code == 0 else [f"does-not-compile: the entrypoint exited with {code}"]
    if doc.get("gradable") is not False or "score" in doc:
        problems.append(f"does-not-compile: gradable={doc.get('gradable')!r}, "
                        f"score={doc.get('score')!r}, not ungradable without a score")
    message = doc.get("message", "")
    if not message.startswith("Your submission does not build") or "error" not in message:
        problems.append(f"does-not-compile: the message is not the compiler's errors: "
                        f"{message[:300]!r}")
    return problems


def save(folder, tmp, local, doc):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "local-results.json").write_text(json.dumps(local, indent=1))
    (folder / "prairielearn-results.json").write_text(json.dumps(doc, indent=1))
    say(f"saved in {folder}")


def main(argv):
    args = gs_check.arguments(argv, "both results.json")
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("chroot"):
        say("SKIPPED: needs root, unshare and chroot (a mount namespace and a chroot)")
        return SKIP
    host_had = Path("/grade").exists()
    with tempfile.TemporaryDirectory(prefix="mpspec-prairielearn-test-") as name:
        tmp = Path(name)
        rubric = gs_check.hidden_rubric(tmp / "hidden.toml", args.hide)
        export_context(tmp, rubric)
        impl = samples.materialize(SAMPLES / args.sample, tmp / "impl" / "submission")
        upload(impl, tmp / "student")
        code, doc = grade_on_prairielearn(tmp)  # first: the likelier to fail, and sooner
        exposed = gs_check.solution_exposed(tmp, ("/opt/mpspec", "/grade/tests"))
        local, feedback = gs_check.grade_here(impl, rubric, tmp)
        problems = compare(local, feedback, code, doc) + pictures(local, doc)
        problems += hidden(doc, args.hide, gs_check.claim_of(args.hide))
        problems += exposed + does_not_build(tmp)
        if args.save:
            save(args.save, tmp, local, doc)
    if Path("/grade").exists() != host_had:
        problems.append("/grade was made on the machine's root file system")
    return check_grade.finish(problems, "submission")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
