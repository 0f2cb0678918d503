"""What the kernel saw of a run, gathered by the reaper (reaper.py), outside the submission.

The driver and the implementation under test share one process, so the implementation can
write anything into the trace, the output and the exit status. What it cannot forge is what
the kernel tells a tracer: with `--witness` the reaper traces the driver (PTRACE_TRACEME
before exec, then fork/vfork/clone/exec events, inherited by every descendant) and so learns
every process of the run, its parent, and how it ended. The judge checks the trace against
that (`judge/crosscheck.py`). A process that executes another program is stopped at once: no
implementation of API.md needs to, and running the harness's own adapters from a submission
is the forgery this catches. (The tracer, not a seccomp filter, watches exec: seccomp cannot
allow the driver's own execve and refuse the next one, and the tracer also yields the
process tree.)

A tracer only sees what stays traced, though: a clone(CLONE_UNTRACED) child escapes it (and
could exec unseen), and ptrace, process_vm_readv/writev, unshare, setns and namespace flags
reach past it. Those are the seccomp filter's (seccomp.py, installed with PTRACE_TRACEME): it
refuses them before they run and hands each to this tracer (PTRACE_EVENT_SECCOMP), which
stops the process and records the call. No implementation of API.md needs any of them.

Without `--witness` the same wait loop only reaps and records exit statuses.

This module runs inside the reaper, which imports it as a top-level module (no package)."""
import ctypes
import os
import signal

import seccomp

PTRACE_TRACEME, PTRACE_CONT = 0, 7
PTRACE_SETOPTIONS, PTRACE_GETEVENTMSG, PTRACE_GETSIGINFO = 0x4200, 0x4201, 0x4202
OPTIONS = (0x2 | 0x4 | 0x8 | 0x10  # TRACEFORK, TRACEVFORK, TRACECLONE, TRACEEXEC
           | 0x80  # TRACESECCOMP: the filter's SECCOMP_RET_TRACE stops come to us
           | 0x100000)  # EXITKILL: should the reaper die, the run dies with it
EVENT_FORK, EVENT_VFORK, EVENT_CLONE, EVENT_EXEC, EVENT_SECCOMP = 1, 2, 3, 4, 7
WALL = 0x40000000  # __WALL: threads and non-children (tracees) too

_libc = ctypes.CDLL(None, use_errno=True)
_libc.ptrace.restype = ctypes.c_long
_libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]


def ptrace(request, pid, addr=None, data=None):
    result = _libc.ptrace(request, pid, addr, data)
    if result == -1 and ctypes.get_errno():
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return result


def trace_me():
    """In the driver's child before exec: the reaper becomes its tracer."""
    ptrace(PTRACE_TRACEME, 0)


def event_message(pid):
    msg = ctypes.c_ulong()
    ptrace(PTRACE_GETEVENTMSG, pid, None, ctypes.addressof(msg))
    return msg.value


def is_group_stop(pid):
    """A stop that is not a signal's delivery (a group stop) has no siginfo."""
    info = ctypes.create_string_buffer(128)
    try:
        ptrace(PTRACE_GETSIGINFO, pid, None, ctypes.addressof(info))
    except OSError:
        return True
    return False


def tgid(pid):
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Tgid:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return pid


def resume(pid, sig=0):
    try:
        ptrace(PTRACE_CONT, pid, None, sig)
    except OSError:
        pass  # it died meanwhile (SIGKILL): its exit comes through waitpid


class Children:
    """Reaps every child of the reaper (the driver, and orphans that come to PID 1) and
    records their wait statuses; when the run is traced, also services the tracees' stops
    and records the process tree, any exec and any call the seccomp filter forbids (stops
    come only from tracees)."""

    def __init__(self):
        self.exits = {}  # pid -> wait status, of every process reaped or seen to end
        self.parents = {}  # pid -> parent pid (tracing only)
        self.threads = set()  # tids of threads (tracing only)
        self.exec = []  # (pid, program) of every exec the reaper stopped
        self.forbidden = []  # (pid, call) of every system call the filter handed to us
        self.driver, self._started = None, set()

    def collect(self):
        """Handles every pending wait event; returns at once when none is pending."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG | WALL)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if os.WIFSTOPPED(status):
                self._stopped(pid, status)
            else:
                self.exits[pid] = status

    def _stopped(self, pid, status):
        sig, event = os.WSTOPSIG(status), status >> 16
        if pid == self.driver and pid not in self._started:  # the driver's exec: now trace
            self._started.add(pid)
            ptrace(PTRACE_SETOPTIONS, pid, None, OPTIONS)
            return resume(pid)
        if event in (EVENT_FORK, EVENT_VFORK, EVENT_CLONE):
            child = event_message(pid)
            self.parents[child] = tgid(pid)
            if event == EVENT_CLONE and tgid(child) != child:
                self.threads.add(child)
            return resume(pid)
        if event == EVENT_EXEC:
            self.exec.append((pid, _program(pid)))
            return os.kill(pid, signal.SIGKILL)
        if event == EVENT_SECCOMP:  # the call has not run, nor will it: the process dies
            try:
                code = event_message(pid)
            except OSError:  # it died meanwhile
                code = None
            self.forbidden.append((tgid(pid), seccomp.describe(code)))  # a thread's process
            return os.kill(pid, signal.SIGKILL)
        if pid not in self._started and sig == signal.SIGSTOP:  # a new tracee's first stop
            self._started.add(pid)
            return resume(pid)
        return resume(pid, 0 if is_group_stop(pid) else sig)

    def report(self):
        """The kernel's view for the judge: {pid: {parent, status}} of every process."""
        parents = {pid: parent for pid, parent in self.parents.items() if pid not in self.threads}
        parents[self.driver] = None
        procs = {str(pid): {"parent": parent, "status": exit_status(self.exits.get(pid))}
                 for pid, parent in parents.items()}
        return {"driver": self.driver, "processes": procs,
                "exec": [{"pid": pid, "program": prog} for pid, prog in self.exec],
                "forbidden": [{"pid": pid, "call": call} for pid, call in self.forbidden]}


def exit_status(status):
    """A wait status as reports give it: the exit code, -SIGNAL, or None (none yet)."""
    if status is None:
        return None
    return (os.WEXITSTATUS(status) if os.WIFEXITED(status)
            else -os.WTERMSIG(status) if os.WIFSIGNALED(status) else None)


def _program(pid):
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return "?"
