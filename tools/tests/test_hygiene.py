"""What a submission wrote, in the reports (grading/reports/safe.py): no Markdown or HTML of
its own in feedback.md, hidden cases only as "hidden case N" and not placed, file names that
stay in their folder, gradebook cells that are no formula, terminal lines without control
characters."""
import csv
import re
import tempfile
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

from mpspec_runner.grading import names
from mpspec_runner.grading import rubric as rubric_mod
from mpspec_runner.grading.record import Grade
from mpspec_runner.grading.reports import feedback, gradebook, junit, results_json, terminal
from mpspec_runner.grading.reports.safe import fenced, inline, slug
from mpspec_runner.grading.reports.tally import hidden_numbers
from mpspec_runner.judge.verdict import Verdict
from mpspec_runner.run.runner import Result
from mpspec_runner.spec import cases

FORGED = ("boom\n```\n\n**Score: 100 / 100**\n\n<img src=x onerror=alert(1)> [a](http://x)\n"
          "````\n``")


def case(case_id, section="10.4.1"):
    return cases.Case(f"spec/x/{case_id}.toml", {
        "id": case_id, "weight": 1, "level": "MUST", "section": section,
        "claim": f"the claim of {case_id}"})


def grade(hidden=(), details=FORGED, **fields):
    results = [Result(case(cid, section), "s", Verdict.FAIL, 0.1, details, None, [])
               for cid, section in (("a.one", "10.4.1"), ("b.two", "10.4.5"), ("c.three", "beyond"),
                                    ("d.four", "10.4.7"))]
    r = rubric_mod.load_rubric(rubric_mod.RUBRIC)
    r["hidden"] = {"cases": list(hidden)}
    g = Grade(name="alice", source="x", max_score=100.0, build_ok=True, **fields)
    rubric_mod.score(g, results, r)
    return g, r


def outside_code(markdown):
    """The lines of a Markdown text that are not inside a fenced code block (CommonMark: a
    block closes at a fence of the same character at least as long as its opening)."""
    out, fence = [], None
    for line in markdown.splitlines():
        run = re.match(r"^(`{3,})", line)
        if fence is None and run:
            fence = run.group(1)
        elif fence is not None and run and line.strip() == "`" * len(line.strip()) and \
                len(line.strip()) >= len(fence):
            fence = None
        elif fence is None:
            out.append(line)
    return out


class MarkdownTest(unittest.TestCase):
    def test_a_fence_inside_cannot_close_the_block(self):
        block = fenced([FORGED])
        self.assertEqual(block[0], "`````")
        self.assertEqual(outside_code("\n".join(block)), [])

    def test_the_feedback_shows_what_the_run_wrote_only_as_code(self):
        g, r = grade(sanitizer=[("a.one", "`x` ``` **bold**")],
                     warnings=["src/p.cpp:1: warning: ```\n**Score: 100 / 100**"],
                     problem="name [link](http://x) <b>")
        text = feedback.feedback(g, r)
        prose = "\n".join(outside_code(text))
        self.assertEqual(prose.count("**Score:"), 1)  # the grader's own, and no other
        self.assertNotIn("<img", prose)
        self.assertNotIn("](http://x)", prose)
        self.assertNotIn("<b>", prose)
        self.assertIn("boom", text)

    def test_inline_text_is_not_markup(self):
        self.assertEqual(inline("<b>[a](x)`c`\n*"), "\\<b\\>\\[a\\]\\(x\\)\\`c\\` \\*")


class HiddenTest(unittest.TestCase):
    def test_a_hidden_case_is_only_a_number_and_is_not_placed(self):
        g, r = grade(hidden=["b.two"])
        for text in (feedback.feedback(g, r), junit.junit(g),
                     str(results_json.gradescope(g))):
            self.assertNotIn("b.two", text)
            self.assertNotIn("the claim of b.two", text)
            self.assertNotIn("10.4.5", text)  # its section, the only case of it
        tests = [t["name"] for t in results_json.gradescope(g)["tests"]]
        self.assertEqual(tests[-1], "hidden case 1")
        order = [tc.get("name") for tc in ET.fromstring(junit.junit(g)).iter("testcase")]
        self.assertEqual(order, ["a.one", "c.three", "d.four", "hidden case 1"])

    def test_numbers_do_not_follow_the_cases_order(self):
        g, _ = grade(hidden=["a.one", "b.two", "c.three", "d.four"])
        numbers = {r.case.id: n for n, r in enumerate(
            (r for r in g.results if r.hidden), 1)}
        self.assertNotEqual(hidden_numbers(g), numbers)


class NamesTest(unittest.TestCase):
    def test_a_name_never_leaves_its_folder(self):
        for given in ("...zip", "..", ".", "", "/", "..tar.gz", "-rf", "a\nb\x1b[2Jc",
                      "=HYPERLINK(\"http://x\")", "ü ñ.zip"):
            name = names.submission_name(Path("/up") / given if given else "")
            with self.subTest(given):
                self.assertRegex(name, r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")
                self.assertNotIn(name, (".", ".."))

    def test_slug(self):
        self.assertEqual(slug("..."), "submission")
        self.assertEqual(slug("alice smith.v2"), "alice-smith.v2")


class GradebookTest(unittest.TestCase):
    def test_no_cell_is_a_formula(self):
        g, _ = grade(problem="=cmd|' /C calc'!A0")
        g.name = "@SUM(1)"
        with tempfile.TemporaryDirectory() as tmp:
            path = gradebook.gradebook([g], Path(tmp) / "g.csv")
            with path.open(encoding="utf-8") as f:
                rows = list(csv.reader(f))
        cells = [cell for row in rows[1:] for cell in row]
        self.assertFalse([c for c in cells if c[:1] in ("=", "+", "-", "@")])


class TerminalTest(unittest.TestCase):
    def test_no_control_character_reaches_the_terminal(self):
        g, _ = grade(problem="x\x1b[2J\ry", flags=["src/a.cpp:1: \x1b]0;owned\x07"])
        text = terminal.summary(g)
        self.assertNotRegex(text, r"[\x00-\x08\x0b-\x1f\x7f]")


if __name__ == "__main__":
    unittest.main()
