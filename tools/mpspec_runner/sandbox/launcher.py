"""The launcher: a reaper started once and forked for every run, instead of an interpreter
started anew for each case (its start and imports were about 50 ms of a case's 155).

    python3 -S launcher.py SOCKET_FD

Reads requests from the unix socket SOCKET_FD (a SOCK_SEQPACKET pair; the runner's end is
sessions.py): a JSON
object {"argv": the reaper's arguments, "cwd", "env", "namespaces": unshare(2) flags} and,
passed with it, the run's stdout and stderr. For each it does what `unshare --pid --fork
--kill-child --mount-proc [--ipc] [--net]` did, in one fork: the child is PID 1 of a fresh
PID namespace (the launcher asks for one for its next child), leads a session of its own,
enters fresh mount, IPC and network namespaces, mounts its /proc and runs the reaper's `main`
there. The launcher answers {"pid": that child} at once and {"status": its wait status} when
it is gone, one run at a time; it exits when the socket closes, and is killed with the thread
that started it (PR_SET_PDEATHSIG), its run with it.

It stays single-threaded and does nothing between runs, so each fork starts from the same
clean state a fresh interpreter had. Like the reaper, it runs as a script (no package)."""
import ctypes
import gc
import json
import os
import signal
import socket
import sys

import reaper  # imported here once, so that no run pays for it
from reaper import MS_NODEV, MS_NOSUID, mount

PR_SET_PDEATHSIG = 1
MS_NOEXEC, MS_REC, MS_PRIVATE = 0x8, 0x4000, 0x40000
CLONE_NEWPID = 0x20000000
MESSAGE_MOST = 1 << 16  # a request (a packet): the reaper's arguments and the run's environment

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result, what):
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def die_with_parent():
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PDEATHSIG)")


def next_child_in_new_pid_namespace(own):
    """Makes the launcher's next child PID 1 of a fresh PID namespace. unshare(2) refuses a
    second CLONE_NEWPID while the children's namespace is not the launcher's own (the last
    run's), so that is set back first (`own`: the launcher's /proc/self/ns/pid). A session
    leader forked to unshare and fork again cost each run a third interpreter's fork."""
    _check(_libc.setns(own, CLONE_NEWPID), "setns(CLONE_NEWPID)")
    _check(_libc.unshare(CLONE_NEWPID), "unshare(CLONE_NEWPID)")


def run(request):
    """The reaper's run, in fresh namespaces where asked (this process is then PID 1 of its
    PID namespace already)."""
    others = request["namespaces"] & ~CLONE_NEWPID
    if others:
        _check(_libc.unshare(others), "unshare")
        # --mount-proc: this namespace's own /proc, its mounts private to the run
        mount("none", "/", None, MS_REC | MS_PRIVATE, None)
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
    os.environ.clear()
    os.environ.update(request["env"])
    code = reaper.main(request["argv"])
    os._exit(code or 0)


def child(request, out, err, refused):
    """The forked run, leader of its session: never returns. `refused`: why it could not
    have a PID namespace of its own (said on its stderr), or None."""
    try:
        if refused is not None:
            os.dup2(err, 2)
            raise refused
        die_with_parent()  # --kill-child: the runner (or the launcher's end) ends the run
        os.setsid()
        null = os.open(os.devnull, os.O_RDONLY)
        for fd, to in ((null, 0), (out, 1), (err, 2)):
            os.dup2(fd, to)
        for fd in (null, out, err):
            if fd > 2:
                os.close(fd)
        os.chdir(request["cwd"])
        run(request)
    except BaseException as e:  # noqa: BLE001 - said on the run's stderr; no report follows
        os.write(2, f"launcher: {type(e).__name__}: {e}\n".encode())
    os._exit(127)


def serve(sock):
    own_pid_namespace = None
    while True:
        message, fds, _flags, _addr = socket.recv_fds(sock, MESSAGE_MOST, 2)
        if not message:
            return
        request, refused = json.loads(message), None
        if request["namespaces"] & CLONE_NEWPID:
            try:
                if own_pid_namespace is None:
                    own_pid_namespace = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
                next_child_in_new_pid_namespace(own_pid_namespace)
            except OSError as e:
                refused = e
        pid = os.fork()
        if pid == 0:
            sock.close()
            if own_pid_namespace is not None:  # the machine's namespace: not the run's to hold
                os.close(own_pid_namespace)
            child(request, *fds, refused)
        for fd in fds:
            os.close(fd)
        sock.send(json.dumps({"pid": pid}).encode())
        _, status = os.waitpid(pid, 0)
        sock.send(json.dumps({"status": status}).encode())


if __name__ == "__main__":
    die_with_parent()
    # argparse compiles its patterns on first use: once here, not in every forked reaper.
    reaper.parse_args(["r", "t", "1", "1", "--output-cap", "1", "--cgroup", "c", "--join-cgroup",
                       "j", "--user", "1", "--private-tmp", "k", "--witness", "--program", "p",
                       "--exec-helper", "h", "--", "d"])
    # Out of the collector's sight: a forked reaper's collections would otherwise walk (and
    # so copy, page by page) every object the launcher imported.
    gc.freeze()
    serve(socket.socket(fileno=int(sys.argv[1])))
