"""Labels under a name of the run's own (spec/aliases.py): a driver sees fresh names, the
judge sees the case's, and a label no run issued records nothing."""
import unittest

from mpspec_runner.checkout import SPEC
from mpspec_runner.spec import cases
from mpspec_runner.spec.aliases import UNISSUED, Aliases

CASE = cases.load(SPEC / "beyond-seed" / "close-before-start.toml")


class AliasesTest(unittest.TestCase):
    def test_the_driver_sees_fresh_names_and_the_case_keeps_its_own(self):
        scenario = CASE.scenario(0.1)
        aliases = Aliases.of(scenario)
        sent = aliases.renamed(scenario)
        sent_labels = [s["as"] for s in sent["main"] if "as" in s]
        self.assertEqual(len(sent_labels), 3)
        self.assertFalse({"closed", "e_start", "r"} & set(sent_labels))
        self.assertEqual([s.get("as") for s in CASE.data["main"] if "as" in s],
                         ["closed", "e_start", "r"])

    def test_two_runs_issue_different_names(self):
        one, two = Aliases.of(CASE.scenario(0.1)), Aliases.of(CASE.scenario(0.1))
        self.assertNotEqual(one.alias["closed"], two.alias["closed"])

    def test_the_trace_is_read_under_the_cases_names_and_a_replayed_one_is_not(self):
        aliases = Aliases.of(CASE.scenario(0.1))
        trace = [{"ev": "op", "as": aliases.alias["closed"]}, {"ev": "op", "as": "closed"},
                 {"ev": "op"}]
        self.assertEqual([ev.get("as") for ev in aliases.restore(trace)],
                         ["closed", UNISSUED + "closed", None])


if __name__ == "__main__":
    unittest.main()
