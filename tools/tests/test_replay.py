"""The runner plays again a run that failed only by being late (run/runner.py, `replays`),
and no other: the plays and the judge are stood in for, so each test decides what each run
of the case shows. And it starts the cases that wait longest first."""
import unittest
from unittest import mock

from mpspec_runner.checkout import SPEC
from mpspec_runner.judge.checks import Check
from mpspec_runner.judge.verdict import Verdict
from mpspec_runner.run import runner
from mpspec_runner.run.adapters import Adapter
from mpspec_runner.sandbox.play import Observation
from mpspec_runner.spec import cases

CASE = cases.load(SPEC / "10.4.5-join" / "join-timeout-wakes-promptly.toml")
ON_TIME = [Check("result joined", "null", "null", True),
           Check("median time from done to joined", "<= 5 ms", "1.2 ms", True)]
LATE = [Check("result joined", "null", "null", True),
        Check("median time from done to joined", "<= 5 ms", "9.9 ms", False, late=True)]
WRONG = [Check("result joined", "null", "1", False),
         Check("median time from done to joined", "<= 5 ms", "9.9 ms", False, late=True)]
EARLY = [Check("time from joined.t0 to joined", ">= 3 units", "1.00 units", False)]


def run(runs, replays=2):
    """The result of the case whose successive runs are judged `runs`, and how many ran."""
    played = []

    def play(*_args):
        played.append(1)
        obs = Observation()
        obs.outcome = "ran"
        return obs

    judged = iter(runs)
    with mock.patch.object(runner, "play", play), \
            mock.patch.object(runner, "judged", lambda *_: next(judged)):
        result = runner.run_case(CASE, Adapter("x", "/nonexistent"),
                                 runner.RunOptions(unit=0.1, oracle=None, replays=replays))
    return result, len(played)


class ReplayTest(unittest.TestCase):
    def test_a_late_run_is_played_again_and_the_last_run_decides(self):
        result, played = run([LATE, ON_TIME, ON_TIME])
        self.assertEqual((result.verdict, played), (Verdict.PASS, 2))
        self.assertIn("played 2 times: the earlier runs took longer", result.text)
        result, played = run([LATE, LATE, LATE, ON_TIME])
        self.assertEqual((result.verdict, played), (Verdict.FAIL, 3))
        self.assertIn("played 3 times: every run took longer", result.text)

    def test_a_run_that_fails_otherwise_is_not_played_again(self):
        for runs in ([WRONG, ON_TIME], [EARLY, ON_TIME]):
            result, played = run(runs)
            self.assertEqual((result.verdict, played), (Verdict.FAIL, 1))
            self.assertNotIn("played", result.text)

    def test_a_run_that_passes_is_played_once(self):
        self.assertEqual(run([ON_TIME, LATE]), (mock.ANY, 1))

    def test_no_replays_when_none_are_asked(self):
        result, played = run([LATE, ON_TIME], replays=0)
        self.assertEqual((result.verdict, played), (Verdict.FAIL, 1))


class OrderTest(unittest.TestCase):
    def test_the_longest_waits_start_first_and_results_keep_the_given_order(self):
        loaded = [cases.load(f) for f in cases.discover([str(SPEC / "10.4.5-join")])]
        started = []

        def run_case(case, adapter, _options):
            started.append(case.id)
            return runner.Result(case, adapter.name, Verdict.PASS)

        with mock.patch.object(runner, "run_case", run_case):
            results = runner.run_cases(loaded, Adapter("x", "/nonexistent"),
                                       runner.RunOptions(unit=0.1), jobs=1)
        self.assertEqual([r.case.id for r in results], [c.id for c in loaded])
        self.assertEqual(started[0], "join.timeout-wakes-promptly")
        self.assertEqual(sorted(started), sorted(c.id for c in loaded))
        self.assertNotEqual(started, [c.id for c in loaded])


if __name__ == "__main__":
    unittest.main()
