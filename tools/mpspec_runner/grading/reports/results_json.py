"""results.json in Gradescope's autograder format (the PrairieLearn grader converts it)."""
from ...judge.verdict import Verdict
from .safe import printable
from .tally import hidden_numbers, in_report_order


def gradescope(g):
    tests = []
    numbers = hidden_numbers(g)
    for r in in_report_order(g.results):
        hidden = r.hidden
        tests.append({"name": f"hidden case {numbers[r.case.id]}" if hidden else f"{r.case.id}: "
                      f"{r.case.data.get('claim', '')}",
                      "score": round(r.points, 3), "max_score": round(r.max_points, 3),
                      "status": "passed" if r.verdict.earns_credit else "failed",
                      "output": "" if hidden or r.verdict == Verdict.PASS else printable(r.details),
                      "visibility": "hidden" if hidden else "visible"})
    output = (printable(g.problem) or
              f"{sum(1 for r in g.results if r.verdict == Verdict.PASS)} cases passed")
    doc = {"score": g.score, "max_score": g.max_score, "output": output, "tests": tests}
    if g.problem and not g.build_ok and g.build_output:  # built, and it failed
        # Gradescope keeps extra_data unread; the PrairieLearn grader reads it (a compile
        # error is "not gradable" there by default, as PrairieLearn's own C grader has it).
        doc["extra_data"] = {"does_not_build": True}
    return doc
