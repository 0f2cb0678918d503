"""The student kit's contents (tools/mpspec export student-kit); grading through its ./check
is tools/tests/check_student_kit.py (CTest: grading/student-kit)."""
import re
import subprocess
import sys
import tempfile
import tomllib
import unittest
from pathlib import Path

from tools.mpspec_runner.checkout import ROOT
from tools.mpspec_runner.exports import student_kit
from tools.mpspec_runner.grading.rubric import load_rubric

HIDDEN = "beyond.repr-escapes-name"


class StudentKit(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="mpspec-kit-test-")
        rubric = Path(cls.tmp.name) / "rubric.toml"
        text = (ROOT / "spec" / "rubric.toml").read_text(encoding="utf-8")
        rubric.write_text(re.sub(r"(?m)^cases = \[\]", f'cases = ["{HIDDEN}"]', text),
                          encoding="utf-8")
        assert load_rubric(rubric)["hidden"]["cases"] == [HIDDEN]
        cls.kit = Path(cls.tmp.name) / "kit"
        done = subprocess.run([sys.executable, str(ROOT / "tools" / "mpspec"), "export",
                               "student-kit", "--out", str(cls.kit), "--rubric", str(rubric)],
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_a_hidden_case_is_not_in_the_kit_nor_named_there(self):
        self.assertFalse((self.kit / "mpspec/spec/beyond-seed/repr-escapes-name.toml").exists())
        self.assertTrue((self.kit / "mpspec/spec/beyond-seed/repr-quotes-name.toml").exists())
        named = [p for p in self.kit.rglob("*") if p.is_file()
                 and HIDDEN in p.read_text(encoding="utf-8", errors="replace")]
        self.assertEqual(named, [])

    def test_the_kit_rubric_scores_as_the_course_rubric_with_nothing_hidden(self):
        given = load_rubric(ROOT / "spec" / "rubric.toml")
        kit = load_rubric(self.kit / "mpspec/spec/rubric.toml")
        self.assertEqual(kit, dict(given, hidden={"cases": []}))

    def test_the_kit_holds_the_contract_a_starter_and_no_reference(self):
        self.assertTrue((self.kit / "shared/API.md").is_file())
        self.assertTrue(any((self.kit / "shared/seed").glob("*.md")))
        self.assertEqual(list((self.kit / "submission/src").iterdir()), [])
        starter = (self.kit / "submission/include/mp/process.hpp").read_text(encoding="utf-8")
        self.assertIn("class Process {", starter)
        self.assertNotIn("cereal", starter)  # the reference header's implementation
        held = [p.relative_to(self.kit).as_posix() for p in self.kit.rglob("*")]
        self.assertFalse([p for p in held if p.startswith(("mpspec/reference",
                                                           "mpspec/conformance/samples",
                                                           "mpspec/conformance/mutants"))])

    def test_the_starter_header_compiles(self):
        source = Path(self.tmp.name) / "use.cpp"
        source.write_text("#include <mp/process.hpp>\nint main() { mp::Process p; (void)p; }\n")
        done = subprocess.run(["c++", "-std=c++20", "-fsyntax-only",
                               f"-I{self.kit / 'submission/include'}", str(source)],
                              capture_output=True, text=True, check=False)
        self.assertEqual(done.returncode, 0, done.stderr)

    def test_rubric_toml_reads_back_as_written(self):
        rubric = load_rubric(ROOT / "spec" / "rubric.toml")
        rubric["sections"]["it's \"odd\""] = 0.25
        self.assertEqual(tomllib.loads(student_kit.rubric_toml(rubric)),
                         dict(rubric, hidden={"cases": []}))


if __name__ == "__main__":
    unittest.main()
