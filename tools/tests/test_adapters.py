"""The Python adapters by declaration (conformance/drivers/cpython/): each script names its
interpreter, module and start method; the driver uses the module it is given and nothing of
it for its own bookkeeping; columns get labels that tell interpreters apart; a race a library
loses on some runs only is accepted either way."""
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from mpspec_runner.checkout import DRIVERS, SPEC
from mpspec_runner.cli import mpspec as cli
from mpspec_runner.judge.verdict import Verdict, decide
from mpspec_runner.run.adapters import Adapter
from mpspec_runner.run.runner import RunOptions, run_case
from mpspec_runner.sandbox.play import Observation
from mpspec_runner.spec import cases

PYTHON_DRIVERS = DRIVERS / "cpython"
DECLARED = re.compile(r'^exec (\S+)( -S)? "\$\{0%/\*\}/driver\.py" --module (\S+) '
                      r'--start-method (fork|spawn|forkserver) "\$@"$', re.M)
# A module with multiprocessing's API but for parent_process, as billiard lacks it.
NO_PARENT = """from multiprocessing import *  # noqa: F401,F403
from multiprocessing import connection  # noqa: F401
del parent_process  # noqa: F821
"""
# A module that starts children as it is asked to, but says they are forked.
SAYS_FORK = """from multiprocessing import *  # noqa: F401,F403
from multiprocessing import connection  # noqa: F401


def get_start_method(allow_none=False):
    return "fork"
"""


class DeclarationTest(unittest.TestCase):
    def test_every_adapter_declares_interpreter_module_and_start_method(self):
        scripts = [p for p in PYTHON_DRIVERS.iterdir() if p.is_file() and not p.suffix
                   and p.name != "README"]
        self.assertGreaterEqual(len(scripts), 12)
        for script in scripts:
            m = DECLARED.search(script.read_text())
            self.assertIsNotNone(m, f"{script.name} does not declare itself")
            interpreter, no_site, module, method = m.groups()
            self.assertEqual(script.name, f"{script.name.rsplit('-', 1)[0]}-{method}")
            self.assertTrue(os.access(script, os.X_OK), script.name)
            # only CPython's adapters take their interpreter from --python ($MPSPEC_PYTHON)
            self.assertEqual("MPSPEC_PYTHON" in interpreter, script.name.startswith("cpython-"))
            # the oracle is CPython's standard library, not the machine's site (README.md)
            self.assertEqual(no_site is not None, script.name.startswith("cpython-"))
            if not script.name.startswith(("cpython-", "pypy3-")):
                self.assertEqual(module, script.name.rsplit("-", 1)[0])


class ModuleSwitchTest(unittest.TestCase):
    def run_driver(self, *args, env=None):
        return subprocess.run([sys.executable, str(PYTHON_DRIVERS / "driver.py"), *args],
                              capture_output=True, text=True, env=env, check=False)

    def test_version_names_the_module_and_the_interpreter(self):
        out = self.run_driver("--version")
        self.assertEqual(out.returncode, 0)
        self.assertEqual(out.stdout.strip(),
                         f"multiprocessing on CPython {sys.version.split()[0]}")

    def test_a_module_that_cannot_be_imported_is_said_so(self):
        out = self.run_driver("--module", "no_such_module_here", "--version")
        self.assertEqual(out.returncode, 1)
        self.assertIn("cannot import no_such_module_here", out.stderr)

    def play(self, module, source, method, case_file):
        """The verdict of `case_file` on the Python driver with `module` (its `source`, in a
        folder of its own) under `method`."""
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, f"{module}.py").write_text(source)
            adapter = Path(tmp, f"{module}-{method}")
            adapter.write_text(f'#!/bin/sh\nPYTHONPATH={tmp} exec {sys.executable} '
                               f'{PYTHON_DRIVERS / "driver.py"} --module {module} '
                               f'--start-method {method} "$@"\n')
            adapter.chmod(adapter.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
            os.chmod(tmp, 0o755)
            return run_case(cases.load(SPEC / case_file),
                                 Adapter(adapter.name, adapter),
                                 RunOptions(unit=0.3, oracle=None))

    def test_the_driver_needs_no_parent_process_of_the_module(self):
        result = self.play("noparent", NO_PARENT, "fork", "10.4.5-join/join-waits.toml")
        self.assertEqual(result.verdict, Verdict.PASS, result.text)
        result = self.play("noparent", NO_PARENT, "fork", "beyond-seed/parent-process.toml")
        self.assertEqual(result.verdict, Verdict.FAIL)  # the one step that asks for it
        self.assertIn("noparent has no parent_process()", result.text)

    def test_a_module_that_misnames_its_start_method_fails_the_cases_that_ask(self):
        """A column named spawn must be spawn: the library's "fork" under a spawn adapter
        would pick the fork expectation, which a forking spawn meets."""
        result = self.play("saysfork", SAYS_FORK, "spawn", "beyond-seed/globals-not-inherited.toml")
        self.assertEqual(result.verdict, Verdict.FAIL)
        self.assertIn("get_start_method() is 'fork' after set_start_method('spawn')",
                      result.text)


class LabelTest(unittest.TestCase):
    def test_two_interpreters_of_one_minor_version_get_two_labels(self):
        pythons = {p for p in (shutil.which("python3"), "/usr/bin/python3", sys.executable) if p}
        labels = {cli.python_label(p) for p in pythons}
        versions = {subprocess.run([p, "-c", "import platform; print(platform.python_version())"],
                                   capture_output=True, text=True, check=True).stdout
                    for p in pythons}
        self.assertEqual(len(labels), len(versions))
        for label in labels:
            self.assertRegex(label, r"^(pypy)?\d+\.\d+\.\d+")


class MayFailTest(unittest.TestCase):
    def test_a_case_that_fails_on_some_runs_is_accepted_either_way(self):
        case = cases.load(SPEC / "10.4.5-join" / "join-waits.toml")
        obs = Observation()
        failed = [type("Check", (), {"ok": False})()]
        passed = [type("Check", (), {"ok": True})()]
        race = {case.id: "a race in the library"}
        self.assertEqual(decide(case, obs, failed, {}, race), Verdict.XFAIL)
        self.assertEqual(decide(case, obs, passed, {}, race), Verdict.PASS)
        self.assertEqual(decide(case, obs, passed, race), Verdict.XPASS)


if __name__ == "__main__":
    unittest.main()
