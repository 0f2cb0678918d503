"""`tools/mpspec export gradescope`: the grader packed as a Gradescope autograder.

    tools/mpspec export gradescope [--out FILE.zip] [--rubric FILE]

The zip holds, at its root, what Gradescope runs: `setup.sh` (once, as root, when Gradescope
builds the autograder's image: the Debian packages, and the tree closed to every user but
root) and `run_autograder` (once per submission: it grades /autograder/submission with
`tools/mpspec grade` and writes /autograder/results/results.json); beside them `rubric.toml`
(the rubric the grading uses) and `mpspec/`, the checkout's tracked files as they are in its
working tree but the reference implementation and the samples (exports/sources.py), so what
you grade locally is what Gradescope grades, and a submission finds no solution to read. On Gradescope, choose the Ubuntu 24.04 base image:
the grader needs Python 3.11 or later (tomllib).
"""
import os
import shlex
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from ...checkout import ROOT
from ..sources import CHECKS, Refused, export, git, parse

OUT = Path("out") / "export" / "gradescope-autograder.zip"
SOURCES = "mpspec"  # the folder of the zip that holds the checkout's files
RUN_AUTOGRADER = Path(__file__).with_name("autograder.py")
# A fixed date for every entry: the same checkout and rubric give the same bytes, so a
# bundle can be compared with the one Gradescope has.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

SETUP = """\
#!/usr/bin/env bash
# mpspec's Gradescope autograder: the set-up. Gradescope runs this once, as root, in
# /autograder/source, when it builds the autograder's image.
#
# BASE IMAGE: choose Ubuntu 24.04 on the "Configure Autograder" page. The grader needs
# Python 3.11 or later (tomllib); Ubuntu 22.04's python3 is 3.10.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v python3 >/dev/null 2>&1; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3
fi
python3 - <<'EOF'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"mpspec: the grader needs Python 3.11 or later (tomllib), this image has "
             f"{{sys.version.split()[0]}}: choose the Ubuntu 24.04 base image")
EOF
# An unzip that drops the permission bits would leave the oracle's adapters (CPython's
# column in the feedback) unrunnable.
chmod 0755 run_autograder \\
{executables}
# tools/debian-packages.txt, installing only what is missing. MPSPEC_NO_APT=1 skips it (the
# export's own test, on a machine that must not be changed).
if [ "${{MPSPEC_NO_APT:-}}" != 1 ]; then
  python3 {sources}/tools/mpspec setup
fi
# The driver's objects that no submission changes, and the precompiled standard headers,
# into the image's shared caches: a grading then compiles only the submission's own files.
# Without them a grader still grades (its first grading fills them), so their failure does
# not fail the set-up; the message says why.
python3 {sources}/tools/mpspec grade --prepare || true
# The grader's tree (the cases, hidden ones among them, and the rubric) is root's alone: a
# submission builds and runs as a user of its own, which must read none of it. (The bundle
# holds no reference implementation and no sample: `tools/mpspec export` leaves them out.)
chmod -R go-rwx /autograder/source
"""


def main(argv):
    opts = parse(argv, "gradescope", __doc__, OUT, "bundle")
    written = export("gradescope", opts, write_bundle, "bundle", ROOT)
    if written is None:
        return 2
    out, files = written
    print(f"{out}: {len(files)} files of {ROOT} under {SOURCES}/, the rubric {opts.rubric}")
    print("Upload it on Gradescope's \"Configure Autograder\" page with the Ubuntu 24.04 base "
          "image (the grader needs Python 3.11 or later).")
    return 0



def executables(root, files):
    return [n for n in files if os.access(Path(root) / n, os.X_OK)]


def setup_script(root, files):
    paths = " \\\n".join(f"  {shlex.quote(f'{SOURCES}/{n}')}" for n in executables(root, files))
    return SETUP.format(executables=paths, sources=SOURCES)


def entry(name, mode):
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.external_attr = (0o100000 | mode) << 16  # a regular file with these permissions
    info.create_system = 3  # Unix: unzip then restores the permissions
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_bundle(out, root, files, rubric):
    """Writes the zip, once its grader is seen to start (through a temporary file beside
    it: a failed or interrupted export leaves no bundle); returns its path."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w") as z:
            z.writestr(entry("setup.sh", 0o755), setup_script(root, files))
            z.writestr(entry("run_autograder", 0o755), RUN_AUTOGRADER.read_bytes())
            z.writestr(entry("rubric.toml", 0o644), Path(rubric).read_bytes())
            for name in files:
                path = Path(root) / name
                mode = 0o755 if os.access(path, os.X_OK) else 0o644
                z.writestr(entry(f"{SOURCES}/{name}", mode), path.read_bytes())
        check_bundle(tmp, root)
        os.replace(tmp, out)  # mkstemp's mode 0600 kept: the rubric names the hidden cases
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out




def check_bundle(bundle, root):
    """Refused if the bundled grader does not start: a tracked file that imports a file not
    yet added to git, or a case edited into an error, would fail every submission on
    Gradescope, where only the instructor's log would say why."""
    with tempfile.TemporaryDirectory(prefix="mpspec-export-check-") as tmp:
        with zipfile.ZipFile(bundle) as z:
            z.extractall(tmp)
        for cmd in CHECKS:
            ran = subprocess.run([sys.executable, *cmd], cwd=Path(tmp) / SOURCES,
                                 capture_output=True, text=True, check=False)
            if ran.returncode != 0:
                untracked = git(root, "ls-files", "--others", "--exclude-standard", "--",
                                "tools", "spec", "conformance", "cmake", "reference")
                hint = untracked.stdout.decode().split()
                raise Refused(
                    f"the bundle's grader does not start ({' '.join(cmd)} exits with "
                    f"{ran.returncode}):\n{(ran.stderr or ran.stdout)[-2000:]}"
                    + (f"\nfiles git does not track, left out of the bundle: {hint}; "
                       "git add those it needs" if hint else ""))
