"""The grader's own folders: private to root, and a driver staged where the grading's user
(and no other) may run it."""
import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from .workspace import readable_by

# A submission's driver runs from a folder named so: its processes can be told by it.
DRIVER_PREFIX = "mpspec-driver-"


def private_folder(path, mode=0o700):
    """A folder no grading's user can read: a submission's build or run must not read
    another student's sources or feedback (the build root and the output may lie inside the
    checkout, which every run sees)."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, mode)
    return path


@contextlib.contextmanager
def staged(driver, name, uid):
    """A copy of the driver that the grading's user (and no other) may run, with nothing of
    the build beside it: the checkout may lie in a folder only root can enter (a home, a
    mktemp -d)."""
    folder = Path(tempfile.mkdtemp(prefix=f"{DRIVER_PREFIX}{name}-"))
    try:
        copy = folder / "mpspec_driver"
        shutil.copyfile(driver, copy)
        readable_by(folder, uid)
        os.chmod(copy, 0o755)
        yield copy
    finally:
        shutil.rmtree(folder, ignore_errors=True)
