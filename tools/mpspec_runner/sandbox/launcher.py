"""The launcher: a reaper started once and forked for every run, instead of an interpreter
started anew for each case (its start and imports were about 50 ms of a case's 155).

    python3 -S launcher.py SOCKET_FD

Reads requests from the unix socket SOCKET_FD (a SOCK_SEQPACKET pair; the runner's end is
sessions.py): a JSON
object {"argv": the reaper's arguments, "cwd", "env", "namespaces": unshare(2) flags} and,
passed with it, the run's stdout and stderr. For each it forks a session leader that does
what `unshare --pid --fork --kill-child --mount-proc [--ipc] [--net]` did: enters fresh
namespaces, forks PID 1 of the new PID namespace, mounts its /proc and runs the reaper's
`main` there, then exits as PID 1 did. The launcher answers {"pid": the leader} at once and
{"status": its wait status} when it is gone, one run at a time; it exits when the socket
closes, and is killed with the thread that started it (PR_SET_PDEATHSIG).

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
MESSAGE_MOST = 1 << 16  # a request (a packet): the reaper's arguments and the run's environment

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result, what):
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def die_with_parent():
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PDEATHSIG)")


def exit_as(status):
    """Ends this process as the wait status `status` says its child ended (as unshare does)."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1)


def run(request):
    """The reaper's run in fresh namespaces; this process leads the run's session."""
    if request["namespaces"]:
        _check(_libc.unshare(request["namespaces"]), "unshare")
        pid = os.fork()
        if pid:
            _, status = os.waitpid(pid, 0)
            exit_as(status)
        die_with_parent()  # --kill-child: the runner kills the session's leader
        # --mount-proc: this namespace's own /proc, its mounts private to the run
        mount("none", "/", None, MS_REC | MS_PRIVATE, None)
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
    os.environ.clear()
    os.environ.update(request["env"])
    code = reaper.main(request["argv"])
    os._exit(code or 0)


def child(request, out, err):
    """The forked session leader: never returns."""
    try:
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
    while True:
        message, fds, _flags, _addr = socket.recv_fds(sock, MESSAGE_MOST, 2)
        if not message:
            return
        request = json.loads(message)
        pid = os.fork()
        if pid == 0:
            sock.close()
            child(request, *fds)
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
                       "--", "d"])
    # Out of the collector's sight: a forked reaper's collections would otherwise walk (and
    # so copy, page by page) every object the launcher imported.
    gc.freeze()
    serve(socket.socket(fileno=int(sys.argv[1])))
