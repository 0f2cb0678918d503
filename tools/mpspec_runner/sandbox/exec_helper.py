"""The driver's last step before exec, compiled (exec_driver.c): where it is, built on first
use.

The reaper starts the driver through it when it is given one (`--exec-helper`), with
posix_spawn, instead of running Python in a forked child before exec; without one (no C
compiler on the machine, or MPSPEC_EXEC_HELPER=off) the reaper does the same steps in
Python, as it always did. Built once per source and compiler into the checkout's build/
folder (the harness keeps its bytecode there too), which the run's private /tmp never hides.

It runs as root before the switch to a grading's user: it is used only if this process's
user owns it and its folder and no one else may write either."""
import functools
import hashlib
import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

from ..checkout import ROOT

SOURCE = Path(__file__).with_name("exec_driver.c")
FOLDER = ROOT / "build" / "exec-helper"


def path():
    """The helper's path, built if need be, or None (then the reaper uses Python)."""
    if os.environ.get("MPSPEC_EXEC_HELPER") == "off":
        return None
    return _build()


def _trusted(p):
    """Owned by us and writable by no one else."""
    try:
        st = os.lstat(p)
    except OSError:
        return False
    return st.st_uid == os.geteuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


@functools.cache  # once per process: a stat of the folder and file, or a compile
def _build():
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        return None
    digest = hashlib.sha256(SOURCE.read_bytes() + os.path.realpath(cc).encode()).hexdigest()
    target = FOLDER / f"exec_driver-{digest[:16]}"
    try:
        FOLDER.mkdir(mode=0o755, parents=True, exist_ok=True)
    except OSError:
        return None
    if not _trusted(FOLDER):
        return None
    if _trusted(target) and os.access(target, os.X_OK):
        return target
    # Built beside its final name and renamed: runners started at once each build their own
    # copy, and none ever executes a half-written file.
    fd, partial = tempfile.mkstemp(prefix=".exec_driver-", dir=FOLDER)
    os.close(fd)
    try:
        for static in (["-static"], []):  # a static program execs faster; libc.a may be absent
            built = subprocess.run([cc, "-O2", *static, "-o", partial, str(SOURCE)],
                                   capture_output=True, check=False)
            if built.returncode == 0:
                os.chmod(partial, 0o755)
                os.replace(partial, target)
                return target
        return None
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
