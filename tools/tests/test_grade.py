"""The grader's arithmetic and reports (tools/mpspec_runner/grading/ and its reports/), on
made-up results: points per case, scaling, partial credit, hidden cases, penalties, the
feedback a student reads and what a grader fault writes (nothing that blames the student)."""
import csv
import json
import tempfile
import unittest
from pathlib import Path
from types import SimpleNamespace

from mpspec_runner.cli import grade as grade_cli
from mpspec_runner.grading import names, sanitizer, submission
from mpspec_runner.grading import rubric as rubric_mod
from mpspec_runner.grading.record import Grade
from mpspec_runner.grading.reports import feedback, gradebook, results_json, terminal
from mpspec_runner.judge import crosscheck, explain
from mpspec_runner.judge.checks import Check
from mpspec_runner.judge.verdict import Verdict
from mpspec_runner.run.adapters import Adapter
from mpspec_runner.run.results import results_document
from mpspec_runner.run.runner import Result
from mpspec_runner.spec import cases


def case(case_id, weight=1, level="MUST", section="10.4.1"):
    return cases.Case(f"spec/x/{case_id}.toml", {
        "id": case_id, "weight": weight, "level": level, "section": section,
        "claim": f"the claim of {case_id}"})


def result(c, verdict, checks=()):
    return Result(c, "student", verdict, 0.1, f"{verdict} {c.id} details", None, list(checks))


def rubric(**changes):
    r = rubric_mod.load_rubric(rubric_mod.RUBRIC)
    for key, value in changes.items():
        r[key] = value
    return r


def graded(results, r=None):
    g = Grade(name="alice", source="alice/", max_score=100.0, build_ok=True)
    rubric_mod.score(g, results, r or rubric())
    return g


class PointsTest(unittest.TestCase):
    def test_weight_times_level_and_section(self):
        r = rubric()
        self.assertEqual(rubric_mod.case_points(case("a", 3), r), 3.0)
        self.assertEqual(rubric_mod.case_points(case("a", 4, level="SHOULD"), r), 2.0)
        self.assertEqual(rubric_mod.case_points(case("a", 4, section="beyond"), r), 2.0)
        self.assertEqual(rubric_mod.case_points(case("a", 4, level="MAY"), r), 0.0)

    def test_scaled_to_max_score(self):
        a, b = case("a", 3), case("b", 1)
        g = graded([result(a, Verdict.PASS), result(b, Verdict.FAIL)])
        self.assertAlmostEqual(g.score, 75.0)
        self.assertEqual([round(x.max_points, 6) for x in g.results], [75.0, 25.0])

    def test_the_cases_maxima_add_up_to_the_maximum(self):
        # Seven cases of 100/7 points: each rounded on its own, they came to 100.002.
        many = [case(f"c{i}") for i in range(7)]
        doc = results_json.gradescope(graded([result(c, Verdict.PASS) for c in many[:6]]
                                             + [result(many[6], Verdict.FAIL)]))
        self.assertEqual(round(sum(t["max_score"] for t in doc["tests"]), 3), 100.0)
        # A passed case earns its whole maximum as shown, so the scores add up to the total
        # within a thousandth.
        self.assertAlmostEqual(sum(t["score"] for t in doc["tests"]), 600 / 7, delta=0.0011)
        self.assertTrue(all(t["score"] == t["max_score"] for t in doc["tests"][:6]))

    def test_the_terminal_says_the_time_unit(self):
        g = Grade(name="a", source="a/", seconds=31.2, unit=0.21, phases={"build": 3.14})
        self.assertEqual(terminal.timing(g), "31 s at 1 unit = 0.210 s: build 3.1")

    def test_a_case_about_another_start_method_is_not_scored(self):
        a, b = case("a"), case("b")
        g = graded([result(a, Verdict.PASS), result(b, Verdict.NOT_APPLICABLE)])
        self.assertAlmostEqual(g.score, 100.0)
        self.assertEqual([x.max_points for x in g.results], [100.0, 0.0])

    def test_optional_earns_and_failures_of_every_kind_do_not(self):
        a, b = case("a"), case("b")
        for verdict in (Verdict.FAIL, Verdict.TIMEOUT, Verdict.ERROR, Verdict.UNSUPPORTED):
            g = graded([result(a, Verdict.OPTIONAL), result(b, verdict)])
            self.assertAlmostEqual(g.score, 50.0, msg=verdict)

    def test_partial_credit_by_checks(self):
        a = case("a")
        checks = [Check("x", 1, 1, True), Check("y", 1, 2, False), Check("z", 1, 1, True),
                  Check("w", 1, 3, False)]
        r = rubric(partial_credit={"mode": "checks", "fraction": 0.5})
        self.assertAlmostEqual(graded([result(a, Verdict.FAIL, checks)], r).score, 25.0)
        # A timeout earns nothing even in "checks" mode.
        self.assertAlmostEqual(graded([result(a, Verdict.TIMEOUT, checks)], r).score, 0.0)
        self.assertAlmostEqual(graded([result(a, Verdict.FAIL, checks)]).score, 0.0)

    def test_penalties_never_below_zero(self):
        g = graded([result(case("a"), Verdict.PASS)])
        g.sanitizer = [("a", "ERROR: AddressSanitizer: x"), ("b", "ERROR: AddressSanitizer: x"),
                       ("a", "runtime error: y")]
        g.warnings = ["w1"]
        r = rubric(penalties={"sanitizer_report": 10, "compiler_warning": 1})
        self.assertEqual(rubric_mod.penalized(g, r), 79.0)  # two distinct reports, one warning
        r = rubric(penalties={"sanitizer_report": 60})
        self.assertEqual(rubric_mod.penalized(g, r), 0.0)


class FeedbackTest(unittest.TestCase):
    def test_failed_claims_are_named_and_hidden_ones_are_not(self):
        a, b, h = case("a"), case("b"), case("secret")
        r = rubric(hidden={"cases": ["secret"]})
        g = graded([result(a, Verdict.PASS), result(b, Verdict.FAIL),
                    result(h, Verdict.FAIL)], r)
        text = feedback.feedback(g, r)
        self.assertIn("### b: -33.3 points (fail)", text)
        self.assertIn("the claim of b", text)
        self.assertIn("FAIL b details", text)
        self.assertNotIn("### a:", text)
        self.assertIn("Hidden case 1", text)
        self.assertNotIn("secret", text)
        tests = results_json.gradescope(g)["tests"]
        self.assertEqual([t["visibility"] for t in tests], ["visible", "visible", "hidden"])
        self.assertEqual(tests[2]["output"], "")
        self.assertEqual(tests[2]["name"], "hidden case 1")  # as feedback.md numbers it

    def test_only_a_failed_build_is_marked_for_prairielearn(self):
        built_badly = Grade(name="s", source="s/", max_score=100.0, build_ok=False,
                                  build_output="p.cpp:1:1: error: x", problem="it does not build")
        self.assertEqual(results_json.gradescope(built_badly)["extra_data"],
                         {"does_not_build": True})
        never_built = Grade(name="s", source="s/", max_score=100.0,
                                  problem="no process.hpp in the submission")
        self.assertNotIn("extra_data", results_json.gradescope(never_built))
        self.assertNotIn("extra_data", results_json.gradescope(graded([])))

    def test_a_sanitizer_report_does_not_name_a_hidden_case(self):
        r = rubric(hidden={"cases": ["secret"]})
        g = graded([result(case("a"), Verdict.PASS), result(case("secret"), Verdict.PASS)], r)
        g.sanitizer = [("secret", "ERROR: AddressSanitizer: heap-use-after-free"),
                       ("a", "ERROR: LeakSanitizer: detected memory leaks")]
        text = feedback.feedback(g, r)
        self.assertNotIn("secret", text)
        self.assertIn("\nhidden case 1: ERROR: AddressSanitizer: heap-use-after-free\n", text)
        self.assertIn("\na: ERROR: LeakSanitizer", text)

    def test_feedback_opens_with_the_likely_cause(self):
        lost = Check("stdout lines (any order)", ["Worker: 0"], [], False)
        c = cases.Case("spec/x/w.toml", {"id": "w", "weight": 1, "level": "MUST",
                                         "section": "10.4.1", "claim": "workers print",
                                         "targets": {"t": {"steps": [
                                             {"do": "print", "text": "Worker: {0}"}]}}})
        obs = SimpleNamespace(stdout=["main line"], report={}, trace=[])
        lost_too = Result(c, "student", Verdict.FAIL, 0.1, "details", obs, [lost])
        g = graded([Result(c, "student", Verdict.FAIL, 0.1, "details", obs, [lost]),
                    result(case("b"), Verdict.FAIL), lost_too])
        self.assertEqual([r.symptom for r in g.results], ["child-output", "other",
                                                          "child-output"])
        text = feedback.feedback(g, rubric())
        opening = text.split("\n\n")[2]
        self.assertTrue(opening.startswith("**Most likely cause:** 2 of the 3 failed cases"))
        self.assertIn('API.md, "child exit"', opening)

    def test_a_build_failure_shows_the_compilers_errors(self):
        g = Grade(name="bob", source="bob/", max_score=100.0,
                        build_output="x.cpp:1:1: error: expected ';'\nother line",
                        problem="the submission does not build")
        text = feedback.feedback(g, rubric())
        self.assertIn("could not be graded: the submission does not build", text)
        self.assertIn("error: expected ';'", text)


class TamperedTest(unittest.TestCase):
    def test_a_case_the_kernel_contradicts_is_flagged_for_the_instructor(self):
        kernel = Check(crosscheck.NAME, "agrees", "tampering: 1 events ...", False)
        honest = Check(crosscheck.NAME, "agrees", "agrees", True)
        flags = submission.tampered([result(case("a"), Verdict.FAIL, [kernel]),
                                result(case("b"), Verdict.PASS, [honest])])
        self.assertEqual(flags, ["a: tampering: 1 events ..."])


class NamesTest(unittest.TestCase):
    def test_same_named_submissions_get_distinct_folders(self):
        self.assertEqual(names.distinct_names(["a/alice", "x/submission", "y/submission",
                                               "z/q.zip", "z/q.tar.gz", "w/k.tgz"]),
                         ["alice", "x-submission", "y-submission", "z-q-1", "z-q-2", "k"])

    def test_no_submission_takes_the_class_matrix_folder(self):
        self.assertEqual(names.distinct_names(["a/class-matrix", "b/bob"]),
                         ["class-matrix-submission", "bob"])


class ClassMatrixTest(unittest.TestCase):
    def test_a_column_per_graded_submission_and_none_for_an_ungraded_one(self):
        c1, c2 = case("a.one"), case("a.two")
        grades = []
        for name, verdicts in (("bob", (Verdict.PASS, Verdict.FAIL)),
                               ("alice", (Verdict.PASS, Verdict.PASS))):
            g = Grade(name=name, source=name)
            runs = [Result(c, name, v, 0.1, f"{v} {c.id}") for c, v in zip((c1, c2), verdicts)]
            g.verdicts = results_document([c1, c2], [Adapter(name, Path(name))], runs,
                                               0.2)
            grades.append(g)
        grades.append(Grade(name="carol", source="carol", problem="does not build"))
        with tempfile.TemporaryDirectory() as out:
            page = grade_cli.class_matrix(grades, Path(out))
            summary = (page.parent / "summary.md").read_text().splitlines()
            self.assertEqual(page.parent.stat().st_mode & 0o777, 0o750)
        self.assertEqual(summary[2:], ["| `alice` |  | 2/2 | 0 | 0 |", "| `bob` |  | 1/2 | 0 | 1 |"])


class GradebookTest(unittest.TestCase):
    def test_a_regrade_replaces_its_row_and_keeps_the_others(self):
        first = [Grade(name=n, source=n, max_score=100.0, build_ok=True, score=s)
                 for n, s in (("bob", 50.0), ("alice", 40.0))]
        with tempfile.TemporaryDirectory() as out:
            book = gradebook.gradebook(first, Path(out) / "gradebook.csv")
            gradebook.update(Grade(name="alice", source="alice", max_score=100.0,
                                   build_ok=True, score=90.0), book)
            gradebook.update(Grade(name="carol", source="carol", max_score=100.0,
                                   build_ok=True, score=70.0), book)
            with book.open(encoding="utf-8") as f:
                rows = list(csv.reader(f))
        self.assertEqual([r[:2] for r in rows[1:]],
                         [["alice", "90.0"], ["bob", "50.0"], ["carol", "70.0"]])


class HarnessFaultTest(unittest.TestCase):
    def test_no_score_in_the_gradebook_and_the_json_line(self):
        g = Grade(name="carol", source="carol/", max_score=100.0,
                        harness="1 cases could not be run by the grader")
        with tempfile.TemporaryDirectory() as out:
            book = gradebook.gradebook([g], Path(out) / "gradebook.csv")
            with book.open(encoding="utf-8") as f:
                rows = list(csv.reader(f))
        self.assertEqual(rows[1][1], "")  # no 0 that the student did not earn
        self.assertIn("the grader failed", rows[1][8])
        self.assertIsNone(json.loads(terminal.as_json_line(g))["score"])
        self.assertIn("NOT GRADED", terminal.summary(g))

    def test_an_exception_in_grading_is_the_graders_fault(self):
        class Opts:
            build_root = "/nonexistent"

        def broken(*_args):
            raise RuntimeError("boom")

        original = submission.grade_steps
        submission.grade_steps = broken
        try:
            g = submission.grade_one("dave/", rubric(), [], Opts())
        finally:
            submission.grade_steps = original
        self.assertIn("RuntimeError: boom", g.harness)
        self.assertEqual(g.score, 0.0)
        self.assertEqual(g.results, [])


class ReportSizeTest(unittest.TestCase):
    def test_a_flood_of_output_is_not_copied_into_the_report(self):
        lines = explain.fmt([f"line {n} " + "x" * 5000 for n in range(100000)])
        self.assertLessEqual(len(lines), explain.MOST_LINES + 1)
        self.assertIn("more lines", "".join(lines))
        self.assertTrue(all(len(line) <= explain.LINE_WIDTH + 1 for line in lines))
        self.assertEqual(lines[-1][:10], "line 99999")


if __name__ == "__main__":
    unittest.main()


class InputsTest(unittest.TestCase):
    """An instructor's typo is refused before anything is graded, in words that name it."""

    def opts(self, **changes):
        base = dict(rubric=str(rubric_mod.RUBRIC), submissions=["reference"], keyword=None)
        return SimpleNamespace(**{**base, **changes})

    def test_a_missing_submission(self):
        with self.assertRaisesRegex(ValueError, "no such submission: nosuch/"):
            grade_cli.load_inputs(self.opts(submissions=["reference", "nosuch/"]))

    def test_a_missing_rubric(self):
        with self.assertRaisesRegex(ValueError, "cannot read the rubric nope.toml"):
            grade_cli.load_inputs(self.opts(rubric="nope.toml"))

    def test_a_bad_time_unit(self):
        with tempfile.TemporaryDirectory() as tmp:
            mine = Path(tmp) / "r.toml"
            mine.write_text('time_unit = "fast"\n')
            with self.assertRaisesRegex(ValueError, "time_unit must be a number of seconds"):
                grade_cli.load_inputs(self.opts(rubric=str(mine)))


class SanitizerBesideTest(unittest.TestCase):
    """The sanitizer run goes beside the graded one only where cores are left for both."""

    def test_two_cores_at_two_jobs_keep_it_after(self):
        self.assertFalse(sanitizer.beside(jobs=2, parallel=1, cores=2))
        self.assertFalse(sanitizer.beside(jobs=2, parallel=1, cores=4))

    def test_enough_cores_for_both_runs_of_every_grading(self):
        self.assertTrue(sanitizer.beside(jobs=2, parallel=1, cores=6))
        self.assertFalse(sanitizer.beside(jobs=2, parallel=2, cores=6))
        self.assertTrue(sanitizer.beside(jobs=1, parallel=2, cores=6))
