#!/usr/bin/env python3
"""The Gradescope export, run where Gradescope runs it (CTest: grading/export-gradescope).

    check_export_gradescope.py [--sample NAME] [--hide CASE_ID]

It exports the bundle with a rubric that hides one case the sample fails, and grades the
sample twice: with `tools/mpspec grade` here, and with the bundle as Gradescope would, in a
/autograder of its own: a private mount namespace whose root is a tmpfs holding the
system's folders (bind mounts) and autograder/, so nothing is made on the machine's root
file system. There the bundle is unzipped into /autograder/source, setup.sh runs (its apt
step only if every package is installed already, so that it only checks), the sample is
put in /autograder/submission as files uploaded one by one, and /autograder/run_autograder
runs. Its results.json must give the local grade's score and max_score and the same tests
(names, statuses, points, visibilities), with the feedback as markdown output; the hidden
case must be a test with visibility "hidden" whose name and output, like the feedback, say
nothing of its claim. Exit 77 (CTest: skipped) only when not root or without `unshare`.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tools" / "tests"))
# The harness package lives beside this folder, not installed.
from mpspec_runner.checkout import SAMPLES, SPEC  # noqa: E402
from mpspec_runner.cli import mpspec as cli  # noqa: E402
from mpspec_runner.grading import samples  # noqa: E402
from mpspec_runner.grading.rubric import load_rubric  # noqa: E402
from mpspec_runner.sandbox import users  # noqa: E402
from mpspec_runner.spec import cases as casemod  # noqa: E402
import check_grade  # noqa: E402 - its check for processes left behind serves every grading test

SKIP = 77
# What an Ubuntu image has at its root; the machine's other folders stay out of the
# autograder's view (the checkout among them: the bundle must be enough).
SYSTEM = ("bin", "boot", "dev", "etc", "home", "lib", "lib32", "lib64", "libx32", "opt",
          "proc", "root", "run", "sbin", "srv", "sys", "tmp", "usr", "var")
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def new_root(label):
    """The start of a script run inside `unshare --mount --propagation private` with $1 the
    test's folder, then the system folders: $t/root becomes a tmpfs (named `label`) holding
    those folders as bind mounts, /tmp without what is mounted under it, so the new root
    does not show up inside itself. The script goes on with t and r set."""
    return r"""
set -eu
t=$1; shift
r=$t/root
mount -t tmpfs -o mode=0755 """ + label + r""" "$r"
for name in "$@"; do
  if [ -L "/$name" ]; then ln -s "$(readlink "/$name")" "$r/$name"
  elif [ -d "/$name" ]; then
    mkdir "$r/$name"
    if [ "$name" = tmp ]; then mount --bind /tmp "$r/tmp"
    else mount --rbind "/$name" "$r/$name"; fi
  fi
done
"""


# Run as a grading's user, as a submission would: every file under the folders given that it
# can read (printed), and nothing else.
PEEK = r"""
import os, sys
for base in sys.argv[1:]:
    for folder, dirs, files in os.walk(base):
        for name in files:
            path = os.path.join(folder, name)
            try:
                with open(path, "rb") as f:
                    f.read(1)
                print(path)
            except OSError:
                pass
"""
PEEK_UID = users.BASE + users.COUNT - 1  # the last a grading leases


def peek(*folders):
    """The lines of a namespace script that record, in $t/readable.txt, which files under
    `folders` a grading's user can read, and in $t/installed.txt the hash of every file."""
    where = " ".join(folders)
    return (f'in_root setpriv --reuid={PEEK_UID} --regid={PEEK_UID} --clear-groups '
            f'/usr/bin/python3 -c "$PEEK" {where} > "$t/readable.txt"\n'
            f'for d in {where}; do find "$r$d" -type f -exec sha256sum {{}} + ; done '
            f'> "$t/installed.txt"\n')


def solution_exposed(tmp, private):
    """What a submission could have read: files under the `private` folders its user could
    read, and any file of the reference implementation installed at all."""
    readable = (tmp / "readable.txt").read_text().split()
    problems = [f"a grading's user can read {path}" for path in readable
                if path.startswith(private)]
    reference = {hashlib.sha256(p.read_bytes()).hexdigest()
                 for p in (ROOT / "reference").rglob("*.?pp") if p.stat().st_size > 200}
    for line in (tmp / "installed.txt").read_text().splitlines():
        digest, _, path = line.partition("  ")
        if digest in reference and "/autograder/submission/" not in path:  # (the sample's own)
            problems.append(f"the export installs a file of the reference: {path}")
    return problems[:10]


NAMESPACE = new_root("mpspec-gradescope-root") + r"""
mkdir -p "$r/autograder/source" "$r/autograder/results" "$r/autograder/submission"
unzip -q "$t/bundle.zip" -d "$r/autograder/source"
cp "$r/autograder/source/run_autograder" "$r/autograder/run_autograder"  # as Gradescope does
cp -R "$t/upload/." "$r/autograder/submission/"
in_root() { chroot "$r" /usr/bin/env -i PATH="$PATH_IN" HOME=/root LANG=C.UTF-8 "$@"; }
in_root sh -c "cd /autograder/source && MPSPEC_NO_APT=$NO_APT bash ./setup.sh"
in_root sh -c "cd /autograder && /autograder/run_autograder" || echo "run_autograder: exit $?"
cp "$r/autograder/results/results.json" "$t/results.json"
""" + peek("/autograder")


def say(message):
    print(f"check_export_gradescope: {message}", flush=True)


def missing_packages():
    """tools/debian-packages.txt's packages this machine lacks (tools/mpspec's own check)."""
    return cli.missing_packages(cli.wanted_packages())


def hidden_rubric(path, case_id):
    """spec/rubric.toml with `case_id` as its one hidden case."""
    text = (ROOT / "spec" / "rubric.toml").read_text()
    text, n = re.subn(r"(?m)^(\[hidden\][^\[]*?^cases = )\[\]", rf'\1["{case_id}"]', text)
    assert n == 1, "spec/rubric.toml has no `[hidden] cases = []` to fill in"
    path.write_text(text)
    assert load_rubric(path)["hidden"]["cases"] == [case_id]
    return path


def claim_of(case_id):
    for f in casemod.discover([SPEC]):
        case = casemod.load(f)
        if case.id == case_id:
            return case.data["claim"]
    raise SystemExit(f"FAIL: no case {case_id}")


def run(cmd, **kwargs):
    say("$ " + " ".join(str(c) for c in cmd))
    return subprocess.run([str(c) for c in cmd], check=False, **kwargs).returncode


def export(tmp, rubric):
    code = run([sys.executable, ROOT / "tools" / "mpspec", "export", "gradescope",
                "--out", tmp / "bundle.zip", "--rubric", rubric], cwd=ROOT)
    if code != 0:
        raise SystemExit(f"FAIL: the export exited with {code}")
    return tmp / "bundle.zip"


def grade_here(impl, rubric, tmp):
    """results.json and feedback.md of `tools/mpspec grade` on impl."""
    cmd = [sys.executable, ROOT / "tools" / "mpspec", "grade", impl.name, "--rubric", rubric,
           "--out", tmp / "local"]
    if os.environ.get("MPSPEC_GRADE_BUILD"):
        cmd += ["--build-root", os.environ["MPSPEC_GRADE_BUILD"]]
    code = run(cmd, cwd=impl.parent)  # named as run_autograder names it, in the feedback too
    folder = tmp / "local" / impl.name
    if code not in (0, 1) or not (folder / "results.json").exists():
        raise SystemExit(f"FAIL: the local grading exited with {code} and no results")
    return json.loads((folder / "results.json").read_text()), (folder / "feedback.md").read_text()


def upload(impl, folder):
    """The implementation as a student uploads it file by file: no folders."""
    folder.mkdir()
    for path in sorted(impl.rglob("*")):
        if path.is_file():
            shutil.copyfile(path, folder / path.name)


def grade_on_gradescope(tmp):
    """results.json of run_autograder in a /autograder of the test's own."""
    (tmp / "root").mkdir()
    env = dict(os.environ, PATH_IN=PATH, NO_APT="1" if missing_packages() else "0", PEEK=PEEK)
    code = run(["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", NAMESPACE,
                "sh", tmp, *SYSTEM], env=env)
    if code != 0 or not (tmp / "results.json").exists():
        raise SystemExit(f"FAIL: the run in /autograder exited with {code} and no results.json")
    return json.loads((tmp / "results.json").read_text())


def shape(doc):
    return [(t.get("name"), t.get("status"), t.get("score"), t.get("max_score"),
             t.get("visibility", "visible")) for t in doc.get("tests", [])]


def outline(feedback):
    """The feedback's score and the headings of its failed claims (their details hold
    timings, which differ from run to run)."""
    return [line for line in feedback.splitlines() if line.startswith(("**Score:", "### "))]


def compare(local, feedback, exported):
    """What Gradescope would record against what the local grading gave."""
    problems = []
    if exported.get("score") != local["score"]:
        problems.append(f"score {exported.get('score')} != the local {local['score']}")
    max_score = exported.get("extra_data", {}).get("mpspec", {}).get("max_score")
    if max_score != local["max_score"]:
        problems.append(f"max_score {max_score} != the local {local['max_score']}")
    total = sum(t.get("max_score", 0) for t in exported.get("tests", []))
    rounding = 0.0005 * len(exported.get("tests", [])) + 1e-9  # each test's to 3 decimals
    if abs(total - local["max_score"]) > rounding:
        problems.append(f"the tests' max_score sum to {total}, not {local['max_score']}")
    if shape(exported) != shape(local):
        diff = sorted(set(shape(exported)) ^ set(shape(local)))
        problems.append(f"tests differ from the local grading's: {diff[:6]}")
    if exported.get("output_format") != "md" or "**Score:" not in exported.get("output", ""):
        problems.append("the output is not the feedback in markdown")
    if local["score"] >= local["max_score"] or not any(
            t["status"] == "failed" for t in local["tests"]):
        problems.append("the sample lost no points: nothing was compared")
    if outline(exported.get("output", "")) != outline(feedback):
        problems.append("the output is not the local feedback.md: its score and failed claims "
                        f"{outline(exported.get('output', ''))} != {outline(feedback)}")
    return problems


def hidden(exported, case_id, claim):
    """The hidden case is a hidden test, and nothing the student sees names it."""
    tests = [t for t in exported.get("tests", []) if t.get("visibility") == "hidden"]
    problems = [] if len(tests) == 1 else [f"{len(tests)} hidden tests, not 1"]
    for t in tests:
        if t.get("status") != "failed":
            problems.append(f"the hidden case should fail: {t}")
    for t in exported.get("tests", []):
        shown = f"{t.get('name', '')}\n{t.get('output', '')}"
        if case_id in shown or claim in shown:
            problems.append(f"a test shows the hidden case: {t.get('name')}")
    if case_id in exported.get("output", "") or claim in exported.get("output", ""):
        problems.append("the output (feedback) names the hidden case")
    return problems


def save(folder, tmp, local, exported):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "local-results.json").write_text(json.dumps(local, indent=1))
    (folder / "gradescope-results.json").write_text(json.dumps(exported, indent=1))
    shutil.copyfile(tmp / "bundle.zip", folder / "bundle.zip")
    say(f"saved in {folder}")


def arguments(argv, saved):
    """--sample, --hide and --save (what it copies: `saved`), as both export checks take them."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--sample", default="exitcode-raw-status")
    ap.add_argument("--hide", default="exitcode.exit-n",
                    help="a case the sample fails, hidden by the rubric")
    ap.add_argument("--save", type=Path, help=f"copy {saved} here")
    return ap.parse_args(argv)


def main(argv):
    args = arguments(argv, "both results.json and the bundle")
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("unzip"):
        say("SKIPPED: needs root, unshare and unzip (a mount namespace and a chroot)")
        return SKIP
    host_had = Path("/autograder").exists()
    with tempfile.TemporaryDirectory(prefix="mpspec-gradescope-test-") as name:
        tmp = Path(name)
        rubric = hidden_rubric(tmp / "hidden.toml", args.hide)
        export(tmp, rubric)
        impl = samples.materialize(SAMPLES / args.sample, tmp / "impl" / "submission")
        upload(impl, tmp / "upload")
        local, feedback = grade_here(impl, rubric, tmp)
        exported = grade_on_gradescope(tmp)
        problems = compare(local, feedback, exported) + hidden(exported, args.hide,
                                                               claim_of(args.hide))
        problems += solution_exposed(tmp, "/autograder/source")
        if args.save:
            save(args.save, tmp, local, exported)
    if Path("/autograder").exists() != host_had:
        problems.append("/autograder was made on the machine's root file system")
    return check_grade.finish(problems, "submission")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
