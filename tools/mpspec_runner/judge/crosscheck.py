"""The trace against what the kernel saw (the reaper's witness, witness.py).

The trace is written from inside the process that runs the implementation under test, so a
hostile implementation can write events of its own or silence the driver's. The witness
cannot be forged: it is the process tree and the exit statuses the kernel reported to the
reaper. An event that contradicts it was not written by an honest run, and the case fails
as tampered with. What this cannot see (a value an honest process could have had, such as
an is_alive result) is listed in the README's threat model."""
from .checks import Check

NAME = "trace agrees with the kernel"


def contradictions(trace, witness):
    """Sentences, one per event of the trace that the kernel's view contradicts. Only what the
    driver's own code can never write is a contradiction: an honest run of a buggy library
    (a child that returns into main, a target run on a thread, a start() that forks nothing,
    a wrong pid or exit code) contradicts nothing here; the case's own checks fail it."""
    kernel = {}
    for pid, info in witness.get("processes", {}).items():
        if isinstance(info, dict) and pid.lstrip("-").isdigit():
            kernel[int(pid)] = info
    found, paths = [], {}
    for ev in trace:
        if ev.get("ev") != "op":
            continue
        pid, proc = ev.get("pid"), ev.get("proc")
        if pid not in kernel:
            found.append(f"an event of pid {pid} ({proc}), a process the run never had")
        else:
            paths.setdefault(proc, set()).add(pid)
    return found + lineage_contradictions(paths, kernel)


def lineage(pid, kernel):
    """The pid, its parent, its parent's parent... as far as the run goes."""
    chain = []
    while pid in kernel and pid not in chain:
        chain.append(pid)
        pid = kernel[pid].get("parent")
    return chain


def lineage_contradictions(paths, kernel):
    """A child's events (proc `main/w`) come from a process that descends from (or is) a
    process that wrote events of its parent's path (`main`): the driver names a child's
    path in the process the child's target runs in."""
    found = []
    for proc, pids in sorted(paths.items(), key=lambda kv: str(kv[0])):
        parent_path = str(proc).rpartition("/")[0]
        if not parent_path or parent_path not in paths:
            continue
        for pid in sorted(pids):
            if not set(lineage(pid, kernel)) & paths[parent_path]:
                found.append(f"the events of {proc} come from pid {pid}, which does not descend "
                             f"from {parent_path} (pid "
                             f"{', '.join(map(str, sorted(paths[parent_path])))})")
    return found


def check(obs):
    """The check, or None when the run had no witness."""
    witness = obs.report.get("witness")
    if not isinstance(witness, dict):
        return None
    found = contradictions(obs.trace, witness)
    observed = (f"tampering: {len(found)} events the kernel contradicts, the first: {found[0]}"
                if found else "agrees")
    return Check(NAME, "agrees", observed, not found)
