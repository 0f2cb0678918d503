"""A batch that stops (a grading at its third fork bomb, `run_case.py --stop-after N`) loses
the same cases whichever of two runs side by side ends first: run/runner.py cuts it where
the run order first meets the reason. The runs are stood in for, and events, not sleeps,
decide which ends first."""
import threading
import unittest
from unittest import mock

from mpspec_runner.checkout import SPEC
from mpspec_runner.cli.run_case import failures_limit
from mpspec_runner.grading import submission
from mpspec_runner.judge.verdict import Verdict
from mpspec_runner.run import runner
from mpspec_runner.run.adapters import Adapter
from mpspec_runner.sandbox.play import Observation
from mpspec_runner.spec import cases
from mpspec_runner.spec.clock import clock_units

# Four cases that wait on no clock, so the runner keeps their order: a, b, c, d.
NAMES = ["start-twice", "use-after-close", "close-before-start", "kill-misuse"]
CASES = [cases.load(SPEC / "beyond-seed" / f"{n}.toml") for n in NAMES]
WAIT = 10  # s: only if the runner broke; an event ends every wait before


def batch(decide):
    """Verdicts of a batch at -j 2 stopping at its first failure; `decide(case_index)` is
    what each stand-in run does before it returns (True: it fails)."""
    def run_case(case, adapter, _options):
        failed = decide(CASES.index(case))
        return runner.Result(case, adapter.name, Verdict.FAIL if failed else Verdict.PASS)

    with mock.patch.object(runner, "run_case", run_case):
        results = runner.run_cases(CASES, Adapter("x", "/nonexistent"),
                                   runner.RunOptions(unit=0.1), jobs=2,
                                   stop_after=failures_limit(1))
    return results


class StopTest(unittest.TestCase):
    def setUp(self):
        self.assertEqual([clock_units(c) for c in CASES], [0, 0, 0, 0])
        self.assertEqual(runner.longest_first(CASES), CASES)

    def test_the_failure_ends_first_and_the_later_cases_are_not_run(self):
        b_ended = threading.Event()

        def decide(i):
            if i == 0:
                b_ended.wait(WAIT)  # a runs beside b and ends after it
            if i == 1:
                b_ended.set()
            return i == 1

        results = batch(decide)
        self.assertEqual([r.verdict for r in results],
                         [Verdict.PASS, Verdict.FAIL, Verdict.ERROR, Verdict.ERROR])
        self.assertIn("1 cases failed already", results[3].text)

    def test_the_failure_ends_last_and_the_later_runs_do_not_count(self):
        d_ended = threading.Event()

        def decide(i):
            if i == 1:
                d_ended.wait(WAIT)  # c and d run and pass beside b before it fails
            if i == 3:
                d_ended.set()
            return i == 1

        results = batch(decide)
        self.assertTrue(d_ended.is_set())
        self.assertEqual([r.verdict for r in results],
                         [Verdict.PASS, Verdict.FAIL, Verdict.ERROR, Verdict.ERROR])
        self.assertIn("not counted: 1 cases failed already", results[2].text)

    def test_no_stop_no_cut(self):
        results = batch(lambda i: False)
        self.assertEqual([r.verdict for r in results], [Verdict.PASS] * 4)


def bomb(case, bombed=True):
    obs = Observation()
    obs.report = {"pids_limit": True} if bombed else {}
    return runner.Result(case, "x", Verdict.ERROR if bombed else Verdict.PASS, observation=obs)


class ForkBombTest(unittest.TestCase):
    def test_grading_stops_at_the_third_bomb_not_before(self):
        two = [bomb(CASES[0]), bomb(CASES[1]), bomb(CASES[2], bombed=False)]
        self.assertIsNone(submission.fork_bomb(two))
        why = submission.fork_bomb([*two, bomb(CASES[3])])
        self.assertIn("3 cases created processes without end", why)
        self.assertIn(CASES[3].id, why)


if __name__ == "__main__":
    unittest.main()
