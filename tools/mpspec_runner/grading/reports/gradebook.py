"""The gradebook CSV: a row per submission of a batch; a regrade of one replaces its row."""
import csv

from .safe import csv_cell
from .tally import failed

HEADER = ["submission", "score", "max_score", "builds", "cases_passed", "cases_failed",
          "sanitizer_reports", "compiler_warnings", "problem", "flagged_lines"]


def row(g):
    if g.harness:  # no score rather than a 0 the student did not earn
        cells = [g.name, "", g.max_score, "", "", "", "", "",
                 "not graded: the grader failed: " + g.harness.splitlines()[0], ""]
    else:
        cells = [g.name, g.score, g.max_score, "yes" if g.build_ok else "no",
                 len(g.results) - len(failed(g)), len(failed(g)), len(g.sanitizer),
                 len(g.warnings), g.problem, len(g.flags)]
    return [csv_cell(cell) for cell in cells]


def write(rows, path):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(sorted(rows, key=lambda r: r[0]))
    return path


def gradebook(grades, path):
    return write([row(g) for g in grades], path)


def update(g, path):
    """Replaces g's row of the gradebook at `path` (or adds it), keeping every other row."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.reader(f)][1:]
    return write([r for r in rows if r and r[0] != csv_cell(g.name)] + [row(g)], path)
