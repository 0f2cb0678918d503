"""Reading back what a run wrote: the trace and the reaper's report, bounded, and never
trusted to be well-formed (the run can write anything there)."""
import json
import math
import os
import stat

from ..spec.protocol import lines

# Bounds on what the runner reads back from a run (the run can write these files).
TRACE_LIMIT, REPORT_LIMIT = 8 << 20, 8 << 20
# Bounds on one event: no honest driver writes a longer line, a number with more digits
# than a 64-bit one, a time outside a day of seconds beyond the epoch of CLOCK_MONOTONIC's
# range, or a value nested deeper (the judge formats and compares values recursively).
LINE_LIMIT, DIGITS, DEPTH = 1 << 16, 19, 16
TIME_LIMIT = 1e12  # seconds


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
    """The trace's events. A line that is not an event of the protocol's shape, or that
    breaks one of the bounds above, is kept as a 'garbled' event (which fails the case): the
    run can write anything there, and nothing it writes may break the judge."""
    events = []
    for line in lines(data):
        ev = parse_event(line) if len(line) <= LINE_LIMIT else None
        events.append(ev if well_formed(ev) else {"ev": "garbled", "line": line[:200]})
    return events


def bounded_int(text):
    if len(text.lstrip("-")) > DIGITS:
        raise ValueError(f"a number of {len(text)} digits")
    return int(text)


def finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is not a finite number")
    return value


def no_constant(name):
    raise ValueError(f"{name} is not JSON a driver writes")


def parse_event(line):
    """One line as JSON within the bounds, or None."""
    try:
        ev = json.loads(line, parse_int=bounded_int, parse_float=finite_float,
                        parse_constant=no_constant)
    except (ValueError, RecursionError):
        return None
    return ev if depth(ev) <= DEPTH else None


def depth(value, limit=DEPTH + 1):
    """How deeply lists and objects nest in `value` (counted up to `limit`)."""
    if limit <= 0 or not isinstance(value, (list, dict)):
        return 0
    inner = value.values() if isinstance(value, dict) else value
    return 1 + max((depth(v, limit - 1) for v in inner), default=0)


def well_formed(ev):
    """An object with a string `ev`; an op's names are strings, its times numbers within
    range and its pid a positive int."""
    if not isinstance(ev, dict) or not isinstance(ev.get("ev"), str):
        return False
    if ev["ev"] != "op":
        return True
    names_ok = all(isinstance(ev.get(k, ""), str) for k in ("do", "p", "as", "proc", "error"))
    times_ok = all(type(ev.get(k, 0.0)) in (int, float) and abs(ev.get(k, 0.0)) < TIME_LIMIT
                   for k in ("t", "t0"))
    pid = ev.get("pid", 1)
    return names_ok and times_ok and type(pid) is int and 0 < pid < 1 << 31
