"""`tools/mpspec export prairielearn`: the grader as a PrairieLearn external-grading image.

    tools/mpspec export prairielearn [--out DIR] [--rubric FILE]

DIR (default out/export/prairielearn/) is the image's build context:
  Dockerfile   a Debian image (its python3 must be 3.11 or later: bookworm or newer) with
               tools/debian-packages.txt installed and /opt/mpspec closed to every user but
               root (the grader's; a submission runs as another)
  mpspec/      what the image holds in /opt/mpspec: source/ (the checkout's tracked files as
               they are in its working tree, but the reference implementation and the
               samples), rubric.toml, setup.sh (the Dockerfile runs it)
               and the entrypoint mpspec-grade-prairielearn
  info.json    the question's `gradingMethod` and `externalGradingOptions` (image,
               entrypoint, timeout)
  README.md    how to build and push the image and set up a question
Build it with `docker build -t NAME DIR` (or podman), push it where PrairieLearn can pull
it, and put info.json's options, with NAME as the image, in the question's info.json.
"""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ...checkout import ROOT
from .. import sources as gs

OUT = Path("out") / "export" / "prairielearn"
HOME = "/opt/mpspec"  # in the image
ENTRYPOINT = "mpspec-grade-prairielearn"
ENTRYPOINT_SOURCE = Path(__file__).with_name("entrypoint.py")
MARK = ".mpspec-export-prairielearn"  # what makes DIR one of ours, which a new export replaces
TIMEOUT = 600  # PrairieLearn's largest: a submission whose calls hang takes minutes
BUDGET = 540  # the entrypoint stops a grading then and reports it as not graded
UID_BASE = 1700000000  # users.py's default is 1600000000, a grader's on the machine itself
IMAGE = "YOUR-DOCKERHUB-NAME/mpspec-grader"
SOURCE_DIRS = ("tools", "spec", "conformance", "cmake", "reference")  # what the grader reads
# Run in the exported sources after the shared checks (sources.py): the entrypoint's module.
IMPORT_CHECK = ["-c", "import sys; sys.path.insert(0, 'tools'); "
                "import mpspec_runner.exports.prairielearn.grader"]

DOCKERFILE = f"""\
# mpspec's PrairieLearn external grader, written by `tools/mpspec export prairielearn`.
#   docker build -t {IMAGE} .        (or: podman build)
# BASE: a Debian (or Ubuntu) whose python3 is 3.11 or later, which the grader needs
# (tomllib): debian:bookworm-slim, debian:trixie-slim, ubuntu:24.04.
ARG BASE=debian:bookworm-slim
FROM ${{BASE}}
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
# tools/debian-packages.txt first and alone: a change to the sources then rebuilds only
# the layers after this one.
COPY mpspec/source/tools/debian-packages.txt {HOME}/source/tools/debian-packages.txt
RUN apt-get update -q \\
 && apt-get install -y -q --no-install-recommends \\
      $(sed 's/#.*//' {HOME}/source/tools/debian-packages.txt) \\
 && rm -rf /var/lib/apt/lists/*
COPY mpspec {HOME}
# Checks that the grader starts, and closes /opt/mpspec to every user but root.
RUN {HOME}/setup.sh
# The grading users' ids, away from those of a grader run on the machine itself: its
# leases are not this container's, and its kill(-1) as one of its ids reaches processes of
# that id in every container on the machine (seen: a container's build killed mid-way).
ENV MPSPEC_UID_BASE={UID_BASE}
ENTRYPOINT ["{HOME}/{ENTRYPOINT}"]
"""

SETUP = """\
#!/bin/sh
# mpspec's PrairieLearn grader: the image's set-up, run once, as root, by the Dockerfile.
set -eu
cd "$(dirname "$0")"
python3 - <<'EOF'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"mpspec: the grader needs Python 3.11 or later (tomllib), this image has "
             f"{sys.version.split()[0]}: choose a newer BASE (debian:bookworm-slim or later)")
EOF
# Every package of tools/debian-packages.txt: the Dockerfile installed them, and this only
# checks (it installs what is missing). MPSPEC_NO_APT=1 skips it (the export's own test, on
# a machine that must not be changed).
if [ "${MPSPEC_NO_APT:-}" != 1 ]; then
  python3 source/tools/mpspec setup
fi
# A grader that does not start would fail every submission: better to fail the build.
python3 source/tools/mpspec grade --help >/dev/null
# The driver's objects that no submission changes, and the precompiled standard headers,
# into the image's shared caches: a grading then compiles only the submission's own files.
# Without them a grader still grades (its first grading fills them), so their failure does
# not fail the set-up; the message says why.
python3 source/tools/mpspec grade --prepare || true
python3 source/tools/run_case.py --lint >/dev/null
python3 -c 'import tomllib, sys; tomllib.load(open(sys.argv[1], "rb"))' rubric.toml
# The grader's tree (the cases, hidden ones among them, and the rubric) is root's alone: a
# submission builds and runs as a user of its own, which must read none of it. (The image
# holds no reference implementation and no sample: `tools/mpspec export` leaves them out.)
chmod -R go-rwx .
"""

INFO_JSON = f"""\
{{
  "gradingMethod": "External",
  "externalGradingOptions": {{
    "image": "{IMAGE}",
    "entrypoint": "{HOME}/{ENTRYPOINT}",
    "timeout": {TIMEOUT},
    "environment": {{"MPSPEC_TIME_BUDGET": "{BUDGET}", "MPSPEC_COMPILE_ERRORS": "not-gradable"}}
  }}
}}
"""

README = f"""\
# mpspec's grader for PrairieLearn

Written by `tools/mpspec export prairielearn`. This folder is the build context of a
PrairieLearn external-grading image (docs.prairielearn.com/externalGrading/).

## The image

    docker build -t {IMAGE} .
    docker push {IMAGE}

(`podman build` works alike; `--build-arg BASE=debian:trixie-slim` picks another Debian.)
The build installs `tools/debian-packages.txt`, checks that the grader starts, compiles
the parts of the driver no submission changes and the standard headers into the image's
caches (`/var/cache/mpspec`), and closes /opt/mpspec to every user but root: a submission
builds and runs as a user of its own, and reads neither the cases nor the rubric (the image
holds no reference implementation: a grading compiles the submission's files).
`mpspec/rubric.toml` is the rubric the export was given. PrairieLearn pulls public images:
whoever can pull it can read that rubric, so keep hidden cases out of it and put the rubric
that has them in the question's `tests/rubric.toml` instead (the entrypoint prefers it;
PrairieLearn copies a question's `tests/` to `/grade/tests`).

## The question

`info.json` (merge into the question's own, with your image's name):

```json
{INFO_JSON.rstrip()}
```

`question.html`: the student uploads `process.hpp` and the `.cpp` files (or one `.zip` or
`.tar.gz` of the folder laid out as API.md says):

```html
<pl-question-panel>
  <pl-file-upload file-names="process.hpp" optional-file-patterns="*.cpp, *.hpp, *.zip">
  </pl-file-upload>
</pl-question-panel>
<pl-submission-panel>
  <pl-external-grader-results></pl-external-grader-results>
  <pl-file-preview></pl-file-preview>
</pl-submission-panel>
```

## What a grading gives

The entrypoint lays `/grade/student` out as API.md asks (as uploaded, in one enclosing
folder, or as loose files: `process.hpp` to `include/mp/`, other headers and `.cpp` files to
`src/`), runs `tools/mpspec grade` with the sanitizer run, and writes
`/grade/results/results.json`: the score as a fraction, the student's feedback.md (score,
most likely cause, sections) as the message, and a test per case: its id, its claim as the
description, its points, and for a failed case what was expected and observed and the
command that reproduces it. A hidden case is a test named "hidden case N" with nothing of
its claim. A submission that does not build is `gradable: false` with the compiler's errors
as the message, as PrairieLearn's own C grader has it: no score and no attempt used for a
typo. `MPSPEC_COMPILE_ERRORS=zero` in `environment` scores it 0 instead, as the local grade
does.

A fault of the grader (it exits 3, crashes or writes no results) is `gradable: false`:
PrairieLearn shows "invalid, not gradable", records no score and charges no attempt; the
grading job's log (course staff only) says why. So is a grading still running after
`MPSPEC_TIME_BUDGET` seconds (default {BUDGET}): keep it under the question's `timeout`
(at most 600), or PrairieLearn kills the job and tells the student to fix their code.
`MPSPEC_GRADE_ARGS` (e.g. `"--no-sanitize"`, about half the time) adds options to
`tools/mpspec grade`.

PrairieLearn's containers are not privileged: the grader then runs each case without its
PID namespace, cgroups or per-run mounts (a subreaper process and RLIMIT_NPROC instead; see
README.md, "The sandbox"), inside the container's own limits (2 GiB, 1024 processes).
"""


def main(argv):
    opts = gs.parse(argv, "prairielearn", __doc__, OUT, "image")
    written = gs.export("prairielearn", opts, write_context, "image", ROOT)
    if written is None:
        return 2
    out, files = written
    untracked = left_out(ROOT)
    if untracked:
        print(f"note: {len(untracked)} files git does not track are left out of the image "
              f"({', '.join(untracked[:5])}{', ...' if len(untracked) > 5 else ''}); if the "
              "grader needs one, git add it, or the image's build stops at its check")
    print(f"{out}: the image's Dockerfile, {len(files)} files of {ROOT} under "
          f"mpspec/source/, the rubric {opts.rubric}, info.json and README.md")
    print(f"Build it with `docker build -t {IMAGE} {out}` (or podman), push it, and "
          f"use {out / 'info.json'}'s options in the question's info.json.")
    return 0


def left_out(root):
    """Untracked files (not ignored) where the grader's sources live: a driver source not yet
    added to git builds locally but not in the image."""
    listed = gs.git(root, "ls-files", "--others", "--exclude-standard", "--", *SOURCE_DIRS)
    return listed.stdout.decode().split() if listed.returncode == 0 else []


def copy_sources(root, files, dest):
    """The tracked files into dest, each with its permissions (executable or not)."""
    for name in files:
        src, copy = Path(root) / name, dest / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, copy)
        os.chmod(copy, 0o755 if os.access(src, os.X_OK) else 0o644)


def put(path, text, mode=0o644):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)


def fill(context, root, files, rubric):
    """The build context's files, in the (empty) folder `context`."""
    home = context / "mpspec"
    copy_sources(root, files, home / "source")
    put(home / "rubric.toml", Path(rubric).read_text(encoding="utf-8"))
    put(home / "setup.sh", SETUP, 0o755)
    put(home / ENTRYPOINT, ENTRYPOINT_SOURCE.read_text(encoding="utf-8"), 0o755)
    put(context / "Dockerfile", DOCKERFILE)
    put(context / "info.json", INFO_JSON)
    put(context / "README.md", README)
    put(context / ".dockerignore", "**/__pycache__\n")
    put(context / MARK, "written by tools/mpspec export prairielearn; replaced by the next\n")


def write_context(out, root, files, rubric):
    """The build context written beside `out`, checked, then put in its place (a failed or
    interrupted export leaves the previous one as it was); returns out. A folder that is
    not an earlier export and not empty is refused, not replaced."""
    if out.exists() and not (out / MARK).exists() and (not out.is_dir() or any(out.iterdir())):
        raise gs.Refused(f"{out} exists and is not an export of mpspec's; choose another "
                         "--out or remove it")
    out.parent.mkdir(parents=True, exist_ok=True)
    # mkdtemp's 0700 is kept: the rubric names the hidden cases.
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        fill(tmp, root, files, rubric)
        check_sources(tmp / "mpspec" / "source", root)
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def check_sources(source, root):
    """Refused if the exported grader does not start (a tracked file importing one not yet
    added to git, a case edited into an error): every grading would be "not gradable", and
    the image's build would fail only once pushed to a builder."""
    for cmd in (*gs.CHECKS, IMPORT_CHECK):
        ran = subprocess.run([sys.executable, "-B", *cmd], cwd=source, capture_output=True,
                             text=True, check=False)
        if ran.returncode != 0:
            hint = left_out(root)
            raise gs.Refused(
                f"the exported grader does not start ({' '.join(cmd)} exits with "
                f"{ran.returncode}):\n{(ran.stderr or ran.stdout)[-2000:]}"
                + (f"\nfiles git does not track, left out of the export: {hint}; "
                   "git add those it needs" if hint else ""))
