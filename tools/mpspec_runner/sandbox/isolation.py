"""How a run is kept apart from the machine and from other runs: PID, mount and network
namespaces where the machine allows, else a subreaper."""
import os
import shutil
import subprocess

_isolation = None
# A run's own PID namespace (its reaper is PID 1), mount namespace (its /tmp and /proc), IPC
# namespace (its SysV segments, queues and semaphores and its POSIX message queues: none
# outlives the run, and no later run, a hidden case's say, can read what one left) and
# network namespace: two cases at once cannot meet on an abstract unix socket, which some
# libraries name by pid (and every run's driver has the same pid in its own namespace).
NAMESPACES = ["--pid", "--fork", "--kill-child", "--mount-proc", "--ipc", "--net"]


def isolation():
    """'namespace' (unshare: PID 1 of fresh PID, mount and network namespaces), 'namespace
    without network' where a network namespace is refused, or 'subreaper'."""
    global _isolation
    if _isolation is None:
        forced = os.environ.get("MPSPEC_ISOLATION")
        if forced:
            _isolation = forced
        elif _unshare_works(NAMESPACES):
            _isolation = "namespace"
        elif _unshare_works(NAMESPACES[:-1]):
            _isolation = "namespace without network"
        else:
            _isolation = "subreaper"
    return _isolation


def _unshare_works(flags):
    unshare = shutil.which("unshare")
    return bool(unshare) and subprocess.run(
        [unshare, *flags, "true"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        check=False).returncode == 0


# unshare(2) flags
CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWPID, CLONE_NEWNET = 0x20000, 0x8000000, 0x20000000, 0x40000000


def namespace_flags():
    """The unshare(2) flags of a run (launcher.py): what NAMESPACES asks of unshare(1)."""
    if not isolation().startswith("namespace"):
        return 0
    flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC
    return flags | CLONE_NEWNET if isolation() == "namespace" else flags
