"""The text of a result: the claim, the failed checks with expected beside observed, the
run's output, and the command that reproduces the case. Formatting only; nothing here runs."""
import shlex
import textwrap

from .checks import show


def claim_lines(case, obs, checks, verbose):
    d = case.data
    out = [f"  claim:    {d.get('claim', '')} ({case.level}, weight {case.weight}, {case.rel})"]
    if d.get("quote"):
        out.append(f"  seed:     \"{' '.join(d['quote'].split())}\""
                   + (f" ({d['example']})" if d.get("example") else ""))
    elif d.get("example"):
        out.append(f"  seed:     {d['example']}")
    if d.get("note"):
        out.append(f"  note:     {d['note']}")
    if obs.note:
        out.append(f"  outcome:  {obs.outcome}: {obs.note}")
    out += check_table(checks if verbose else [c for c in checks if not c.ok])
    if verbose or obs.outcome != "ran":
        out.append("  stdout:   " + brief(obs.stdout, verbose))
        out.append("  stderr:   " + brief(obs.stderr, verbose))
    if verbose:
        out += [f"  trace:    {ev}" for ev in obs.trace]
        out.append(f"  report:   {obs.report}")
    return out


# The expected column is at most this wide: a longer string wraps within it (a longer line
# of a list stays whole and only its own row is pushed out of line).
EXPECTED_WIDTH = 56


def check_table(checks):
    """The checks side by side, each column as wide as its longest cell, so that a long
    check name never pushes the expected and observed columns out of line."""
    if not checks:
        return []
    rows = [(("  " if c.ok else "✗ ") + c.name, fmt(c.expected, EXPECTED_WIDTH), fmt(c.observed))
            for c in checks]
    name_w = max(len("check"), *(len(name) for name, _, _ in rows))
    exp_w = min(EXPECTED_WIDTH, max(len("expected"), *(len(x) for _, exp, _ in rows for x in exp)))
    out = [f"  {'check':<{name_w}} {'expected':<{exp_w}} observed"]
    for name, expected, observed in rows:
        for n, (e_line, o_line) in enumerate(zip_longest(expected, observed)):
            out.append(f"  {name if n == 0 else '':<{name_w}} {e_line:<{exp_w}} {o_line}".rstrip())
    return out


def brief(lines, verbose=False, head=4, tail=8, width=1000):
    """Output lines joined for one row of the report: the first and the last lines (the last
    line of a traceback says what happened), so that a flood cannot become the report."""
    if verbose:
        return " | ".join(lines) or "(nothing)"
    kept = lines
    if len(lines) > head + tail:
        kept = [*lines[:head], f"… ({len(lines) - head - tail} more lines) …", *lines[-tail:]]
    text = " | ".join(kept)
    if len(text) > width:
        text = text[:width // 4] + " … " + text[-(width - width // 4):]
    return text or "(nothing)"


# A report row shows this many lines of a value at most (a run's output can be a megabyte).
MOST_LINES, LINE_WIDTH = 40, 300


def fmt(value, width=100):
    """A value as the lines of a report's column: a list line by line, a long string
    wrapped at `width`; the first and last lines of a very long one, each line cut at
    LINE_WIDTH."""
    if isinstance(value, list):
        lines = [show(v) for v in value] or ["(nothing)"]
    else:
        lines = textwrap.wrap(show(value), width) or [""]
    if len(lines) > MOST_LINES:
        head, tail = MOST_LINES * 3 // 4, MOST_LINES // 4
        lines = [*lines[:head], f"… ({len(lines) - head - tail} more lines) …", *lines[-tail:]]
    return [line if len(line) <= LINE_WIDTH else line[:LINE_WIDTH] + "…" for line in lines]


def zip_longest(a, b):
    n = max(len(a), len(b))
    return [(a[i] if i < len(a) else "", b[i] if i < len(b) else "") for i in range(n)]


def reproduce(case, adapter, named, unit, python):
    """The command that plays this one case again; `named`: the adapter is found by its name."""
    if adapter.source:
        cmd = ["python3", "tools/run_case.py", "--impl", adapter.source]
    else:
        cmd = ["python3", "tools/run_case.py", "--adapter",
               adapter.name if named else f"{adapter.name}={adapter.path}"]
    if python:
        cmd += ["--python", python]
    cmd.append(case.rel)
    return f"MPSPEC_TIME_UNIT={unit:.3f} " + " ".join(shlex.quote(c) for c in cmd)
