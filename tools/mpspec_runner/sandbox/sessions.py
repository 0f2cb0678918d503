"""The processes of runs under way: each run is a session of its own that `stop_all_runs`
(Ctrl-C, SIGTERM) can end at once, and that is killed whole and reaped when it is done.

A case's run is forked by a launcher (launcher.py), one per runner thread, instead of
started as a new interpreter: `launch` sends it the reaper's arguments and the run's
stdout and stderr, and reads back the run's leader and, once it is gone, its wait status."""
import contextlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from .environment import clean_env

LAUNCHER = Path(__file__).resolve().parent / "launcher.py"
_live, _live_lock = set(), threading.Lock()  # pids of the sessions' leaders
_stopping = threading.Event()
_launchers = threading.local()


def stop_all_runs():
    """Kills every run under way (Ctrl-C, SIGTERM): each `play` then returns at once and
    releases its cgroups and folder. Later calls of `play` do not start a run."""
    _stopping.set()
    with _live_lock:
        for pid in list(_live):
            _kill_group(pid)


def _kill_group(pid):
    # The run is a session of its own: the reaper (and, in a namespace, all of the run: the
    # kernel kills a namespace whose PID 1 dies) goes with this.
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)


@contextlib.contextmanager
def _tracked(pid):
    with _live_lock:
        _live.add(pid)
    try:
        yield
    finally:
        with _live_lock:
            _live.discard(pid)
        _kill_group(pid)


@contextlib.contextmanager
def session(cmd, **popen):
    """A child in a session of its own that `stop_all_runs` can end; when the block ends,
    the session is killed whole and the child reaped, whatever happened in it."""
    if _stopping.is_set():
        raise InterruptedError("the runner is stopping")
    proc = subprocess.Popen(cmd, start_new_session=True, stdin=subprocess.DEVNULL, **popen)
    try:
        with _tracked(proc.pid):  # killed whole: also what it left (a build's compilers)
            yield proc
    finally:
        proc.wait()


class Launcher:
    """This thread's launcher process and its end of the socket."""

    def __init__(self):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # -S: the launcher is standard library only (as the reaper it imports)
        # Its own output goes nowhere: it says nothing, and a runner's reader waiting for the
        # end of the runner's output must not wait for a launcher too.
        self.proc = subprocess.Popen([sys.executable, "-S", str(LAUNCHER), str(theirs.fileno())],
                                     pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     env=clean_env(), start_new_session=True)
        theirs.close()
        self.sock = ours

    def receive(self):
        message = self.sock.recv(4096)
        if not message:
            raise RuntimeError(f"the launcher ended (exit {self.proc.poll()})")
        return json.loads(message)

    def __del__(self):  # the thread has ended: the launcher reads the end of its socket
        self.sock.close()
        with contextlib.suppress(Exception):
            self.proc.wait(timeout=5)


def launcher():
    if getattr(_launchers, "current", None) is None or _launchers.current.proc.poll() is not None:
        _launchers.current = Launcher()
    return _launchers.current


def launch(argv, namespaces, cwd, env, deadline):
    """(stdout, stderr, exit status, note) of the reaper's run (`argv`: its arguments) in
    fresh namespaces (`namespaces`: unshare(2) flags, 0 for none); the run is gone afterwards."""
    if _stopping.is_set():
        raise InterruptedError("the runner is stopping")
    (out_r, out_w), (err_r, err_w) = os.pipe(), os.pipe()
    try:
        owner = launcher()
        request = json.dumps({"argv": argv, "namespaces": namespaces, "cwd": str(cwd),
                              "env": env}).encode()
        socket.send_fds(owner.sock, [request], [out_w, err_w])
    finally:
        os.close(out_w)
        os.close(err_w)
    with open(out_r, "rb") as out, open(err_r, "rb") as err:
        pid = owner.receive()["pid"]
        with _tracked(pid):
            chunks, note = _read_until_closed(out, err, pid, deadline)
            status = owner.receive()["status"]
    return bytes(chunks[out]), bytes(chunks[err]), os.waitstatus_to_exitcode(status), note


def _read_until_closed(out, err, pid, deadline):
    """Everything written to the run's stdout and stderr until both close; past `deadline`
    seconds the run is killed (the reaper did not finish) and the rest read."""
    chunks, note = {out: bytearray(), err: bytearray()}, ""
    end = time.monotonic() + deadline
    with selectors.DefaultSelector() as sel:
        for f in (out, err):
            sel.register(f, selectors.EVENT_READ)
        while sel.get_map():
            left = end - time.monotonic()
            if left <= 0 and not note:
                _kill_group(pid)
                note = "the runner had to kill the run (the reaper did not finish)"
            for key, _ in sel.select(max(left, 0) if not note else None):
                data = os.read(key.fd, 65536)
                if data:
                    chunks[key.fileobj] += data
                else:
                    sel.unregister(key.fileobj)
    return chunks, note
