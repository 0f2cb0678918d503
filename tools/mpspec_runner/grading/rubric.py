"""The rubric (spec/rubric.toml): points per case by level and section, partial credit,
hidden cases and penalties; a grading's results scored with it."""
import tomllib
from pathlib import Path

from ..checkout import SPEC
from ..judge import causes, process_tree, timeline
from ..judge.verdict import Verdict
from .record import CaseResult

RUBRIC = SPEC / "rubric.toml"


def load_rubric(path):
    rubric = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    rubric.setdefault("levels", {})
    rubric.setdefault("sections", {})
    rubric.setdefault("partial_credit", {"mode": "none"})
    rubric.setdefault("hidden", {"cases": []})
    rubric.setdefault("penalties", {})
    return rubric


def case_points(case, rubric):
    return (case.weight * rubric["levels"].get(case.level, 1.0)
            * rubric["sections"].get(case.data.get("section", ""), 1.0))


def credit(result, rubric):
    if result.verdict.earns_credit:
        return 1.0
    partial = rubric["partial_credit"]
    if partial.get("mode") == "checks" and result.verdict == Verdict.FAIL and result.checks:
        checks = result.checks
        return partial.get("fraction", 0.5) * sum(c.ok for c in checks) / len(checks)
    return 0.0


def score(g, results, rubric):
    """Points per case, scaled so that the cases sum to max_score; g.score before penalties."""
    hidden = set(rubric["hidden"].get("cases", []))

    # A case about another start method than the run's is not scored (a grading is fork, so
    # it never has one: the sandbox refuses the claim).
    def points(r):
        return case_points(r.case, rubric) if r.verdict != Verdict.NOT_APPLICABLE else 0.0

    scale = g.max_score / (sum(points(r) for r in results) or 1.0)
    for r in results:
        most = points(r) * scale
        bad = not r.verdict.earns_credit
        g.results.append(CaseResult(r.case, r.verdict, most * credit(r, rubric), most, r.text,
                                    r.case.id in hidden, symptom(r) if bad else "",
                                    tree(r, g.unit) if bad else (),
                                    drawn(r, g.unit) if bad and r.case.id not in hidden else ""))
    g.score = sum(r.points for r in g.results)


def from_record(result, draw, nothing):
    """draw(report, trace) of the failed run's record, or `nothing` for no record or one too
    odd to draw (the run wrote the trace's names: it must not stop the scoring)."""
    obs = getattr(result, "observation", None)
    try:
        return draw(obs.report, obs.trace) if obs else nothing
    except Exception:  # noqa: BLE001 - anything a hostile run's values provoke
        return nothing


def tree(result, unit):
    """What the failed run's processes did, as the indented text tree."""
    return from_record(result, lambda report, trace: tuple(
        process_tree.tree_lines(report, trace, unit)), ())


def drawn(result, unit):
    """The failed run as a timeline (SVG)."""
    return from_record(result, lambda report, trace: timeline.svg(
        timeline.lanes(report, trace, unit),
        f"{result.case.id}: what your processes did (times in units)"), "")


def penalized(g, rubric):
    """The score less the rubric's penalties (per distinct sanitizer report and per compiler
    warning), never below 0, to two decimals."""
    penalty = (rubric["penalties"].get("sanitizer_report", 0) * len({r for _, r in g.sanitizer})
               + rubric["penalties"].get("compiler_warning", 0) * len(g.warnings))
    return round(max(0.0, g.score - penalty), 2)


def symptom(result):
    """The failed result's likely cause; "other" for a record too odd to read one from (the
    run wrote it: it must not stop the scoring)."""
    try:
        return causes.symptom(result)
    except Exception:  # noqa: BLE001 - anything a hostile run's values provoke
        return "other"
