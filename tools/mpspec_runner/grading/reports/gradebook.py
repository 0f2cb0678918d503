"""The gradebook CSV: a row per submission of a batch."""
import csv

from .safe import csv_cell
from .tally import failed


def gradebook(grades, path):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["submission", "score", "max_score", "builds", "cases_passed", "cases_failed",
                    "sanitizer_reports", "compiler_warnings", "problem", "flagged_lines"])
        for g in grades:
            if g.harness:  # no score rather than a 0 the student did not earn
                row = [g.name, "", g.max_score, "", "", "", "", "",
                       "not graded: the grader failed: " + g.harness.splitlines()[0], ""]
            else:
                row = [g.name, g.score, g.max_score, "yes" if g.build_ok else "no",
                       len(g.results) - len(failed(g)), len(failed(g)), len(g.sanitizer),
                       len(g.warnings), g.problem, len(g.flags)]
            w.writerow([csv_cell(cell) for cell in row])
    return path
