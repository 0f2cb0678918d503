"""What the kernel saw of a run, gathered by the reaper (reaper.py), outside the submission.

The driver and the implementation under test share one process, so the implementation can
write anything into the trace, the output and the exit status. What it cannot forge is what
the kernel tells a tracer: with `--witness` the reaper traces the driver (PTRACE_TRACEME
before exec, then fork/vfork/clone/exec/exit events, inherited by every descendant) and so
learns every process of the run, its parent, when it was created, when it began to exit,
how it ended, and (through the seccomp filter, seccomp.py) every byte it wrote to stdout or
stderr. The judge checks what the library says against that (judge/crosscheck.py,
judge/kernel.py).

The times are the reaper's CLOCK_MONOTONIC, the clock of the trace's events, read while the
process in question is stopped, so that each is on the right side of what the process could
see: `born` is read while the parent is stopped in fork() (before start() can return),
`ending` while the process is stopped at the start of its exit (before anyone can see it
end), `ended` once the kernel has reported it gone (after it could be seen to end).

A process may execute no other program than the run's own: the one the reaper was told
(`program`, the grader's driver) or, for the project's own adapters, the one the driver runs
when it first creates a process (a shell script may exec its interpreter first). A spawned
child is that same program run anew; running the harness's own adapters from a submission
is the forgery this catches. (The tracer, not a seccomp filter, watches exec: seccomp cannot
tell one program from another, and the tracer also yields the process tree.)

A tracer only sees what stays traced, though: a clone(CLONE_UNTRACED) child escapes it (and
could exec unseen), and ptrace, process_vm_readv/writev, unshare, setns and namespace flags
reach past it. Those are the seccomp filter's (seccomp.py, installed with PTRACE_TRACEME): it
refuses them before they run and hands each to this tracer (PTRACE_EVENT_SECCOMP), which
stops the process and records the call. No implementation of API.md needs any of them.

Without `--witness` the same wait loop only reaps and records exit statuses.

This module runs inside the reaper, which imports it as a top-level module (no package)."""
import base64
import ctypes
import os
import signal
import struct
import time

import seccomp

PTRACE_TRACEME, PTRACE_CONT, PTRACE_SYSCALL = 0, 7, 24
PTRACE_SETOPTIONS, PTRACE_GETEVENTMSG, PTRACE_GETSIGINFO = 0x4200, 0x4201, 0x4202
PTRACE_GETREGSET, NT_PRSTATUS = 0x4204, 1
OPTIONS = (0x1  # TRACESYSGOOD: a system call's stop is SIGTRAP | 0x80
           | 0x2 | 0x4 | 0x8 | 0x10  # TRACEFORK, TRACEVFORK, TRACECLONE, TRACEEXEC
           | 0x40  # TRACEEXIT: a stop as each process begins to exit
           | 0x80  # TRACESECCOMP: the filter's SECCOMP_RET_TRACE stops come to us
           | 0x100000)  # EXITKILL: should the reaper die, the run dies with it
EVENT_FORK, EVENT_VFORK, EVENT_CLONE, EVENT_EXEC, EVENT_EXIT, EVENT_SECCOMP = 1, 2, 3, 4, 6, 7
SYSCALL_STOP = signal.SIGTRAP | 0x80
WALL = 0x40000000  # __WALL: threads and non-children (tracees) too
# machine -> (words of its NT_PRSTATUS registers, the words of a call's first three
# arguments, the word of its return value)
REGISTERS = {"x86_64": (27, (14, 13, 12), 10), "aarch64": (34, (0, 1, 2), 0)}
# machine -> (the word that holds a system call's number at its entry, close()'s number)
CALL_NUMBER = {"x86_64": (15, 3), "aarch64": (8, 57)}
IOV_MAX = 1024  # iovecs of one writev
MACHINE = seccomp.MACHINE

_libc = ctypes.CDLL(None, use_errno=True)
_libc.ptrace.restype = ctypes.c_long
_libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]


class IOVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


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


def resume(pid, sig=0, request=PTRACE_CONT):
    try:
        ptrace(request, pid, None, sig)
    except OSError:
        pass  # it died meanwhile (SIGKILL): its exit comes through waitpid


def registers(pid):
    """The stopped thread's general registers (NT_PRSTATUS), as unsigned words."""
    words = REGISTERS[MACHINE][0]
    regs = (ctypes.c_uint64 * words)()
    iov = IOVec(ctypes.addressof(regs), ctypes.sizeof(regs))
    ptrace(PTRACE_GETREGSET, pid, NT_PRSTATUS, ctypes.addressof(iov))
    return list(regs)


def call_arguments(pid):
    """The first three arguments of the system call the thread is stopped in."""
    regs = registers(pid)
    return [regs[i] for i in REGISTERS[MACHINE][1]]


def call_result(pid):
    """The return value of the system call the thread is stopped after (negative: -errno)."""
    value = registers(pid)[REGISTERS[MACHINE][2]]
    return value - (1 << 64) if value >= 1 << 63 else value


def read_memory(pid, address, size):
    """`size` bytes of the process's memory at `address` (fewer where it ends); b"" if it
    cannot be read."""
    if size <= 0:
        return b""
    try:
        fd = os.open(f"/proc/{pid}/mem", os.O_RDONLY)
    except OSError:
        return b""
    try:
        return os.pread(fd, size, address)
    except (OSError, OverflowError, ValueError):
        return b""
    finally:
        os.close(fd)


def written(pid, code, most):
    """(descriptor, the bytes a write or writev the thread is stopped in would write, at most
    `most` of them)."""
    fd, address, count = call_arguments(pid)
    if code == seccomp.WRITE:
        return fd & 0xffffffff, read_memory(pid, address, min(count, most))
    vectors = read_memory(pid, address, 16 * min(count, IOV_MAX))
    data = b""
    for base, size in struct.iter_unpack("<QQ", vectors[:len(vectors) // 16 * 16]):
        data += read_memory(pid, base, min(size, most - len(data)))
        if len(data) >= most:
            break
    return fd & 0xffffffff, data


class Children:
    """Reaps every child of the reaper (the driver, and orphans that come to PID 1) and
    records their wait statuses; when the run is traced, also services the tracees' stops
    and records the process tree, when each process was born, began to exit and was gone,
    what each wrote to stdout and stderr, any exec of another program and any call the
    seccomp filter forbids (stops come only from tracees). `program`: the only program a
    process may execute (None: the one the driver runs when it first creates a process);
    `most`: how many bytes of output to record in all."""

    def __init__(self, program=None, most=1 << 20):
        self.exits = {}  # pid -> wait status, of every process reaped or seen to end
        self.parents = {}  # pid -> parent pid (tracing only)
        self.born, self.ending, self.ended = {}, {}, {}  # pid -> CLOCK_MONOTONIC seconds
        self.threads = set()  # tids of threads (tracing only)
        self.exec = []  # (pid, program) of every exec the reaper stopped
        self.forbidden = []  # (pid, call) of every system call the filter handed to us
        self.writes = []  # (pid, fd, bytes, when) of every write to stdout or stderr, in order
        self.pending = {}  # tid -> (fd, bytes) of a write under way
        self.program = identity(program) if program else None
        self.locked, self.left = program is not None, most
        self.driver, self._started = None, set()
        # Processes seen executing a program that made no clone since (a thread, or a
        # process that may share their descriptors, could write through a duplicate). Only
        # what the tracer saw counts: a new thread can run before its creator's clone stop
        # is handled, but it has executed nothing.
        self.unshared = set()
        self.probes = {}  # tid -> (seccomp code, the duplicate or None before it exists)

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
                self._gone(pid, status)

    def _gone(self, pid, status):
        self.exits[pid] = status
        self.probes.pop(pid, None)
        self.unshared.discard(pid)  # (its pid may come back as a thread's)
        self.ended.setdefault(pid, time.monotonic())
        if pid in self.pending:  # killed in the middle of a write: what it may have written
            self._record(pid, *self.pending.pop(pid))

    def _stopped(self, pid, status):
        sig, event = os.WSTOPSIG(status), status >> 16
        if pid == self.driver and pid not in self._started:  # the driver's exec: now trace
            self._started.add(pid)
            self.unshared.add(pid)
            ptrace(PTRACE_SETOPTIONS, pid, None, OPTIONS)
            return resume(pid)
        if event in (EVENT_FORK, EVENT_VFORK, EVENT_CLONE):
            return self._created(pid, event)
        if event == EVENT_EXIT:
            if pid not in self.threads:
                self.ending.setdefault(pid, time.monotonic())
            return resume(pid)
        if event == EVENT_EXEC:
            return self._executed(pid)
        if event == EVENT_SECCOMP:
            return self._filtered(pid)
        if sig == SYSCALL_STOP and pid in self.probes:
            return self._probe(pid)
        if sig == SYSCALL_STOP:  # after a write the filter handed us: how much it wrote
            if pid in self.pending:
                fd, data = self.pending.pop(pid)
                self._record(pid, fd, data[:max(0, call_result(pid))])
            return resume(pid)
        if pid not in self._started and sig == signal.SIGSTOP:  # a new tracee's first stop
            self._started.add(pid)
            return resume(pid)
        # (a probed thread stays stepped from call to call, whatever stops it meanwhile)
        return resume(pid, 0 if is_group_stop(pid) else sig,
                      request=PTRACE_SYSCALL if pid in self.probes else PTRACE_CONT)

    def _created(self, pid, event):
        try:
            child = event_message(pid)
        except OSError:  # killed in its stop (another thread's exit_group): nothing to resume
            return None
        self.born[child] = time.monotonic()  # the parent is still stopped in fork()
        self.parents[child] = tgid(pid)
        if event == EVENT_CLONE:  # (a fork or vfork copies the descriptor table)
            self.unshared.difference_update((tgid(pid), child))
        if event == EVENT_CLONE and tgid(child) != child:
            self.threads.add(child)
        elif self.program is None:  # the run's program: what creates its first process
            self.program = identity(f"/proc/{pid}/exe")
        return resume(pid)

    def _executed(self, pid):
        if self.program is not None and identity(f"/proc/{pid}/exe") == self.program:
            self.alone(pid)
            return resume(pid)  # the run's own program, anew (spawn)
        if self.program is None and pid == self.driver and not self.locked:
            self.alone(pid)
            return resume(pid)  # an adapter's launcher, before the run creates a process
        self.exec.append((pid, _program(pid)))
        return os.kill(pid, signal.SIGKILL)

    def _filtered(self, pid):
        """A call the seccomp filter handed us: a write to the output is read and let run
        (its end stops again, with how much it wrote); anything else has not run, nor will
        it: the process dies."""
        try:
            code = event_message(pid)
        except OSError:  # it died meanwhile
            code = None
        if code in seccomp.ATTRIBUTED:
            try:
                self.pending[pid] = written(pid, code, self.left)
            except OSError:
                pass  # it died meanwhile
            return resume(pid, request=PTRACE_SYSCALL)
        if code in seccomp.DUPLICATES and self._may_probe(pid):
            self.probes[pid] = (code, None)
            return resume(pid, request=PTRACE_SYSCALL)
        return self._forbid(pid, code)

    def _forbid(self, pid, code):
        self.probes.pop(pid, None)
        self.forbidden.append((tgid(pid), seccomp.describe(code)))  # a thread's process
        return os.kill(pid, signal.SIGKILL)

    def alone(self, pid):
        """`pid` has just executed a program: exec leaves a process alone with its
        descriptors."""
        self.unshared.add(pid)

    def _may_probe(self, pid):
        """A duplicate of the output may run in a process seen executing a program and
        making no clone since (so no other thread or process shares its descriptors), where
        the tracer sees every call until it is closed: nothing else could write through it
        meanwhile."""
        return pid in self.unshared and pid not in self.threads

    def _probe(self, pid):
        """The stops of a duplicate let run: its end (which descriptor it made), then the
        next call, which must close it; any other call stops the run as the duplicate would
        have (a write through it would be output whose writer the tracer cannot name)."""
        code, duplicate = self.probes[pid]
        try:
            if duplicate is None:
                made = call_result(pid)
                if made < 0:  # it failed: nothing to watch
                    del self.probes[pid]
                    return resume(pid)
                self.probes[pid] = (code, made)
                return resume(pid, request=PTRACE_SYSCALL)
            number_word, close = CALL_NUMBER[MACHINE]
            regs = registers(pid)
            if regs[number_word] == close and regs[REGISTERS[MACHINE][1][0]] == duplicate:
                del self.probes[pid]
                return resume(pid)  # the close runs, and the process with it, untraced again
        except OSError:  # it died meanwhile
            self.probes.pop(pid, None)
            return None
        return self._forbid(pid, code)

    def _record(self, tid, fd, data):
        if data and self.left > 0:
            data = data[:self.left]
            self.left -= len(data)
            self.writes.append((tgid(tid) if tid in self.threads else tid, fd, data,
                                time.monotonic()))

    def report(self):
        """The kernel's view for the judge: {pid: {parent, status, born, ending, ended}} of
        every process, and every write to the output."""
        parents = {pid: parent for pid, parent in self.parents.items() if pid not in self.threads}
        parents[self.driver] = None
        procs = {str(pid): {"parent": parent, "status": exit_status(self.exits.get(pid)),
                            "born": self.born.get(pid), "ending": self.ending.get(pid),
                            "ended": self.ended.get(pid)}
                 for pid, parent in parents.items()}
        return {"driver": self.driver, "processes": procs,
                "exec": [{"pid": pid, "program": prog} for pid, prog in self.exec],
                "forbidden": [{"pid": pid, "call": call} for pid, call in self.forbidden],
                "writes": [{"pid": pid, "fd": fd, "data": base64.b64encode(data).decode(),
                            "t": when} for pid, fd, data, when in self.writes]}


def identity(path):
    """(device, inode) of the file at `path` (links followed), or None."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


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
