"""What /proc says about processes, and the child-subreaper set-up: one home for the
reaper (reaper.py), the example checker (reference/examples/check_example.py) and the
grading tests (tools/tests/check_grade.py).

No relative imports: reaper.py runs as a script and does `import procs` (its own folder is
on sys.path then); everything else imports `mpspec_runner.sandbox.procs`.
"""
import ctypes
import os

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    """Orphans of this process's descendants come to it instead of to init. True if the
    kernel agreed."""
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def pids():
    """Every pid /proc shows now."""
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def stat(pid):
    """(ppid, state, comm) of a process, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    # comm is between the first "(" and the last ")": it may itself hold spaces and parens.
    comm = text[text.index("(") + 1:text.rindex(")")]
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[1]), fields[0], comm


def table():
    """Every process: {pid: (ppid, state, comm)}."""
    found = {}
    for pid in pids():
        info = stat(pid)
        if info is not None:
            found[pid] = info
    return found


def descendants(root=None):
    """The processes below `root` (default: this one), not `root` itself:
    {pid: (ppid, state, comm)}."""
    root = os.getpid() if root is None else root
    everything = table()
    below, frontier = {}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, info in everything.items():
            if info[0] == parent and pid not in below and pid != root:
                below[pid] = info
                frontier.append(pid)
    return below


def children(parent=None):
    """The pids whose parent is `parent` (default: this process)."""
    parent = os.getpid() if parent is None else parent
    return sorted(pid for pid, info in table().items() if info[0] == parent)


def cmdline(pid):
    """A process's command line, its arguments joined by spaces ("" once it is gone, or
    for a kernel thread)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def with_cmdline(marker):
    """{pid: command line} of every other process whose command line mentions `marker`."""
    me, found = os.getpid(), {}
    for pid in pids():
        cmd = cmdline(pid)
        if pid != me and marker in cmd:
            found[pid] = cmd
    return found
