"""The sanitizer run's cases (grading/sanitizer.py, `replayed`): every clause the graded
run's cases name is named by one of them, and no more of them than the cover needs."""
import unittest

from mpspec_runner.checkout import SPEC
from mpspec_runner.grading.sanitizer import replayed
from mpspec_runner.spec import cases


def clauses(loaded):
    return {c for case in loaded for c in case.data.get("clauses", [])}


class ReplayedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.loaded = [cases.load(f) for f in cases.discover([str(SPEC)])]

    def test_every_clause_is_played_by_fewer_cases_in_the_graded_order(self):
        chosen = replayed(self.loaded)
        self.assertEqual(clauses(chosen), clauses(self.loaded))
        self.assertLess(len(chosen), len(self.loaded) * 2 // 3)
        order = [case.id for case in self.loaded]
        self.assertEqual([case.id for case in chosen],
                         sorted((case.id for case in chosen), key=order.index))

    def test_a_subset_of_cases_is_covered_by_its_own_cases(self):
        part = [case for case in self.loaded if case.id.startswith("join.")]
        chosen = replayed(part)
        self.assertTrue(set(c.id for c in chosen) <= set(c.id for c in part))
        self.assertEqual(clauses(chosen), clauses(part))


if __name__ == "__main__":
    unittest.main()
