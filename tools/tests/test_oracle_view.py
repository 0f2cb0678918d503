"""What CPython did on a case (run/oracle_view.py) is played once and kept: for the process,
and on disk where MPSPEC_ORACLE_CACHE names a folder only its owner can write; a unit far
from the kept one, another case file, or a kept run that failed the case plays it again."""
import os
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from mpspec_runner.checkout import DRIVERS, SPEC
from mpspec_runner.run import oracle_view
from mpspec_runner.sandbox.play import Observation
from mpspec_runner.spec import cases

ORACLE = DRIVERS / "cpython" / "cpython-fork"
CASE = SPEC / "10.4.1-basics" / "args-reach-target.toml"
WORKERS = tuple(f"Worker: {i}" for i in range(5))  # what the case expects


def observation(stdout):
    obs = Observation()
    obs.outcome, obs.stdout, obs.report, obs.trace = "ran", stdout, {"status": 0}, []
    obs.status = 0
    return obs


class OracleViewTest(unittest.TestCase):
    def setUp(self):
        self.folder = Path(tempfile.mkdtemp())
        self.cache = self.folder / "cache"
        env = mock.patch.dict(os.environ, {"MPSPEC_ORACLE_CACHE": str(self.cache)})
        env.start()
        self.addCleanup(env.stop)
        oracle_view._memory.clear()
        self.played = []

    def tearDown(self):
        oracle_view._memory.clear()
        for path in sorted(self.folder.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        self.folder.rmdir()

    def view(self, case, unit, stdout=WORKERS):
        def play(*args):
            self.played.append(args)
            return observation(list(stdout))
        with mock.patch.object(oracle_view, "play", play):
            return oracle_view.view(case, ORACLE, unit, "/usr/bin/python3")

    def test_a_case_is_played_once_for_the_process_and_for_the_next(self):
        case = cases.load(CASE)
        first = self.view(case, 0.25)
        self.assertEqual(self.view(case, 0.25), first)
        self.assertEqual(len(self.played), 1)
        oracle_view._memory.clear()  # another process: only the disk cache is left
        self.assertEqual(self.view(case, 0.27), first)
        self.assertEqual(len(self.played), 1)
        self.assertTrue(first.passes)
        self.assertIn("stdout lines (any order)", first.observed)

    def test_a_run_that_failed_the_case_is_not_kept(self):
        case = cases.load(CASE)
        failed = self.view(case, 0.25, stdout=["Worker: 0"])
        self.assertFalse(failed.passes)
        self.view(case, 0.25)
        self.view(case, 0.25)
        self.assertEqual(len(self.played), 2)

    def test_a_unit_far_from_the_kept_one_plays_the_case_again(self):
        case = cases.load(CASE)
        self.view(case, 0.25)
        self.view(case, 0.5)
        self.assertEqual(len(self.played), 2)

    def test_another_case_file_is_another_view(self):
        case = cases.load(CASE)
        self.view(case, 0.25)
        changed = self.folder / CASE.name
        changed.write_bytes(CASE.read_bytes() + b"\n# changed\n")
        self.view(cases.load(changed), 0.25)
        self.assertEqual(len(self.played), 2)

    def test_a_folder_others_can_write_is_not_used(self):
        self.cache.mkdir(mode=0o777)
        os.chmod(self.cache, 0o777)
        self.view(cases.load(CASE), 0.25)
        self.assertEqual(list(self.cache.iterdir()), [])

    def test_an_unreadable_entry_is_played_again(self):
        case = cases.load(CASE)
        self.view(case, 0.25)
        for entry in self.cache.iterdir():
            entry.write_text("{not json")
        oracle_view._memory.clear()
        self.view(case, 0.25)
        self.assertEqual(len(self.played), 2)


if __name__ == "__main__":
    unittest.main()
