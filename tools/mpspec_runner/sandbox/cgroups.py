"""A run's cgroups: a pids cgroup (a fork bomb meets pids.max), a cpu cgroup (the run weighs
as one process) and a memory cgroup, each made for the run and removed with it."""
import contextlib
import os
import signal
import time
from pathlib import Path

_cgroup_seq = iter(range(1 << 62))


def cgroup_root(controller):
    """A directory where cgroups of `controller` can be made (cgroup v1 or v2), or None."""
    for root in (Path("/sys/fs/cgroup") / controller, Path("/sys/fs/cgroup")):
        if (root / "cgroup.procs").exists() and os.access(root, os.W_OK):
            if root.name == controller or controller in _read(root / "cgroup.subtree_control").split():
                return root
    return None


def _read(path):
    try:
        return path.read_text(encoding="ascii")
    except OSError:
        return ""


def make_cgroup(controller, setting=None, user=None):
    """A fresh cgroup of `controller` with `setting` (file, value) written, or None. With
    `user`, that user may move its own processes into it."""
    root = cgroup_root(controller)
    if root is None:
        return None
    path = _new_folder(root)
    if path is None:
        return None
    try:
        if setting:
            (path / setting[0]).write_text(str(setting[1]), encoding="ascii")
        if user is not None:
            os.chown(path / "cgroup.procs", user, -1)
    except OSError:
        remove_cgroup(path)
        return None
    return path


def _new_folder(root):
    """A cgroup folder made under `root` with a name no other has, or None."""
    for _ in range(100):
        path = root / f"mpspec-{os.getpid()}-{next(_cgroup_seq)}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            # Left by an earlier process with this pid (its bomb outlasted remove_cgroup):
            # not ours to use, nor to remove while it may hold that run's processes.
            continue
        except OSError:
            return None
    return None


def remove_cgroup(path):
    """Kills what is left in the cgroup (a run outside a namespace), then removes it. (The
    reaper itself reads pids.events to tell a fork bomb.)"""
    for _ in range(250):  # up to 5 s: a fork bomb's last processes take a while to go
        for pid in [int(p) for p in _read(path / "cgroup.procs").split()]:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        try:
            path.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)


@contextlib.contextmanager
def run_cgroups(sandbox, user):
    """The reaper's cgroup options for one run; the cgroups are gone when the block ends."""
    made, options = [], []
    try:
        pids = make_cgroup("pids", ("pids.max", sandbox.pids_max))
        if pids is not None:
            made.append(pids)
            options += ["--cgroup", str(pids)]
        # A cpu cgroup of its own makes the whole run weigh as one process in the scheduler:
        # a fork bomb's hundreds of spinning processes cannot starve the reaper or the machine.
        cpu = make_cgroup("cpu", user=user)
        memory = make_cgroup("memory", (memory_limit_file("memory"), sandbox.memory_max),
                             user=user)
        for path in (p for p in (cpu, memory) if p is not None):
            made.append(path)
            options += ["--join-cgroup", str(path)]
        yield options, memory
    finally:
        for path in made:
            remove_cgroup(path)


def memory_limit_file(controller):
    """cgroup v1 and v2 name the memory limit differently."""
    root = cgroup_root(controller)
    return "memory.max" if root is not None and root.name != controller else \
        "memory.limit_in_bytes"


def oom_killed(memory):
    """True once the kernel killed a process of the memory cgroup for its limit."""
    if memory is None:
        return False
    for name in ("memory.events", "memory.oom_control"):  # v2, v1
        for line in _read(memory / name).splitlines():
            key, _, count = line.partition(" ")
            if key == "oom_kill" and count.strip() not in ("", "0"):
                return True
    return False
