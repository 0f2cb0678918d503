"""The sanitizer build of the grader's driver (conformance/drivers/cpp, MP_SANITIZE=ON):
every file that holds or reaches a submission's code is instrumented (its library, and
process_ops.cpp, which compiles the inline code of its mp/process.hpp), the driver's
json-heavy files are not, and the program is not PIE. The samples repr-reads-past-buffer
and repr-leaks-memory show the reports arriving; this shows where the instrumentation is."""
import json
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

from mpspec_runner.checkout import CONFORMANCE, REFERENCE

SANITIZE = "-fsanitize=address,undefined"


@unittest.skipUnless(shutil.which("cmake"), "no cmake here")
class SanitizerBuildTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        tree = Path(cls.tmp.name)
        subprocess.run(["cmake", "-S", CONFORMANCE / "drivers" / "cpp", "-B", tree,
                        f"-DMP_IMPL_DIR={REFERENCE}", "-DMP_SANITIZE=ON",
                        "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON"], check=True, capture_output=True)
        commands = json.loads((tree / "compile_commands.json").read_text())
        cls.flags = {str(Path(c["file"]).resolve()): c["command"] for c in commands}
        cls.build_files = "".join(p.read_text(errors="replace") for p in tree.rglob("*")
                                  if p.name in ("build.ninja", "link.txt"))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def command(self, path):
        return self.flags[str(Path(path).resolve())]

    def test_the_submissions_code_is_instrumented(self):
        sources = sorted((REFERENCE / "src").glob("*.cpp"))
        self.assertTrue(sources)
        for source in [*sources, CONFORMANCE / "drivers" / "cpp" / "process_ops.cpp"]:
            with self.subTest(source=source.name):
                self.assertIn(SANITIZE, self.command(source))

    def test_the_drivers_own_files_are_not(self):
        for name in ("main.cpp", "play.cpp", "points.cpp", "waiting.cpp", "other_module.cpp",
                     "exit_prints.cpp"):
            with self.subTest(source=name):
                self.assertNotIn("-fsanitize", self.command(CONFORMANCE / "drivers" / "cpp" / name))

    def test_the_program_links_the_runtimes_and_is_not_pie(self):
        self.assertIn(SANITIZE, self.build_files)
        self.assertIn("-no-pie", self.build_files)


if __name__ == "__main__":
    unittest.main()
