"""The Gradescope export (tools/mpspec_runner/exports/gradescope/bundle.py) and its
run_autograder (exports/gradescope/autograder.py), without grading: what the zip holds, how
an upload is laid out, and what results.json says when the grader succeeds or fails. The real
grading, in a /autograder of its own, is the CTest test grading/export-gradescope
(check_export_gradescope.py)."""
import io
import json
import os
import sys
import tempfile
import unittest
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from mpspec_runner import exports
from mpspec_runner.checkout import ROOT
from mpspec_runner.exports.gradescope import autograder as ga
from mpspec_runner.exports.gradescope import bundle as gs_bundle

HEADER = "include/mp/process.hpp"


def files_under(folder):
    return sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*") if p.is_file())


class Temp(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="mpspec-test-gs-")
        self.root = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def tree(self, base, names):
        for name in names:
            (base / name).parent.mkdir(parents=True, exist_ok=True)
            (base / name).write_text(f"// {name}\n")
        return base


class BundleTest(Temp):
    def export(self, *args):
        out = self.root / "bundle.zip"
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()) as err:
            code = gs_bundle.main(["--out", str(out), *args])
        return code, out, err.getvalue()

    def test_the_zip_holds_the_entry_points_the_rubric_and_the_tracked_files(self):
        rubric = self.root / "mine.toml"
        rubric.write_text('max_score = 10\n[hidden]\ncases = ["x"]\n')
        code, out, _ = self.export("--rubric", str(rubric))
        self.assertEqual(code, 0)
        with zipfile.ZipFile(out) as z:
            modes = {i.filename: i.external_attr >> 16 & 0o777 for i in z.infolist()}
            self.assertEqual(z.read("rubric.toml"), rubric.read_bytes())
            self.assertIn("Ubuntu 24.04", z.read("setup.sh").decode())
            self.assertIn("chmod -R go-rwx /autograder/source", z.read("setup.sh").decode())
            self.assertEqual(z.read("run_autograder"),
                             gs_bundle.RUN_AUTOGRADER.read_bytes())
        self.assertEqual(modes["setup.sh"], 0o755)
        self.assertEqual(modes["run_autograder"], 0o755)
        self.assertEqual(modes["mpspec/tools/mpspec"], 0o755)
        self.assertEqual(modes["mpspec/conformance/drivers/cpython/cpython-fork"], 0o755)
        self.assertEqual(modes["mpspec/spec/rubric.toml"], 0o644)
        self.assertIn("mpspec/tools/mpspec_runner/grading/submission.py", modes)
        self.assertFalse([n for n in modes if n.startswith(("mpspec/build/", "mpspec/out/"))])
        # nothing of the solution: no reference, no sample (a patch of the reference)
        self.assertFalse([n for n in modes if n.startswith(
            ("mpspec/reference/", "mpspec/conformance/samples/"))])

    def test_the_same_checkout_gives_the_same_bytes(self):
        first = self.export()[1].read_bytes()
        self.assertEqual(self.export()[1].read_bytes(), first)

    def test_the_default_rubric_is_the_projects(self):
        _, out, _ = self.export()
        with zipfile.ZipFile(out) as z:
            self.assertEqual(z.read("rubric.toml"), (ROOT / "spec" / "rubric.toml").read_bytes())

    def test_a_rubric_that_does_not_load_is_refused_and_nothing_written(self):
        bad = self.root / "bad.toml"
        bad.write_text("max_score = = 3\n")
        code, out, err = self.export("--rubric", str(bad))
        self.assertEqual(code, 2)
        self.assertIn("cannot read the rubric", err)
        self.assertFalse(out.exists())

    def test_outside_a_git_checkout_it_refuses(self):
        with self.assertRaisesRegex(exports.sources.Refused, "is not a git checkout"):
            exports.sources.tracked_files(self.root)

    def test_a_bundle_whose_grader_does_not_start_is_refused(self):
        bundle = self.root / "broken.zip"
        with zipfile.ZipFile(bundle, "w") as z:
            z.writestr("mpspec/tools/mpspec", "import causes_not_added_to_git\n")
        with self.assertRaisesRegex(exports.sources.Refused,
                                    "grader does not start(.|\n)*causes_not_added_to_git"):
            gs_bundle.check_bundle(bundle, self.root)

    def test_setup_installs_the_packages_and_closes_the_tree(self):
        script = gs_bundle.setup_script(ROOT, ["tools/mpspec", "README.md"])
        self.assertIn("python3 mpspec/tools/mpspec setup", script)
        self.assertIn("chmod -R go-rwx /autograder/source", script)
        self.assertIn("  mpspec/tools/mpspec\n", script)
        self.assertNotIn("README.md", script)


class LayoutTest(Temp):
    def arranged(self, names):
        submission = self.tree(self.root / "submission", names)
        return files_under(ga.arrange(submission, self.root / "graded" / "submission"))

    def test_a_submission_in_the_layout_is_taken_as_it_is(self):
        names = [HEADER, "src/process.cpp", "src/detail.hpp"]
        self.assertEqual(self.arranged(names), sorted(names))

    def test_files_uploaded_one_by_one_are_put_in_the_layout(self):
        self.assertEqual(self.arranged(["process.hpp", "process.cpp", "detail.hpp", "NOTES.txt"]),
                         ["NOTES.txt", HEADER, "src/detail.hpp", "src/process.cpp"])

    def test_one_enclosing_folder_is_looked_into(self):
        self.assertEqual(self.arranged(["alice/" + HEADER, "alice/src/process.cpp",
                                        "__MACOSX/alice/._x", ".DS_Store"]),
                         [HEADER, "src/process.cpp"])

    def test_one_enclosing_folder_of_files_uploaded_one_by_one(self):
        self.assertEqual(self.arranged(["hw/process.hpp", "hw/a.cpp"]), [HEADER, "src/a.cpp"])

    def test_anything_else_goes_as_it_is_for_the_grader_to_explain(self):
        names = ["code/main.cpp", "readme.md"]
        self.assertEqual(self.arranged(names), names)

    def test_a_file_named_like_a_folder_is_set_aside(self):
        self.assertEqual(self.arranged(["process.hpp", "process.cpp", "src", "include"]),
                         ["include.uploaded", HEADER, "src.uploaded", "src/process.cpp"])

    def test_odd_names_are_laid_out_like_any_other(self):
        names = ["process.hpp", "my process.cpp", "-rf.cpp", "ünïcode.cpp", "process.cpp"]
        self.assertEqual(self.arranged(names),
                         [HEADER, "src/-rf.cpp", "src/my process.cpp", "src/process.cpp",
                          "src/ünïcode.cpp"])

    def test_links_are_kept_as_links_for_the_grader_to_refuse(self):
        submission = self.tree(self.root / "submission", [HEADER, "src/process.cpp"])
        os.symlink("/etc/passwd", submission / "src" / "x.cpp")
        os.mkfifo(submission / "src" / "pipe")
        dest = ga.arrange(submission, self.root / "graded" / "submission")
        self.assertTrue((dest / "src" / "x.cpp").is_symlink())
        self.assertFalse((dest / "src" / "pipe").exists())


class ResultsTest(Temp):
    GRADE = {"score": 60.0, "max_score": 100.0, "output": "3 cases passed", "tests": [
        {"name": "a.one: claim", "score": 60.0, "max_score": 60.0, "status": "passed",
         "output": "", "visibility": "visible"},
        {"name": "hidden case 2", "score": 0.0, "max_score": 40.0, "status": "failed",
         "output": "", "visibility": "hidden"}]}

    def folder(self, feedback="# Feedback: submission\n"):
        folder = self.root / "grades" / "submission"
        folder.mkdir(parents=True)
        (folder / "results.json").write_text(json.dumps(self.GRADE))
        if feedback is not None:
            (folder / "feedback.md").write_text(feedback)
        return folder

    def quiet(self, *args):
        with redirect_stdout(io.StringIO()):
            return ga.results(*args)

    def test_a_grade_keeps_score_and_tests_and_shows_the_feedback_as_markdown(self):
        doc = self.quiet(self.folder(), 0, 41.6)
        self.assertEqual(doc["score"], 60.0)
        self.assertEqual(doc["tests"], self.GRADE["tests"])
        self.assertEqual(doc["output"], "# Feedback: submission\n")
        self.assertEqual(doc["output_format"], "md")
        self.assertEqual(doc["execution_time"], 42)
        self.assertEqual(doc["stdout_visibility"], "hidden")

    def test_only_the_formats_keys_are_at_the_top(self):
        doc = self.quiet(self.folder(), 1, 3.0)
        self.assertLessEqual(set(doc), ga.TOP_KEYS)
        self.assertEqual(doc["extra_data"]["mpspec"]["max_score"], 100.0)

    def test_a_fault_of_the_grader_gives_no_score_and_says_so(self):
        folder = self.folder()
        for code in (3, 2, 130, -9):
            doc = self.quiet(folder, code, 5.0)
            self.assertNotIn("score", doc)
            self.assertNotIn("tests", doc)
            self.assertIn("autograder failed", doc["output"])
            self.assertFalse(doc["extra_data"]["mpspec"]["graded"])

    def test_no_results_gives_no_score(self):
        doc = self.quiet(self.root / "nowhere", 0, 5.0)
        self.assertNotIn("score", doc)
        self.assertIn("wrote no results.json", doc["extra_data"]["mpspec"]["why"])


class RunTest(Temp):
    """run() as Gradescope calls it, with a stand-in for `tools/mpspec grade`."""

    def fake_grader(self, body):
        script = self.root / "fake_grade.py"
        script.write_text("import json, sys\nfrom pathlib import Path\n"
                          "impl = Path(sys.argv[1])\n"
                          "out = Path(sys.argv[sys.argv.index('--out') + 1])\n" + body)
        return [sys.executable, str(script)]

    def run_autograder(self, body):
        autograder = self.root / "autograder"
        self.tree(autograder / "submission", ["hw/process.hpp", "hw/process.cpp"])
        with redirect_stdout(io.StringIO()):
            code = ga.run(autograder, self.fake_grader(body))
        return code, json.loads((autograder / "results" / "results.json").read_text())

    def test_the_grade_of_the_laid_out_submission_is_written(self):
        code, doc = self.run_autograder(
            "assert (impl / 'include/mp/process.hpp').is_file(), impl\n"
            "assert (impl / 'src/process.cpp').is_file()\n"
            "(out / impl.name).mkdir(parents=True)\n"
            "(out / impl.name / 'results.json').write_text(json.dumps("
            "{'score': 7.5, 'max_score': 10.0, 'tests': []}))\n"
            "(out / impl.name / 'feedback.md').write_text('**Score: 7.5 / 10**')\n")
        self.assertEqual(code, 0)
        self.assertEqual(doc["score"], 7.5)
        self.assertEqual(doc["output"], "**Score: 7.5 / 10**")

    def test_a_grader_that_fails_gives_no_score(self):
        code, doc = self.run_autograder("sys.exit(3)\n")
        self.assertEqual(code, 1)
        self.assertNotIn("score", doc)
        self.assertIn("exited with 3", doc["extra_data"]["mpspec"]["why"])

    def test_a_grader_that_crashes_gives_no_score(self):
        code, doc = self.run_autograder(
            "import os\nos.dup2(os.open(os.devnull, os.O_WRONLY), 2)\nraise RuntimeError('boom')\n")
        self.assertEqual(code, 1)
        self.assertNotIn("score", doc)


if __name__ == "__main__":
    unittest.main()
