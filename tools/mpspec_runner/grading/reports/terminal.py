"""What grading prints: a progress line per submission, the one-submission summary, and
`--json`'s line per grade."""
import json
import sys
import threading

from .safe import printable
from .tally import by_section, cause_groups, cause_lines, failed


class Progress:
    """One status line per submission on a terminal; plain lines otherwise (CI logs)."""

    def __init__(self, total):
        self.total, self.finished, self.lock = total, 0, threading.Lock()
        self.tty = sys.stderr.isatty()
        self.last = {}

    def update(self, name, what):
        with self.lock:
            if self.tty:
                sys.stderr.write(f"\r\033[K[{self.finished}/{self.total}] {name}: {what}")
                sys.stderr.flush()
            elif not what.startswith("case ") and self.last.get(name) != what:
                print(f"mpspec grade: {name}: {what}", file=sys.stderr, flush=True)
            self.last[name] = what

    def done(self, g, folder):
        with self.lock:
            self.finished += 1
            end = "\r\033[K" if self.tty else ""
            if g.harness:
                sys.stderr.write(f"{end}[{self.finished}/{self.total}] {g.name}: NOT GRADED: "
                                 f"the grader failed, not the submission ({g.seconds:.0f} s):"
                                 f"\n{printable(g.harness)}\n")
            else:
                result = printable(g.problem, newlines=False) or f"{g.score:g}/{g.max_score:g}"
                sys.stderr.write(f"{end}[{self.finished}/{self.total}] {g.name}: {result} "
                                 f"({timing(g)}) -> {folder}\n")
                groups = cause_groups(g)
                if groups and self.total > 1:  # the batch's one line per student, then why
                    cause, members = groups[0]
                    sys.stderr.write(f"      {len(failed(g))} failed; most likely: "
                                     f"{cause.summary} ({len(members)} "
                                     f"case{'s' if len(members) > 1 else ''})\n")
            sys.stderr.flush()


def timing(g):
    """'31 s at 1 unit = 0.210 s: build 3.1, cases 14.2, ...': where a grading's time went,
    and the time unit its cases ran at (a loaded machine's is larger, and so is the time)."""
    parts = ", ".join(f"{name} {secs:.1f}" for name, secs in g.phases.items() if secs >= 0.05)
    unit = f" at 1 unit = {g.unit:.3f} s" if g.unit else ""
    return f"{g.seconds:.0f} s{unit}" + (f": {parts}" if parts else "")


def summary(g):
    if g.harness:
        return (f"{g.name}: NOT GRADED: the grader failed, not the submission; fix the "
                f"grader's set-up and grade again:\n{printable(g.harness)}")
    problem = printable(g.problem, newlines=False)
    lines = [f"{g.name}: {g.score:g}/{g.max_score:g}" + (f"  ({problem})" if problem else "")]
    if g.results:
        lines.append(f"  {'section':<10} {'points':>14} {'cases passed':>14}")
        for section, (earned, most, passed, n) in by_section(g).items():
            lines.append(f"  {section:<10} {earned:>6.1f} / {most:<5.1f} {passed:>7} / {n:<4}")
    if failed(g):
        lines.append("  likely causes:")
        lines += [f"    {line}" for line in cause_lines(g, most=4)]
    for r in failed(g):
        lines.append(f"  ✗ {r.case.id} ({r.verdict}, -{r.max_points - r.points:.1f}): "
                     f"{r.case.data.get('claim', '')}")
    if g.sanitizer:
        lines.append(f"  sanitizer reports: {len(g.sanitizer)} (see feedback.md)")
    if g.warnings:
        lines.append(f"  compiler warnings: {len(g.warnings)}")
    if g.flags:
        lines.append("  FLAGGED for a look (lines that name the harness are not penalised; a run "
                     "the kernel contradicts already lost that case):")
        lines += [f"    {printable(line, newlines=False)}" for line in g.flags[:10]]
    return "\n".join(lines)


def as_json_line(g):
    return json.dumps({"name": g.name, "score": None if g.harness else g.score,
                       "max_score": g.max_score, "problem": g.problem, "harness": g.harness,
                       "flagged": g.flags, "failed": sorted(r.case.id for r in failed(g)),
                       "sanitizer": g.sanitizer, "warnings": len(g.warnings),
                       "seconds": round(g.seconds, 2), "phases": g.phases, "unit": g.unit,
                       "causes": [[c.key, len(m)] for c, m in cause_groups(g)]})
