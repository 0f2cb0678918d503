"""What a run's processes did, as the kernel saw it, drawn as an indented tree for a student:
each process under its parent, named by the trace's path where its events give one (main,
main/w, main/w/g), with when it began to exit and how it ended, in the grading's time units
from the main program's birth (or the first birth the kernel saw, when the main program's
own came before the tracing). Read from the witness alone: the process tree is the
kernel's, and a name the driver wrote only labels a pid the kernel knows."""
import signal

from .kernel import Kernel, pid_of

MOST_PROCESSES = 24  # a fork bomb's tree says so in one line, not in thousands


def names(trace):
    """{pid: the path of the first event that pid wrote} (main, main/w, ...)."""
    found = {}
    for ev in trace or []:
        pid = pid_of(ev.get("pid")) if isinstance(ev, dict) else None
        if pid is not None and isinstance(ev.get("proc"), str):
            found.setdefault(pid, ev["proc"][:60])
    return found


def label_of(pid, depth, labels, driver):
    """The trace's path of a pid, or what its place in the tree makes it."""
    if pid == driver:
        return "main"
    if labels.get(pid) == "main":  # a child that went on with the main program's steps
        return "a child playing the main program's steps"
    return labels.get(pid) or ("a child" if depth == 1 else "a grandchild" if depth == 2
                               else "a descendant")


def how_it_ended(kernel, pid, zero, unit, main_end):
    status = kernel.status(pid)
    ended = kernel.fact(pid, "ending") or kernel.fact(pid, "ended")
    when = f" at {(ended - zero) / unit:.2f} units" if ended is not None and zero is not None \
        else ""
    if status is None:
        return "never ended (still running when the run was stopped)"
    if status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = f"signal {-status}"
        late = main_end is not None and ended is not None and ended > main_end
        return f"killed by {name}{when}" + (" (after the main program had ended)" if late else "")
    return f"exited with {status}{when}"


def record(report, trace):
    """(the kernel's record, the trace's names of its pids, the time zero: the main program's
    birth, or the first birth the kernel saw), or None when the run was not traced."""
    witness = (report or {}).get("witness")
    if not witness:
        return None
    kernel = Kernel(witness)
    born = [b for b in (kernel.fact(pid, "born") for pid in kernel.procs) if b is not None]
    zero = kernel.fact(kernel.driver, "born") or (min(born) if born else None)
    return kernel, names(trace), zero


def tree_lines(report, trace, unit):
    """The indented tree, one line per process, or [] when the run was not traced."""
    seen = record(report, trace)
    if seen is None:
        return []
    kernel, labels, zero = seen
    main_end = kernel.fact(kernel.driver, "ending")
    below = {}
    for pid, info in sorted(kernel.procs.items()):
        below.setdefault(pid_of(info.get("parent")), []).append(pid)
    out = []

    def walk(pid, depth):
        if len(out) >= MOST_PROCESSES:
            return
        label = label_of(pid, depth, labels, kernel.driver)
        out.append(f"{'   ' * depth}{'└─ ' if depth else ''}{label} (pid {pid}): "
                   f"{how_it_ended(kernel, pid, zero, unit or 1.0, main_end)}")
        for child in below.get(pid, []):
            walk(child, depth + 1)

    walk(kernel.driver, 0)
    if len(kernel.procs) > len(out):
        out.append(f"… and {len(kernel.procs) - len(out)} more processes")
    return out
