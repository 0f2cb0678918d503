"""The runner plays again a case whose timing check the machine's load left undecided
(run/runner.py), and after its last run says so as a harness verdict, never a failure."""
import unittest
from types import SimpleNamespace
from unittest import mock

from mpspec_runner.judge.checks import Check
from mpspec_runner.judge.verdict import Verdict
from mpspec_runner.run import runner
from mpspec_runner.sandbox.play import Observation

CASE = SimpleNamespace(id="join.timeout-wakes-promptly", level="MUST")
ADAPTER = SimpleNamespace(name="impl", path="/nonexistent", expected={}, may_fail={})
OPTIONS = runner.RunOptions(unit=0.1, oracle=None)


def undecided(ok=False):
    return Check("median time from done to joined", "<= 5 ms", "24 ms", ok, "too loaded")


def decided(ok):
    return Check("median time from done to joined", "<= 5 ms", "9 ms", ok)


class RetryTest(unittest.TestCase):
    def run_with(self, verdicts):
        plays = []

        def play(*_args):
            plays.append(1)
            return Observation()

        with mock.patch.object(runner, "play", play), \
                mock.patch.object(runner, "judged", lambda *_: [verdicts[len(plays) - 1]]), \
                mock.patch.object(runner, "described", lambda *_: "text"):
            return runner.run_case(CASE, ADAPTER, OPTIONS), len(plays)

    def test_a_later_run_decides(self):
        result, plays = self.run_with([undecided(), decided(False)])
        self.assertEqual((result.verdict, plays), (Verdict.FAIL, 2))

    def test_undecided_every_time_is_the_harness(self):
        result, plays = self.run_with([undecided(), undecided(True), undecided()])
        self.assertEqual((result.verdict, plays), (Verdict.HARNESS, runner.ATTEMPTS))
        self.assertIn("not the implementation's doing", result.text)

    def test_a_decided_run_is_not_played_again(self):
        result, plays = self.run_with([decided(True)])
        self.assertEqual((result.verdict, plays), (Verdict.PASS, 1))


if __name__ == "__main__":
    unittest.main()
