"""results.json in Gradescope's autograder format (the PrairieLearn grader converts it)."""
import base64
import html

from ...judge.verdict import Verdict
from .safe import printable
from .tally import hidden_numbers, in_report_order


def thousandths(values, total):
    """`values` rounded to 0.001 so that they add up to round(total, 3) exactly, as a reader
    adds them (largest remainders first): each rounded on its own, 100 points came to
    100.017."""
    units = [v * 1000 for v in values]
    floors = [int(u) for u in units]
    short = round(total * 1000) - sum(floors)
    order = sorted(range(len(units)), key=lambda i: units[i] - floors[i], reverse=True)
    for i in order[:max(0, short)]:
        floors[i] += 1
    return [f / 1000 for f in floors]


# Failed claims whose output carries the timeline: each picture is some kilobytes, and a class
# of results must stay small (PrairieLearn drops a results.json over 1 MiB).
MOST_PICTURES = 10


def with_picture(test, r):
    """The test's output as HTML (Gradescope's output_format "html"): the text in a <pre>,
    then the run's timeline as an image; the text and the image's URL kept for PrairieLearn,
    which shows a test's output as text and its images apart."""
    text = test["output"]
    url = "data:image/svg+xml;base64," + base64.b64encode(r.timeline.encode()).decode()
    test.update(output_format="html", extra_data={"text": text, "timeline": url},
                output=f"<pre>{html.escape(text)}</pre><p>What your processes did:</p>"
                       f'<img alt="a timeline of the processes of the run" src="{url}">')


def gradescope(g):
    tests, pictures = [], 0
    numbers = hidden_numbers(g)
    results = in_report_order(g.results)
    most = thousandths([r.max_points for r in results], sum(r.max_points for r in results))
    for r, top in zip(results, most):
        hidden = r.hidden
        earned = top if r.points >= r.max_points else min(top, round(r.points, 3))
        tests.append({"name": f"hidden case {numbers[r.case.id]}" if hidden else f"{r.case.id}: "
                      f"{r.case.data.get('claim', '')}",
                      "score": earned, "max_score": top,
                      "status": "passed" if r.verdict.earns_credit else "failed",
                      "output": "" if hidden or r.verdict == Verdict.PASS else printable(r.details),
                      "visibility": "hidden" if hidden else "visible"})
        if not hidden and r.timeline and pictures < MOST_PICTURES:
            with_picture(tests[-1], r)
            pictures += 1
    output = (printable(g.problem) or
              f"{sum(1 for r in g.results if r.verdict == Verdict.PASS)} cases passed")
    doc = {"score": g.score, "max_score": g.max_score, "output": output, "tests": tests}
    if g.problem and not g.build_ok and g.build_output:  # built, and it failed
        # Gradescope keeps extra_data unread; the PrairieLearn grader reads it (a compile
        # error is "not gradable" there by default, as PrairieLearn's own C grader has it).
        doc["extra_data"] = {"does_not_build": True}
    return doc
