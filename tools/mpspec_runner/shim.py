"""The reaper: the first process of a case's run (PID 1 of its namespace, or a subreaper).

    python3 shim.py REPORT.json TRACE_FILE TIMEOUT_S GRACE_S -- DRIVER ARGS...

Starts the driver in its own session, waits for it (at most TIMEOUT_S), notes when the
main program exited and which processes of the run still existed at that moment, gives
the rest GRACE_S to go away (reaping orphans as init does), kills whatever is left and
writes REPORT.json. stdout and stderr pass straight to the driver; TRACE_FILE is opened
for appending as the driver's fd 3.
"""
import ctypes
import json
import os
import select
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def processes():
    """Every process of the run but this one: {pid: (ppid, state, comm)}."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        table[int(entry)] = (int(fields[1]), fields[0], comm)
    me = os.getpid()
    below, frontier = {}, [me]
    while frontier:  # descendants of this process only (the fallback shares /proc with the host)
        parent = frontier.pop()
        for pid, info in table.items():
            if info[0] == parent and pid not in below and pid != me:
                below[pid] = info
                frontier.append(pid)
    return below


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def describe(table):
    return [{"pid": pid, "ppid": info[0], "state": info[1], "comm": info[2], "cmd": cmdline(pid)}
            for pid, info in sorted(table.items())]


def reap_all():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def wait_exit(proc, deadline):
    """Wait for the driver to exit; returns its wait status or None on timeout."""
    try:
        fd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        fd = None
    while True:
        pid, status = os.waitpid(proc.pid, os.WNOHANG)
        if pid:
            return status
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        if fd is not None:
            select.select([fd], [], [], left)
        else:
            time.sleep(min(left, 0.002))


def main(argv):
    report_path, trace_path, timeout, grace = argv[0], argv[1], float(argv[2]), float(argv[3])
    fd = os.open(trace_path, os.O_WRONLY | os.O_APPEND)
    if fd != 3:
        os.dup2(fd, 3)
        os.close(fd)
    driver = argv[argv.index("--") + 1:]
    if os.getpid() != 1:  # no PID namespace: become a subreaper so orphans still come to us
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    signal.signal(signal.SIGTERM, lambda *_: None)  # the runner stops us with SIGKILL only
    report = {"namespace": os.getpid() == 1}
    report["launch"] = time.monotonic()
    try:
        proc = subprocess.Popen(driver, stdin=subprocess.DEVNULL, pass_fds=(3,),
                                start_new_session=True)
    except OSError as e:
        report["spawn_error"] = str(e)
        report["exit"] = time.monotonic()
        with open(report_path, "w", encoding="utf-8") as f:
            json.dump(report, f)
        return 0
    status = wait_exit(proc, report["launch"] + timeout)
    report["exit"] = time.monotonic()
    if status is None:
        report["timed_out"] = True
        report["at_exit"] = describe(processes())
        for pid in list(processes()) + [proc.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        status = wait_exit(proc, time.monotonic() + 5) or 0
    report["status"] = (os.WEXITSTATUS(status) if os.WIFEXITED(status)
                        else -os.WTERMSIG(status) if os.WIFSIGNALED(status) else None)
    if "at_exit" not in report:
        report["at_exit"] = describe(processes())
    end = time.monotonic() + grace
    while True:
        reap_all()
        left = processes()
        if not left or time.monotonic() >= end:
            break
        time.sleep(0.01)
    report["leaked"] = describe(left)
    report["leak_check"] = time.monotonic()
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    kill_end = time.monotonic() + 5
    while processes() and time.monotonic() < kill_end:
        reap_all()
        time.sleep(0.01)
    with open(report_path, "w", encoding="utf-8") as f:
        json.dump(report, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
