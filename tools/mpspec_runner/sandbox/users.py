"""A user id of its own for each grading under way, so that two gradings (`-P 2`, or two
graders on one machine) cannot read, write or signal each other's files and processes.

The ids come from a range no account uses (MPSPEC_UID_BASE, 64 of them). A grading leases
one for as long as it builds and runs; the lease is an flock on a file in a root-only
folder, so it is exclusive across processes and is given back by the kernel even if the
grader dies. When a lease ends, every process still running as that id is killed and every
IPC object and shared file it owns is removed (leftovers.py): nothing a submission started (a
build's compilers, a run's double-forked orphan) or left (a segment, a file in /var/tmp)
outlives its grading."""
import contextlib
import fcntl
import os
import pwd
import stat
import subprocess
import tempfile
from pathlib import Path

from . import leftovers

BASE = int(os.environ.get("MPSPEC_UID_BASE", "1600000000"))
COUNT = 64
LOCKS = Path(os.environ.get("MPSPEC_UID_LOCKS", "/run/lock/mpspec-uids"))


def unused(uid):
    """No account has this id (a machine may have given part of the range away)."""
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return True
    return False


def lock_folder():
    """The root-only folder of the lease files; refused if another user owns it or can
    write it (a planted folder could hand two gradings one id)."""
    folder = LOCKS if LOCKS.parent.is_dir() else Path(tempfile.gettempdir()) / LOCKS.name
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o077:
        raise RuntimeError(f"{folder} must be a folder only root can use")
    return folder


@contextlib.contextmanager
def lease():
    """A user id no other grading holds, or None when the grader is not root (it cannot
    switch users; the runs then stay as they are)."""
    if os.geteuid() != 0:
        yield None
        return
    folder = lock_folder()
    for uid in (u for u in range(BASE, BASE + COUNT) if unused(u)):
        fd = os.open(folder / str(uid), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            kill_all_of(uid)  # a grader that died may have left some
            leftovers.remove_all_of(uid)
            yield uid
        finally:
            kill_all_of(uid)
            leftovers.remove_all_of(uid)
            os.close(fd)  # the lock goes with it
        return
    raise RuntimeError(f"all {COUNT} grading user ids from {BASE} are in use")


def kill_all_of(uid):
    """SIGKILLs every process running as `uid`: `kill -1` (the shell's own, as that user) is one
    kill(-1), which the kernel delivers to all of them at once (a fork loop cannot outrun
    it, and a process that left its session or group is reached too)."""
    subprocess.run(["/bin/sh", "-c", "kill -9 -1"], user=uid, group=uid, extra_groups=[],
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
