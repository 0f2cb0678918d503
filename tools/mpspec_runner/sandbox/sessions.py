"""The processes of runs under way: each run is a session of its own that `stop_all_runs`
(Ctrl-C, SIGTERM) can end at once, and that is killed whole and reaped when it is done."""
import contextlib
import os
import signal
import subprocess
import threading

_live, _live_lock = set(), threading.Lock()
_stopping = threading.Event()


def stop_all_runs():
    """Kills every run under way (Ctrl-C, SIGTERM): each `play` then returns at once and
    releases its cgroups and folder. Later calls of `play` do not start a run."""
    _stopping.set()
    with _live_lock:
        for proc in list(_live):
            _kill_group(proc)


def _kill_group(proc):
    # The run is a session of its own: the reaper (and, in a namespace, all of the run: the
    # kernel kills a namespace whose PID 1 dies) goes with this.
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)


@contextlib.contextmanager
def session(cmd, **popen):
    """A child in a session of its own that `stop_all_runs` can end; when the block ends,
    the session is killed whole and the child reaped, whatever happened in it."""
    if _stopping.is_set():
        raise InterruptedError("the runner is stopping")
    proc = subprocess.Popen(cmd, start_new_session=True, stdin=subprocess.DEVNULL, **popen)
    with _live_lock:
        _live.add(proc)
    try:
        yield proc
    finally:
        with _live_lock:
            _live.discard(proc)
        _kill_group(proc)  # also what the child left in its session (a build's compilers)
        proc.wait()


def communicate(cmd, cwd, env, deadline):
    """(stdout, stderr, exit status, note) of the reaper's run; the reaper is gone afterwards."""
    note = ""
    with session(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                 stderr=subprocess.PIPE) as proc:
        try:
            out, err = proc.communicate(timeout=deadline)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            out, err = proc.communicate()
            note = "the runner had to kill the run (the reaper did not finish)"
    return out, err, proc.returncode, note
