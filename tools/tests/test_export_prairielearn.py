"""The PrairieLearn export (tools/mpspec_runner/exports/prairielearn/image.py) and its
entrypoint (exports/prairielearn/grader.py), without grading: the conversion of a grade into
PrairieLearn's results.json, the layout of /grade/student, what a fault of the grader gives,
and what the build context holds. The real grading, against the real /grade paths, is the
CTest test grading/export-prairielearn (check_export_prairielearn.py)."""
import base64
import io
import json
import os
import stat
import subprocess
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from unittest import mock

from mpspec_runner.exports import sources
from mpspec_runner.exports.prairielearn import grader as pl
from mpspec_runner.exports.prairielearn import image as export

CLAIM = "join(t) on a child that runs longer returns after about t, leaving the child alive."
GRADE = {"score": 60.0, "max_score": 100.0, "output": "1 cases passed", "tests": [
    {"name": "basics.start: start() runs the target in a child", "score": 50.0,
     "max_score": 50.0, "status": "passed", "output": "", "visibility": "visible"},
    {"name": f"join.timeout-returns: {CLAIM}", "score": 10.0, "max_score": 20.0,
     "status": "failed", "output": "FAIL join.timeout-returns\n  reproduce: ...",
     "visibility": "visible"},
    {"name": "hidden case 1", "score": 0.0, "max_score": 30.0, "status": "failed",
     "output": "", "visibility": "hidden"}]}
# The grade as results_json.py writes a failed claim with its timeline.
TIMELINE = "data:image/svg+xml;base64," + base64.b64encode(b"<svg></svg>").decode()
PICTURED = dict(GRADE, tests=[GRADE["tests"][0], dict(
    GRADE["tests"][1], output_format="html",
    output=f'<pre>FAIL join.timeout-returns</pre><img src="{TIMELINE}">',
    extra_data={"text": GRADE["tests"][1]["output"], "timeline": TIMELINE}), GRADE["tests"][2]])
FEEDBACK = """# Feedback: submission

**Score: 60 / 100**

**Most likely cause:** a call returns at the wrong time.

## By section

| section | points | cases passed |
| --- | --- | --- |

## Failed claims

Each block says what the specification claims.

### join.timeout-returns: -10.0 points (fail)

- **Claim** (MUST): join(t) returns
```
details
```

### Hidden case 1 (10.4.5): fail, -30.0 points

## Compiler warnings

```
warning: unused variable
```
"""


def quiet(fn, *args, **kwargs):
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        return fn(*args, **kwargs)


class Temp(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="mpspec-test-pl-")
        self.root = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()


class ConvertTest(unittest.TestCase):
    def test_the_score_is_a_fraction_and_each_case_a_test_with_its_points(self):
        doc = pl.convert(GRADE, FEEDBACK)
        self.assertIs(doc["gradable"], True)
        self.assertAlmostEqual(doc["score"], 0.6)
        self.assertEqual([(t["name"], t["points"], t["max_points"], t["message"])
                          for t in doc["tests"]],
                         [("basics.start", 50.0, 50.0, "passed"),
                          ("join.timeout-returns", 10.0, 20.0, "failed"),
                          ("hidden case 1", 0.0, 30.0, "failed")])
        self.assertEqual(doc["tests"][1]["description"], CLAIM)
        self.assertIn("reproduce", doc["tests"][1]["output"])

    def test_the_fraction_is_rounded_and_only_a_full_score_is_1(self):
        self.assertEqual(pl.fraction(93.82, 100.0), 0.9382)
        self.assertEqual(pl.fraction(99999.99, 100000.0), 0.999999)
        self.assertEqual(pl.fraction(10.0, 10.0), 1.0)
        self.assertEqual(pl.fraction(-1.0, 10.0), 0.0)

    def test_every_test_has_the_keys_the_element_renders(self):
        for t in pl.convert(PICTURED, FEEDBACK)["tests"]:
            self.assertLessEqual({"name", "description", "points", "max_points", "message",
                                  "output"}, set(t))
            self.assertLessEqual(set(t), {"name", "description", "points", "max_points",
                                          "message", "output", "images"})

    def test_a_failed_claims_timeline_is_its_tests_image_and_its_text_the_output(self):
        tests = pl.convert(PICTURED, FEEDBACK)["tests"]
        self.assertEqual(tests[1]["images"], [{"label": pl.TIMELINE_LABEL, "url": TIMELINE}])
        self.assertEqual(tests[1]["output"], "FAIL join.timeout-returns\n  reproduce: ...")
        self.assertNotIn("images", tests[0])

    def test_only_a_data_url_of_an_svg_becomes_an_image(self):
        for url in ("https://example.com/x.svg", "data:text/html;base64,PHNjcmlwdD4=",
                    TIMELINE + '" onerror="alert(1)'):
            extra = dict(PICTURED["tests"][1]["extra_data"], timeline=url)
            grade = dict(PICTURED, tests=[dict(PICTURED["tests"][1], extra_data=extra)])
            self.assertNotIn("images", pl.convert(grade, FEEDBACK)["tests"][0], url)

    def test_the_pictures_go_before_any_text_to_fit_the_limit(self):
        big = "data:image/svg+xml;base64," + "A" * 200_000
        tests = [dict(PICTURED["tests"][1], name=f"case.{i}: claim {i}",
                      extra_data={"text": "details", "timeline": big}) for i in range(10)]
        doc = pl.convert(dict(PICTURED, tests=tests), FEEDBACK)
        self.assertLessEqual(len(json.dumps(doc, ensure_ascii=False).encode()), pl.LIMIT)
        self.assertEqual([t["output"] for t in doc["tests"][:10]], ["details"] * 10)
        self.assertFalse(any("images" in t for t in doc["tests"]))
        one = pl.convert(dict(PICTURED, tests=tests[:1]), FEEDBACK)
        self.assertEqual(one["tests"][0]["images"][0]["url"], big)

    def test_a_hidden_case_shows_nothing_of_its_claim(self):
        leaky = dict(GRADE, tests=[dict(GRADE["tests"][2], name=f"join.x: {CLAIM}",
                                        output=CLAIM)])
        for grade in (GRADE, leaky):
            hidden = pl.convert(grade, FEEDBACK)["tests"][-1]
            self.assertTrue(hidden["name"].startswith("hidden case"))
            self.assertNotIn(CLAIM, json.dumps(hidden))
            self.assertEqual((hidden["description"], hidden["output"]), ("", ""))

    def test_the_message_is_the_feedback_without_the_blocks_the_tests_carry(self):
        message = pl.convert(GRADE, FEEDBACK)["message"]
        self.assertIn("**Most likely cause:** a call returns", message)
        self.assertIn("## By section", message)
        self.assertIn("Each block says", message)
        self.assertIn(pl.IN_TESTS, message)
        self.assertIn("warning: unused variable", message)
        self.assertNotIn("### ", message)
        self.assertNotIn("details", message)

    def test_without_feedback_the_message_is_the_grades_output(self):
        self.assertEqual(pl.convert(GRADE, "")["message"], "1 cases passed")

    NOT_BUILT = {"score": 0.0, "max_score": 100.0, "tests": [],
                 "output": "the submission does not build", "extra_data": {"does_not_build": True}}
    NOT_BUILT_FEEDBACK = ("# Feedback: s\n\n**Score: 0 / 100**\n\nThe submission could not be "
                          "graded: the submission does not build.\n\n## The compiler's errors\n\n"
                          "```\nprocess.cpp:3:1: error: expected ';'\n```\n")

    def test_a_submission_that_does_not_build_is_not_gradable_with_the_errors(self):
        doc = quiet(pl.convert, self.NOT_BUILT, self.NOT_BUILT_FEEDBACK)
        self.assertIs(doc["gradable"], False)
        self.assertNotIn("score", doc)
        self.assertTrue(doc["message"].startswith(pl.DOES_NOT_BUILD), doc["message"])
        self.assertIn("process.cpp:3:1: error: expected ';'", doc["message"])
        self.assertNotIn("Score: 0", doc["message"])  # no score was recorded: none is shown
        self.assertNotIn("autograder failed", doc["message"])  # not the grader's fault

    def test_with_compile_errors_zero_it_scores_zero_and_is_gradable(self):
        doc = pl.convert(self.NOT_BUILT, self.NOT_BUILT_FEEDBACK, compile_errors="zero")
        self.assertEqual((doc["gradable"], doc["score"], doc["tests"]), (True, 0.0, []))
        self.assertIn("error: expected ';'", doc["message"])

    def test_other_ungraded_submissions_score_zero(self):
        doc = pl.convert({"score": 0.0, "max_score": 100.0, "tests": [],
                          "output": "no process.hpp in the submission"})
        self.assertEqual((doc["gradable"], doc["score"]), (True, 0.0))

    def test_the_policy_comes_from_the_environment(self):
        for value, expected in (("zero", "zero"), ("not-gradable", "not-gradable"),
                                ("", "not-gradable"), ("Zero!", "not-gradable")):
            with mock.patch.dict(os.environ, {"MPSPEC_COMPILE_ERRORS": value}):
                self.assertEqual(quiet(pl.compile_errors), expected, value)

    def test_penalties_are_a_test_so_the_points_add_up_to_the_score(self):
        doc = pl.convert(dict(GRADE, score=55.0), FEEDBACK)
        self.assertAlmostEqual(doc["score"], 0.55)
        self.assertEqual(doc["tests"][-1]["name"], "penalties")
        self.assertEqual((doc["tests"][-1]["points"], doc["tests"][-1]["max_points"]), (-5.0, 0))
        self.assertAlmostEqual(sum(t["points"] for t in doc["tests"]), 55.0)
        self.assertNotIn("penalties", [t["name"] for t in pl.convert(GRADE)["tests"]])

    def test_a_document_that_is_no_grade_is_refused(self):
        for bad in ({}, {"score": "60", "max_score": 100}, {"score": 1.0, "max_score": 0}):
            with self.assertRaises(ValueError):
                pl.convert(bad)

    def test_the_results_fit_prairielearns_limit_names_and_points_kept(self):
        flood = "x" * 200_000
        grade = dict(GRADE, score=840.0, max_score=1680.0,
                     tests=[dict(GRADE["tests"][1], name=f"case.{i}: claim {i}", output=flood)
                            for i in range(84)])
        doc = pl.convert(grade, FEEDBACK + flood * 3)
        self.assertLessEqual(len(json.dumps(doc, ensure_ascii=False).encode()), pl.LIMIT)
        self.assertEqual(len(doc["tests"]), 84)
        self.assertEqual(doc["tests"][83]["name"], "case.83")
        self.assertIn("cut to fit", doc["tests"][0]["output"])
        self.assertIn("cut to fit", doc["message"])

    def test_many_wide_characters_still_fit(self):
        wide = "✗" * 300_000  # three bytes each in UTF-8
        grade = dict(GRADE, tests=[dict(GRADE["tests"][1], output=wide)] * 84)
        doc = pl.convert(grade, wide)
        self.assertLessEqual(len(json.dumps(doc, ensure_ascii=False).encode()), pl.LIMIT)


class NotGradedTest(Temp):
    def folder(self, doc=GRADE, feedback=FEEDBACK):
        folder = self.root / "grades" / "submission"
        folder.mkdir(parents=True)
        if doc is not None:
            (folder / "results.json").write_text(json.dumps(doc))
        if feedback is not None:
            (folder / "feedback.md").write_text(feedback)
        return folder

    def test_a_grade_exiting_0_or_1_is_converted(self):
        folder = self.folder()
        for code in (0, 1):
            doc = quiet(pl.results, folder, code)
            self.assertIs(doc["gradable"], True)
            self.assertAlmostEqual(doc["score"], 0.6)

    def test_a_fault_of_the_grader_is_not_gradable_never_a_zero(self):
        folder = self.folder()
        for code in (3, 2, 130, -9):
            doc = quiet(pl.results, folder, code)
            self.assertIs(doc["gradable"], False)
            self.assertNotIn("score", doc)
            self.assertIn("autograder failed", doc["message"])
            self.assertIn(f"exited with {code}", doc["message"])

    def test_no_results_or_broken_results_are_not_gradable(self):
        self.assertIn("wrote no results.json",
                      quiet(pl.results, self.root / "nowhere", 0)["message"])
        folder = self.folder(doc=None)
        (folder / "results.json").write_text("{not json")
        self.assertIs(quiet(pl.results, folder, 0)["gradable"], False)


class SubmissionTest(Temp):
    def student(self, names):
        student = self.root / "grade" / "student"
        for name in names:
            (student / name).parent.mkdir(parents=True, exist_ok=True)
            (student / name).write_text(f"// {name}\n")
        work = self.root / "work"
        work.mkdir()
        return pl.submission(student, work)

    def files(self, folder):
        return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())

    def test_loose_files_are_laid_out_as_api_md_says(self):
        impl = self.student(["process.hpp", "process.cpp", "util.hpp"])
        self.assertEqual(self.files(impl),
                         ["include/mp/process.hpp", "src/process.cpp", "src/util.hpp"])

    def test_the_layout_in_one_enclosing_folder(self):
        impl = self.student(["alice/include/mp/process.hpp", "alice/src/process.cpp"])
        self.assertEqual(self.files(impl), ["include/mp/process.hpp", "src/process.cpp"])

    def test_one_archive_is_graded_as_it_is(self):
        impl = self.student(["Alice.ZIP"])
        self.assertEqual(impl.name, "submission.zip")
        self.assertTrue(impl.is_file())

    def test_no_files_at_all_grade_as_an_empty_folder(self):
        work = self.root / "work"
        work.mkdir()
        impl = pl.submission(self.root / "grade" / "student", work)
        self.assertTrue(impl.is_dir())
        self.assertEqual(list(impl.iterdir()), [])

    def test_the_questions_rubric_comes_first(self):
        grade_dir, home = self.root / "grade", self.root / "home"
        self.assertEqual(pl.rubric_path(grade_dir, home), home / "rubric.toml")
        (grade_dir / "tests").mkdir(parents=True)
        (grade_dir / "tests" / "rubric.toml").write_text("max_score = 10\n")
        self.assertEqual(pl.rubric_path(grade_dir, home), grade_dir / "tests" / "rubric.toml")


class RunTest(Temp):
    """run() as PrairieLearn calls it, on a /grade of the test's own, with a stand-in for
    `tools/mpspec grade`."""

    def fake_grader(self, body):
        script = self.root / "fake_grade.py"
        script.write_text("import json, sys, time\nfrom pathlib import Path\n"
                          "impl = Path(sys.argv[1])\n"
                          "out = Path(sys.argv[sys.argv.index('--out') + 1]) / impl.name\n"
                          + body)
        return [sys.executable, str(script)]

    def run_entrypoint(self, body, env=None):
        grade_dir = self.root / "grade"
        (grade_dir / "student").mkdir(parents=True)
        (grade_dir / "student" / "process.hpp").write_text("// mine\n")
        with mock.patch.dict(os.environ, env or {}):
            code = quiet(pl.run, self.root / "home", grade_dir, self.fake_grader(body))
        self.assertEqual(code, 0)  # always: PrairieLearn discards results on any other
        return json.loads((grade_dir / "results" / "results.json").read_text())

    def test_a_grading_is_converted(self):
        doc = self.run_entrypoint(
            "assert (impl / 'include/mp/process.hpp').is_file()\n"
            "out.mkdir(parents=True)\n"
            f"(out / 'results.json').write_text(json.dumps({GRADE!r}))\n"
            f"(out / 'feedback.md').write_text({FEEDBACK!r})\n")
        self.assertAlmostEqual(doc["score"], 0.6)
        self.assertEqual(len(doc["tests"]), 3)

    def test_a_grader_that_fails_is_not_gradable(self):
        doc = self.run_entrypoint("sys.exit(3)\n")
        self.assertIs(doc["gradable"], False)
        self.assertIn("exited with 3", doc["message"])

    def test_a_grader_that_runs_past_its_budget_is_stopped_and_not_gradable(self):
        doc = self.run_entrypoint("time.sleep(60)\n", {"MPSPEC_TIME_BUDGET": "0.5"})
        self.assertIs(doc["gradable"], False)
        self.assertIn("did not finish within 0.5 s", doc["message"])

    def test_a_grader_that_cannot_be_started_is_not_gradable(self):
        grade_dir = self.root / "grade"
        code = quiet(pl.run, self.root / "home", grade_dir, [str(self.root / "no-such")])
        self.assertEqual(code, 0)
        doc = json.loads((grade_dir / "results" / "results.json").read_text())
        self.assertIs(doc["gradable"], False)
        self.assertIn("the autograder itself failed", doc["message"])


class ExportTest(Temp):
    def export(self, *args, out=None):
        out = out or self.root / "context"
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()) as err:
            code = export.main(["--out", str(out), *args])
        return code, out, err.getvalue()

    def test_the_context_holds_the_recipe_the_entrypoint_the_rubric_and_the_sources(self):
        rubric = self.root / "mine.toml"
        rubric.write_text('max_score = 10\n[hidden]\ncases = ["x"]\n')
        code, out, err = self.export("--rubric", str(rubric))
        self.assertEqual(code, 0, err)
        home = out / "mpspec"
        self.assertEqual((home / "rubric.toml").read_bytes(), rubric.read_bytes())
        self.assertEqual((home / export.ENTRYPOINT).read_bytes(),
                         export.ENTRYPOINT_SOURCE.read_bytes())
        for path in (home / export.ENTRYPOINT, home / "setup.sh",
                     home / "source" / "tools" / "mpspec"):
            self.assertTrue(os.stat(path).st_mode & stat.S_IXUSR, path)
        self.assertTrue((home / "source" / "tools" / "mpspec_runner" / "exports" /
                         "prairielearn" / "grader.py").is_file())
        self.assertFalse((home / "source" / "build").exists())
        self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o700)  # the rubric's hidden cases
        dockerfile = (out / "Dockerfile").read_text()
        self.assertIn("debian-packages.txt", dockerfile)
        self.assertIn(f'ENTRYPOINT ["{export.HOME}/{export.ENTRYPOINT}"]', dockerfile)
        self.assertIn("chmod -R go-rwx .", (home / "setup.sh").read_text())
        shipped = [p for p in (home / "source").rglob("*") if p.is_file()]
        self.assertTrue(shipped)
        self.assertFalse([p for p in shipped if p.relative_to(home / "source").parts[0] in (
            "reference", "bench") or "samples" in p.parts])

    def test_info_json_holds_the_external_grading_options(self):
        _, out, _ = self.export()
        info = json.loads((out / "info.json").read_text())
        self.assertEqual(info["gradingMethod"], "External")
        options = info["externalGradingOptions"]
        self.assertEqual(options["entrypoint"], f"{export.HOME}/{export.ENTRYPOINT}")
        self.assertLessEqual(options["timeout"], 600)  # PrairieLearn's largest
        self.assertLess(float(options["environment"]["MPSPEC_TIME_BUDGET"]),
                        options["timeout"])
        self.assertIn('"externalGradingOptions"', (out / "README.md").read_text())

    def test_an_earlier_export_is_replaced_anything_else_refused(self):
        _, out, _ = self.export()
        (out / "stale").write_text("from an earlier export\n")
        self.assertEqual(self.export()[0], 0)
        self.assertFalse((out / "stale").exists())
        mine = self.root / "mine"
        mine.mkdir()
        (mine / "thesis.tex").write_text("\\begin{document}\n")
        code, _, err = self.export(out=mine)
        self.assertEqual(code, 2)
        self.assertIn("is not an export", err)
        self.assertTrue((mine / "thesis.tex").exists())

    def test_a_rubric_that_does_not_load_is_refused_and_nothing_written(self):
        bad = self.root / "bad.toml"
        bad.write_text("max_score = = 3\n")
        code, out, err = self.export("--rubric", str(bad))
        self.assertEqual(code, 2)
        self.assertIn("cannot read the rubric", err)
        self.assertFalse(out.exists())

    def test_outside_a_git_checkout_it_refuses(self):
        with mock.patch.object(export, "ROOT", self.root):
            code, out, err = self.export()
        self.assertEqual(code, 2)
        self.assertIn("is not a git checkout", err)
        self.assertFalse(out.exists())

    def test_sources_whose_grader_does_not_start_are_refused(self):
        source = self.root / "source"
        (source / "tools").mkdir(parents=True)
        (source / "tools" / "mpspec").write_text("import causes_not_added_to_git\n")
        with self.assertRaisesRegex(sources.Refused,
                                    "grader does not start(.|\n)*causes_not_added_to_git"):
            export.check_sources(source, self.root)

    def test_the_entrypoint_reports_a_grader_that_does_not_import(self):
        home = self.root / "home"
        package = home / "source" / "tools" / "mpspec_runner"
        (package / "exports" / "prairielearn").mkdir(parents=True)
        for folder in (package, package / "exports", package / "exports" / "prairielearn"):
            (folder / "__init__.py").write_text("")
        (package / "exports" / "prairielearn" / "grader.py").write_text(
            "raise SyntaxError('edited into an error')\n")
        entry = home / export.ENTRYPOINT
        entry.write_bytes(export.ENTRYPOINT_SOURCE.read_bytes())
        results = self.root / "grade" / "results" / "results.json"
        source = entry.read_text().replace('"/grade/results/results.json"', repr(str(results)))
        entry.write_text(source)
        ran = subprocess.run([sys.executable, str(entry)], capture_output=True, text=True,
                             check=False)
        self.assertEqual(ran.returncode, 0, ran.stderr)
        self.assertIn("edited into an error", ran.stdout)
        doc = json.loads(results.read_text())
        self.assertIs(doc["gradable"], False)
        self.assertIn("autograder failed", doc["message"])


if __name__ == "__main__":
    unittest.main()
