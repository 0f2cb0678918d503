"""Reading back what a run wrote: the trace and the reaper's report, bounded, and never
trusted to be well-formed (the run can write anything there)."""
import json
import os
import stat

# Bounds on what the runner reads back from a run (the run can write these files).
TRACE_LIMIT, REPORT_LIMIT = 8 << 20, 8 << 20


def read_bounded(path, limit):
    """The bytes of a regular file, at most `limit` of them; b"" if it is anything else (a
    FIFO or a link the run put there must not block or redirect the runner)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return b""
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return b""
        return f.read(limit)


def parse_trace(data):
    """The trace's events. A line that is not an event of the protocol's shape is kept as a
    'garbled' event (which fails the case): the run can write anything there, and nothing it
    writes may break the judge."""
    events = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            ev = None
        events.append(ev if well_formed(ev) else {"ev": "garbled", "line": line[:200]})
    return events


def well_formed(ev):
    """An object with a string `ev`; an op's names are strings and its times numbers."""
    if not isinstance(ev, dict) or not isinstance(ev.get("ev"), str):
        return False
    if ev["ev"] != "op":
        return True
    names_ok = all(isinstance(ev.get(k, ""), str) for k in ("do", "p", "as", "proc", "error"))
    times_ok = all(type(ev.get(k, 0.0)) in (int, float) for k in ("t", "t0", "pid"))
    return names_ok and times_ok
