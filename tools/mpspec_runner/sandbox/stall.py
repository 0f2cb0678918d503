"""A run stuck in waits: every process of it waits for what only another process of the run
could give (a child that never reaches its point, a join that waits for a child waiting in
turn). Such a run would only wait out its time limits; the reaper sees it once the same
waits have lasted a window without any CPU time spent, and ends the driver's waits among
them, or stops the run as a deadlock where there are none (reaper.py, `wait_exit`).

A task counts as waiting for ever in a system call known to have no time limit as called
(a wait4, a read, a poll with timeout -1, a futex wait without a timeout, ...), or in one of
the driver's own waits for another process of the run (`await`, `await_end`,
`wait_sentinel`: the driver names the waiting thread WAITING while it lasts, waiting.hpp).
Those have time limits, but ending one early gives what its limit would have: a wait in
vain. A sleep, another timed wait, a running or stopped task, or one whose system call
cannot be read keeps the run alive. What cannot be seen here (an alarm(), a timerfd) wakes
a process within the case's longest other timed step, which the window outlasts (play.py,
`stall_window`).

No relative imports: reaper.py imports this as `stall` (its own folder is on sys.path)."""
import os
import time

# x86_64 numbers: {nr: how to tell that this call, with these arguments, has no time limit}
INFINITE_POLL = 0xFFFFFFFF  # an int -1 as /proc shows a register
WAITING = "mpspec-waiting"  # kWaitingName in conformance/drivers/cpp/waiting.hpp
DRIVER_WAIT = "the driver's wait"

UNTIMED = {
    0: lambda a: True,  # read
    19: lambda a: True,  # readv
    1: lambda a: True,  # write (a full pipe)
    20: lambda a: True,  # writev
    7: lambda a: a[2] & 0xFFFFFFFF == INFINITE_POLL,  # poll(fds, n, timeout=-1)
    271: lambda a: a[2] == 0,  # ppoll(fds, n, NULL, ...)
    23: lambda a: a[4] == 0,  # select(n, r, w, x, NULL)
    270: lambda a: a[4] == 0,  # pselect6(n, r, w, x, NULL, ...)
    232: lambda a: a[3] & 0xFFFFFFFF == INFINITE_POLL,  # epoll_wait(.., timeout=-1)
    281: lambda a: a[3] & 0xFFFFFFFF == INFINITE_POLL,  # epoll_pwait(.., timeout=-1, ..)
    441: lambda a: a[3] == 0,  # epoll_pwait2(.., NULL, ..)
    61: lambda a: a[2] & 1 == 0,  # wait4 without WNOHANG
    247: lambda a: a[3] & 1 == 0,  # waitid without WNOHANG
    # futex: FUTEX_WAIT (0) and FUTEX_WAIT_BITSET (9), private or not, with no timeout
    202: lambda a: a[1] & 0x7F in (0, 9) and a[3] == 0,
    34: lambda a: True,  # pause
    130: lambda a: True,  # rt_sigsuspend
    128: lambda a: a[2] == 0,  # rt_sigtimedwait(set, info, NULL)
    43: lambda a: True,  # accept
    288: lambda a: True,  # accept4
    45: lambda a: True,  # recvfrom
    47: lambda a: True,  # recvmsg
}


def untimed_wait(syscall_text):
    """Whether a task whose /proc/TID/syscall reads `syscall_text` waits with no time limit."""
    fields = syscall_text.split()
    if len(fields) < 7 or not fields[0].isdigit():
        return False  # "running", "-1 sp pc" (blocked outside a system call), unreadable
    test = UNTIMED.get(int(fields[0]))
    try:
        return test is not None and test([int(f, 16) for f in fields[1:7]])
    except ValueError:
        return False


def read(path):
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def snapshot(pids):
    """(every task's system call, the CPU ticks of all of them) when every task of every
    live process of `pids` waits with no time limit; None when one may go on by itself."""
    calls, ticks = [], 0
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue  # gone
        for tid in tids:
            stat = read(f"/proc/{pid}/task/{tid}/stat")
            fields = stat[stat.rfind(")") + 2:].split()
            if len(fields) < 13:
                continue  # gone between the two reads
            if fields[0] == "Z":
                continue  # ended: waits for nothing, does nothing
            if stat[stat.find("(") + 1:stat.rfind(")")] == WAITING:
                # (it may be running: it looks every 50 ms whether its main program is alone)
                calls.append((pid, tid, DRIVER_WAIT))
                continue
            if fields[0] != "S":
                return None  # running, stopped, traced, in disk sleep: not a wait for ever
            text = read(f"/proc/{pid}/task/{tid}/syscall")
            if not untimed_wait(text):
                return None
            calls.append((pid, tid, text.strip()))
            ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return (tuple(sorted(calls)), ticks) if calls else None


class Stall:
    """Looks every tenth of `window` (0.1 s at least); `seen(processes)` is True once the run
    (the pids `processes()` returns) has waited for ever, the same waits with no CPU time
    spent, for `window` s. `driver_waits` then says whether the driver's own waits are among
    them: ending those (`ended`) lets the run go on as their time limits would have."""

    def __init__(self, window):
        self.window, self.every = window, max(0.1, window / 10)
        self.since, self.first, self.next = None, None, 0.0

    def seen(self, processes):
        now = time.monotonic()
        if self.window <= 0 or now < self.next:
            return False
        self.next = now + self.every
        shot = snapshot(processes())
        if shot is None or shot != self.first:
            self.since, self.first = (None, None) if shot is None else (now, shot)
            return False
        return now - self.since >= self.window

    def driver_waits(self):
        return self.first is not None and any(call == DRIVER_WAIT for _, _, call in self.first[0])

    def ended(self):
        """The waits were ended: a stall from now on is a new one."""
        self.since, self.first = None, None
