#!/usr/bin/env python3
"""The student kit, as a class gets it (CTest: grading/student-kit).

    check_student_kit.py [--sample NAME] [-k ID]

It exports the kit into a fresh folder only its owner can enter (as a user's home is),
checks that nothing of the reference or of a sample is in it (no such path, no three code
lines in a row of the reference's sources: seen failing by copying one in), then grades
the reference and a sample twice, with the kit's `./check` (the student copies their
library into submission/) and with `tools/mpspec grade` here, on the cases whose id or path
holds ID, without the sanitizer run (the same code grades both ways; the subset keeps CI
short): the scores and the cases failed must match, and the sample must lose points.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from mpspec_runner.checkout import SAMPLES  # noqa: E402
from mpspec_runner.exports import student_kit  # noqa: E402
from mpspec_runner.exports.sources import Refused  # noqa: E402
from mpspec_runner.grading import samples  # noqa: E402


def say(message):
    print(message, flush=True)


def grade(cmd, cwd):
    """Each grade's JSON line: {name: (score, the cases failed)}."""
    say("$ " + " ".join(str(c) for c in cmd))
    ran = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True,
                         check=False)
    grades = {}
    for line in ran.stdout.splitlines():
        if line.startswith("{"):
            g = json.loads(line)
            grades[g["name"]] = (g["score"], g["failed"])
    if ran.returncode not in (0, 1) or not grades:
        raise SystemExit(f"FAIL: {cmd[1]} exited with {ran.returncode}:\n{ran.stderr[-3000:]}")
    return grades


def leak_is_refused(kit):
    """A reference source copied into the kit makes the kit's check refuse it."""
    planted = kit / "submission" / "src" / "start.cpp"
    shutil.copy2(ROOT / "reference" / "src" / "start.cpp", planted)
    try:
        student_kit.check_kit(kit)
    except Refused as e:
        say(f"a planted reference file is refused: {e}")
        return
    finally:
        planted.unlink()
    raise SystemExit("FAIL: the kit's check took a copy of reference/src/start.cpp")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", default="names-counted-wrongly")
    ap.add_argument("-k", default="10.4.3", help="the cases graded (default: naming)")
    opts = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="mpspec-kit-"))  # 0700, as a home is
    try:
        kit = tmp / "kit"
        if subprocess.run([sys.executable, ROOT / "tools" / "mpspec", "export", "student-kit",
                           "--out", kit], check=False).returncode != 0:
            raise SystemExit("FAIL: the export failed")
        held = [p.relative_to(kit).as_posix() for p in kit.rglob("*")]
        bad = [p for p in held
               if p.startswith(("mpspec/reference/", "mpspec/conformance/samples/"))]
        if bad or not (kit / "check").exists() or not (kit / "shared" / "API.md").exists():
            raise SystemExit(f"FAIL: the kit holds {bad[:3]} or lacks ./check or API.md")
        student_kit.check_kit(kit)
        leak_is_refused(kit)
        build = os.environ.get("MPSPEC_GRADE_BUILD", str(tmp / "build"))
        for name, make in (("reference", samples.materialize_reference),
                           (opts.sample, lambda d: samples.materialize(SAMPLES / opts.sample, d))):
            here = tmp / "here" / name
            make(here)
            shutil.rmtree(kit / "submission")
            shutil.copytree(here, kit / "submission")
            local = grade([sys.executable, ROOT / "tools" / "mpspec", "grade", here, "--json",
                           "--no-sanitize", "-k", opts.k, "--out", tmp / "local",
                           "--build-root", build], ROOT)[name]
            kitted = grade([kit / "check", "--json", "--no-sanitize", "-k", opts.k], kit)
            kitted = kitted["submission"]
            say(f"{name}: {local[0]} here, {kitted[0]} through ./check")
            if local != kitted:
                raise SystemExit(f"FAIL: {name} graded {local} here and {kitted} by the kit")
        if local[0] >= 100:
            raise SystemExit(f"FAIL: {opts.sample} lost nothing on the cases {opts.k}")
        say("PASS: the kit holds no reference and grades as tools/mpspec grade does")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
