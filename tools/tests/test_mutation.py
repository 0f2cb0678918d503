"""The mutator: which sites each operator finds (never inside a string or a comment), that
a mutant is one line changed and put back, and how outcomes are scored and reported."""
import tempfile
import re
import unittest
from pathlib import Path

from mpspec_runner.mutation import operators, report
from mpspec_runner.mutation.campaign import Outcome, argued
from mpspec_runner.mutation.mutants import FORK_PATH, apply, choose, code_lines, enumerate_mutants
from mpspec_runner.checkout import ROOT, REFERENCE

SOURCE = """// a comment: if (a == b) close(fd);
/* a block
   if (x < y) kill(pid, SIGTERM);
*/
#include <x>
int f(int fd, int a, int b) {
  if (a == b && fd >= 0) close(fd);
  std::puts("a == b || SIGTERM");  // "if (x)" in a comment
  kill(pid, SIGTERM);
  return true;
}
"""


class OperatorsTest(unittest.TestCase):
    def changes(self, line):
        return [(s.operator, s.describe) for s in operators.sites(line)]

    def test_each_operator_on_one_line(self):
        self.assertEqual(self.changes("  if (a == b && fd >= 0) close(fd);"),
                         [("negate", "if (X) -> (!(X))"), ("relational", "== -> !="),
                          ("relational", ">= -> >"), ("logical", "&& -> ||")])
        self.assertEqual(self.changes("  kill(pid, SIGTERM);"),
                         [("constant", "SIGTERM -> SIGKILL"), ("drop-call", "kill(...) removed")])
        self.assertEqual(self.changes("  return true;"), [("return", "return true -> false")])

    def test_strings_and_comments_are_left_alone(self):
        self.assertEqual(self.changes('  std::puts("a == b || SIGTERM");  // if (x) == y'),
                         [("drop-call", "std::puts(...) removed")])
        self.assertEqual(self.changes("  x = std::vector<int>{};  // a < b"), [])

    def test_streams_templates_and_arrows_are_not_comparisons(self):
        self.assertEqual(self.changes("  out << a->b;"), [])
        self.assertEqual(self.changes("  std::optional<int> code;"), [])


class MutantsTest(unittest.TestCase):
    def test_only_code_lines_are_mutated(self):
        self.assertEqual([n for n, _ in code_lines(SOURCE)], [6, 7, 8, 9, 10, 11])

    def test_a_mutant_is_one_line_and_is_put_back(self):
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / "src").mkdir()
            (Path(d) / "src" / "a.cpp").write_text(SOURCE, encoding="utf-8")
            mutants = enumerate_mutants(d, ["src/a.cpp"])
            self.assertEqual(len(mutants), 8)
            m = next(x for x in mutants if x.operator == "constant")
            self.assertEqual(m.key, "src/a.cpp | kill(pid, SIGTERM); | kill(pid, SIGKILL);")
            original = apply(d, m)
            changed = (Path(d) / "src" / "a.cpp").read_text(encoding="utf-8")
            self.assertEqual([a for a, b in zip(original.splitlines(), changed.splitlines())
                              if a != b], ["  kill(pid, SIGTERM);"])
            self.assertIn("  kill(pid, SIGKILL);\n", changed)

    def test_a_budget_is_the_same_draw_for_the_same_seed(self):
        mutants = enumerate_mutants(REFERENCE, FORK_PATH)
        self.assertGreater(len(mutants), 100)
        self.assertEqual(choose(mutants, 10, seed=3), choose(mutants, 10, seed=3))
        self.assertEqual(len(choose(mutants, 10)), 10)
        self.assertEqual(choose(mutants, None), mutants)


class ReportTest(unittest.TestCase):
    def test_score_counts_only_built_and_not_equivalent(self):
        m = enumerate_mutants(REFERENCE, FORK_PATH)[:5]
        outcomes = [Outcome(m[0], "killed", ["a"]), Outcome(m[1], "survived"),
                    Outcome(m[2], "equivalent"), Outcome(m[3], "not built"),
                    Outcome(m[4], "unreachable")]
        self.assertEqual(report.score(outcomes), (1, 2))
        text = report.markdown(outcomes, REFERENCE, [])
        self.assertIn("1 killed of 2 that count (50 %)", text)
        self.assertIn(m[1].key, text)
        self.assertIn(f"| `a` | 1 | - |", text)  # the case that killed m[0], and no sample
        # A case a sample fails is listed with it, even when it killed no mutant here.
        self.assertRegex(text, r"\| `beyond.repr-escapes-name` \| 0 \| [^|]*"
                               r"repr-backslash-unescaped")

    def test_a_survivor_is_what_its_argument_says(self):
        self.assertEqual(argued(None), "survived")
        self.assertEqual(argued("equivalent: fd 0 is stdin"), "equivalent")
        self.assertEqual(argued("unreachable here: the pipe fallback"), "unreachable")

    def test_a_rerun_keeps_each_mutant_apart_even_where_lines_repeat(self):
        mutants = enumerate_mutants(REFERENCE, FORK_PATH)
        self.assertLess(len({m.key for m in mutants}), len(mutants))  # identical lines exist
        outcomes = [Outcome(m, "killed" if i % 2 else "survived", [f"c{i}"])
                    for i, m in enumerate(mutants)]
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "mutants.json"
            path.write_text(report.as_json(outcomes), encoding="utf-8")
            kept = report.load_outcomes(path, mutants)
        self.assertEqual(len(kept), len(mutants))
        for o in outcomes:
            back = kept[report.ident(o.mutant)]
            self.assertEqual((back.mutant, back.status, back.killed_by),
                             (o.mutant, o.status, o.killed_by))

    def test_the_readme_quotes_the_committed_report(self):
        text = (ROOT / "conformance/mutants/report.md").read_text(encoding="utf-8")
        killed, counted = re.search(r"(\d+) killed of (\d+) that count", text).groups()
        readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
        self.assertIn(f"{killed} of {counted} mutants that count killed", readme)
        self.assertRegex(text, r"^316 mutants:|\n316 mutants:")

    def test_the_equivalent_file_names_real_mutants(self):
        keys = {x.key for x in enumerate_mutants(REFERENCE, FORK_PATH)}
        for key, why in report.load_equivalent().items():
            self.assertIn(key, keys, "no such mutant any more: remove it")
            self.assertTrue(why.strip())


if __name__ == "__main__":
    unittest.main()
