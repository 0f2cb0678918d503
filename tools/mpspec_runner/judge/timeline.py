"""What a run's processes did, drawn as a timeline (SVG) from the kernel's record: a lane per
process (main, its children, theirs) from its birth to its end, a mark for each line it
wrote (stdout or stderr, the line on hover), where it began to exit, and how it ended (an
exit code, or the signal that killed it), in the grading's time units. Read from the witness
alone, as process_tree.py is; every text the run wrote is escaped (it is the run's)."""
import html
import math
import signal

from .kernel import pid_of
from .process_tree import MOST_PROCESSES, label_of, record

# The axis's step in units: the first that draws the run in at most 8 steps.
STEPS = [k * 10.0 ** e for e in range(-3, 4) for k in (1, 2, 5)]
LANE, LEFT, RIGHT, TOP = 26, 330, 170, 34  # pixels: a lane, the labels, how each ended, top
WIDTH = 1060
LABEL = 44  # characters of a lane's label before it is cut short


def lanes(report, trace, unit):
    """[{label, depth, born, ending, ended, status, writes: [(t, fd, line)]}], times in units
    from the main program's birth, in the tree's order; [] when the run was not traced."""
    seen = record(report, trace)
    if seen is None:
        return []
    kernel, labels, zero = seen
    if zero is None:  # no birth was seen (one process, born before the tracing): its first fact
        times = [kernel.fact(pid, key) for pid in kernel.procs for key in ("ending", "ended")]
        times = [t for t in times + kernel.write_times if t is not None]
        if not times:
            return []
        zero = min(times)
    unit = unit or 1.0
    at = {}  # pid -> [(t, fd, line)]
    for (pid, fd, data), t in zip(kernel.writes, kernel.write_times):
        if t is None:
            continue
        for line in data.decode("utf-8", "replace").splitlines() or [""]:
            at.setdefault(pid, []).append(((t - zero) / unit, fd, line[:200]))
    below = {}
    for pid, info in sorted(kernel.procs.items()):
        below.setdefault(pid_of(info.get("parent")), []).append(pid)
    out = []

    def units(value):
        return None if value is None else (value - zero) / unit

    def walk(pid, depth):
        if len(out) >= MOST_PROCESSES:
            return
        out.append({"label": label_of(pid, depth, labels, kernel.driver), "pid": pid,
                    "depth": depth, "born": units(kernel.fact(pid, "born")) or 0.0,
                    "ending": units(kernel.fact(pid, "ending")),
                    "ended": units(kernel.fact(pid, "ended")), "status": kernel.status(pid),
                    "writes": at.get(pid, [])})
        for child in below.get(pid, []):
            walk(child, depth + 1)

    if kernel.driver is not None:
        walk(kernel.driver, 0)
    return out


def ending_words(status):
    if status is None:
        return "never ended"
    if status < 0:
        try:
            return f"killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"killed by signal {-status}"
    return f"exited with {status}"


def svg(rows, title):
    """The lanes as an SVG image (text), with `title` above them; "" for no lanes."""
    if not rows:
        return ""
    end = max([r["ended"] or r["ending"] or r["born"] for r in rows]
              + [t for r in rows for t, _, _ in r["writes"]] + [0.01])
    step = next((s for s in STEPS if end / s <= 8), end / 8)
    end = step * math.ceil(end / step)
    scale = (WIDTH - LEFT - RIGHT) / end
    height = TOP + LANE * len(rows) + 30
    e = html.escape
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
             f'font-family="sans-serif" font-size="12" role="img" aria-label="{e(title)}">',
             f'<text x="4" y="16" font-weight="bold">{e(title)}</text>']
    for i in range(round(end / step) + 1):
        x = LEFT + i * step * scale
        parts.append(f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{height - 24}" '
                     f'stroke="#ddd"/><text x="{x:.1f}" y="{height - 10}" fill="#666" '
                     f'text-anchor="middle">{i * step:g}</text>')
    parts.append(f'<text x="{WIDTH - RIGHT + 14}" y="{height - 10}" fill="#666">units</text>')
    for i, r in enumerate(rows):
        y = TOP + i * LANE + LANE / 2
        x0 = LEFT + r["born"] * scale
        last = r["ended"] if r["ended"] is not None else end
        x1 = LEFT + last * scale
        killed = r["status"] is not None and r["status"] < 0
        colour = "#c62828" if killed or r["status"] is None else "#37474f"
        label = r["label"] if len(r["label"]) <= LABEL else r["label"][:LABEL - 1] + "…"
        parts.append(f'<text x="{4 + 10 * min(r["depth"], 6)}" y="{y + 4:.1f}">'
                     f'{e(label)} ({r["pid"]})</text>')
        parts.append(f'<line x1="{x0:.1f}" y1="{y:.1f}" x2="{x1:.1f}" y2="{y:.1f}" '
                     f'stroke="{colour}" stroke-width="6"><title>{e(r["label"])}: born at '
                     f'{r["born"]:.2f}, {e(ending_words(r["status"]))}</title></line>')
        parts.append(f'<circle cx="{x0:.1f}" cy="{y:.1f}" r="4" fill="#2e7d32">'
                     f'<title>born at {r["born"]:.2f} units</title></circle>')
        if r["ending"] is not None:
            xe = LEFT + r["ending"] * scale
            parts.append(f'<rect x="{xe - 1:.1f}" y="{y - 8:.1f}" width="2" height="16" '
                         f'fill="#555"><title>began to exit at {r["ending"]:.2f}</title></rect>')
        for t, fd, line in r["writes"][:60]:
            xw = LEFT + t * scale
            parts.append(f'<line x1="{xw:.1f}" y1="{y - 10:.1f}" x2="{xw:.1f}" y2="{y - 4:.1f}" '
                         f'stroke="{"#1565c0" if fd == 1 else "#ef6c00"}" stroke-width="2">'
                         f'<title>{"stdout" if fd == 1 else "stderr"} at {t:.2f}: '
                         f'{e(line)}</title></line>')
        mark = "✗" if killed or r["status"] is None else "■"
        parts.append(f'<text x="{x1 + 6:.1f}" y="{y + 4:.1f}" fill="{colour}">{mark} '
                     f'{e(ending_words(r["status"]))}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
