"""The timeline a student sees in feedback.html (judge/timeline.py), from made-up kernel
records, and the page that shows it (grading/reports/feedback_html.py)."""
import base64
import unittest

from mpspec_runner.grading.record import CaseResult, Grade
from mpspec_runner.exports.prairielearn.grader import test as prairielearn_test
from mpspec_runner.grading.reports.feedback_html import feedback_html
from mpspec_runner.grading.reports.results_json import gradescope
from mpspec_runner.judge.timeline import lanes, svg
from mpspec_runner.judge.verdict import Verdict
from mpspec_runner.spec.cases import Case


def report(procs, writes=(), driver=2):
    return {"witness": {"driver": driver, "processes": procs, "writes": [
        {"pid": pid, "fd": fd, "data": base64.b64encode(text.encode()).decode(), "t": t}
        for pid, fd, text, t in writes]}}


PROCS = {"2": {"status": 0, "born": 10.0, "ending": 11.0, "ended": 11.1},
         "3": {"parent": 2, "status": -15, "born": 10.1, "ended": 10.5},
         "4": {"parent": 3, "status": None, "born": 10.2}}


class TimelineTest(unittest.TestCase):
    def test_a_lane_per_process_in_units_from_the_main_programs_birth(self):
        rows = lanes(report(PROCS, [(3, 1, "hello\nworld\n", 10.3)]), [{"pid": 3, "proc": "main/w"}], 0.5)
        self.assertEqual([(r["label"], r["depth"], round(r["born"], 6), r["status"]) for r in rows],
                         [("main", 0, 0.0, 0), ("main/w", 1, 0.2, -15), ("a grandchild", 2, 0.4, None)])
        self.assertAlmostEqual(rows[0]["ended"], 2.2)
        self.assertEqual([(round(t, 3), fd, line) for t, fd, line in rows[1]["writes"]],
                         [(0.6, 1, "hello"), (0.6, 1, "world")])

    def test_the_picture_says_how_each_ended_and_escapes_what_the_run_wrote(self):
        hostile = "</title></svg><script>alert(1)</script>"
        picture = svg(lanes(report(PROCS, [(2, 2, hostile, 10.4)]), [{"pid": 3, "proc": hostile}], 1),
                      "case: what your processes did")
        self.assertTrue(picture.startswith("<svg"))
        self.assertIn("killed by SIGTERM", picture)
        self.assertIn("exited with 0", picture)
        self.assertIn("never ended", picture)
        self.assertNotIn("<script>", picture)
        self.assertEqual(picture.count("<svg"), 1)
        self.assertEqual(picture.count("</svg>"), 1)

    def test_a_lone_main_program_born_before_the_tracing_is_drawn_from_its_first_fact(self):
        rows = lanes(report({"2": {"status": 0, "ending": 5.0, "ended": 5.5}}, [(2, 1, "x", 4.0)]), [], 1)
        self.assertEqual([(r["label"], r["born"], r["ended"]) for r in rows], [("main", 0.0, 1.5)])

    def test_an_untraced_or_odd_record_draws_nothing(self):
        self.assertEqual(lanes({}, [], 1), [])
        self.assertEqual(svg([], "t"), "")
        odd = report({"2": {"born": "soon"}, "x": 5}, [])
        odd["witness"]["writes"] = [{"pid": 2}, "junk", {"pid": 2, "fd": 1, "data": "!!", "t": 1}]
        self.assertIsInstance(lanes(odd, [], 1), list)


class FeedbackPageTest(unittest.TestCase):
    def test_each_visible_failed_claim_with_its_timeline_and_no_hidden_one(self):
        shown = Case("a.toml", {"id": "a.case", "claim": "A <claim>", "section": "10.4.1"})
        hidden = Case("b.toml", {"id": "b.case", "claim": "secret claim", "section": "10.4.1"})
        g = Grade(name="<alice>", source="x", score=50.0, max_score=100.0)
        g.results = [CaseResult(shown, Verdict.FAIL, 0.0, 5.0, "", False, "", ("main (pid 2)",),
                                "<svg>mine</svg>", "<svg>cpython's</svg>"),
                     CaseResult(hidden, Verdict.FAIL, 0.0, 5.0, "", True, "", (), "<svg>h</svg>")]
        page = feedback_html(g)
        self.assertIn("&lt;alice&gt;", page)
        self.assertIn("A &lt;claim&gt;", page)
        self.assertIn("<svg>mine</svg>", page)
        self.assertIn("The same case on CPython", page)
        self.assertNotIn("secret claim", page)
        self.assertNotIn("<svg>h</svg>", page)


class ExportedPictureTest(unittest.TestCase):
    def test_failed_claims_carry_their_picture_as_html_and_prairielearn_keeps_the_text(self):
        g = Grade(name="s", source="x", score=0.0, max_score=100.0)
        for i in range(12):
            case = Case(f"c{i}.toml", {"id": f"c.{i:02}", "claim": "c", "section": "10.4.1"})
            g.results.append(CaseResult(case, Verdict.FAIL, 0.0, 5.0, "saw a <b> line", False,
                                        "", (), "<svg>x</svg>"))
        doc = gradescope(g)
        drawn = [t for t in doc["tests"] if t.get("output_format") == "html"]
        self.assertEqual(len(drawn), 10)
        self.assertIn("<pre>saw a &lt;b&gt; line</pre>", drawn[0]["output"])
        self.assertIn("data:image/svg+xml;base64," + base64.b64encode(b"<svg>x</svg>").decode(),
                      drawn[0]["output"])
        self.assertEqual(prairielearn_test(drawn[0])["output"], "saw a <b> line")
        self.assertEqual(prairielearn_test(doc["tests"][11])["output"], "saw a <b> line")


if __name__ == "__main__":
    unittest.main()
