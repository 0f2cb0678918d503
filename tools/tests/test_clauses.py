"""The clause map: every clause of API.md and of the seed's behaviour is in it, quoted word for
word; every MUST clause has a case (or names the test that checks it instead, and why); and
the checks that say so fail when they should (each seen failing on a made-up map)."""
import re
import unittest
from pathlib import Path

from tools.mpspec_runner.checkout import SPEC, shared_file
from tools.mpspec_runner.spec import cases as casemod
from tools.mpspec_runner.spec import clauses as C

API_ROWS = """| topic | behaviour |
| --- | --- |
| join | `join()` blocks until the child is reaped. Joining may be repeated. |
| daemon | Set before `start()`; unset means inherited from the creating process. |
"""


def clause(cid, quote, row="join", level="MUST", **kw):
    return C.Clause(id=cid, source="API.md", row=row, level=level, quote=quote, **kw)


class FakeCase:
    def __init__(self, cid, named):
        self.id, self.rel, self.data = cid, f"spec/x/{cid}.toml", {"clauses": named}


def real():
    cases = [casemod.load(p) for p in casemod.discover([SPEC])]
    clauses = C.load()
    return clauses, cases


@unittest.skipUnless(shared_file("API.md") and shared_file(C.SOURCES["seed"]),
                     "API.md and the seed are not beside the checkout")
class TheRealMap(unittest.TestCase):
    def test_no_problems(self):
        clauses, cases = real()
        self.assertEqual(C.all_problems(clauses, cases), [])

    def test_every_case_names_a_clause(self):
        _, cases = real()
        self.assertEqual([c.rel for c in cases if not c.data.get("clauses")], [])

    def test_the_two_sentences_that_scored_100_have_cases(self):
        # The misses that motivated the map (issue 22): each must stay tested.
        clauses, cases = real()
        C.attach(clauses, cases)
        by_id = {c.id: c for c in clauses}
        self.assertTrue(by_id["api.child-exit.no-exit-handlers"].cases)
        self.assertTrue(by_id["api.at-exit.child-any-path"].cases)

    def test_report_lists_every_clause(self):
        clauses, cases = real()
        C.attach(clauses, cases)
        text = C.report(clauses)
        for c in clauses:
            self.assertIn(f"`{c.id}`", text)


class TheReadme(unittest.TestCase):
    def test_counts_every_case(self):
        readme = (C.ROOT / "README.md").read_text(encoding="utf-8")
        n = len(casemod.discover([SPEC]))
        self.assertEqual(re.findall(r"executable spec \((\d+) cases\)", readme), [str(n)])


class TheChecksFail(unittest.TestCase):
    texts = {"API.md": C.words(API_ROWS), "seed": ""}
    whole = [clause("j1", "`join()` blocks until the child is reaped."),
             clause("j2", "Joining may be repeated."),
             clause("d1", "Set before `start()`;", row="daemon"),
             clause("d2", "unset means inherited from the creating process.", row="daemon")]

    def test_a_complete_map_is_clean(self):
        self.assertEqual(C.check_map(self.whole, self.texts, API_ROWS), [])

    def test_a_sentence_in_no_clause(self):
        found = C.check_map(self.whole[1:], self.texts, API_ROWS)
        self.assertEqual(len(found), 1)
        self.assertIn("row 'join': in no clause", found[0])
        self.assertIn("blocks until the child is reaped", found[0])

    def test_a_quote_no_longer_in_its_source(self):
        drifted = self.whole + [clause("j3", "`join()` blocks until the child has exited.")]
        self.assertIn("quote not in API.md", C.check_map(drifted, self.texts, API_ROWS)[0])

    def test_an_id_used_twice_and_a_bad_level(self):
        bad = self.whole + [clause("j1", "Joining may be repeated.", level="MUSTN'T")]
        found = " ".join(C.check_map(bad, self.texts, API_ROWS))
        self.assertIn("id used twice", found)
        self.assertIn("level must be one of", found)

    def test_a_must_clause_with_no_case(self):
        clauses = [clause("j1", "x"), clause("j2", "y")]
        self.assertEqual(C.attach(clauses, [FakeCase("a", ["j2"])]), [])
        found = C.check_coverage(clauses)
        self.assertEqual(len(found), 1)
        self.assertIn("j1 (MUST) has no case", found[0])

    def test_a_should_clause_needs_a_reason(self):
        clauses = [clause("s", "x", level="SHOULD"),
                   clause("m", "y", level="MAY", uncovered="a permission")]
        found = C.check_coverage(clauses)
        self.assertEqual(found, ["clause s (SHOULD) has no case and no `uncovered` reason"])

    def test_a_stale_reason(self):
        clauses = [clause("m", "y", level="MAY", uncovered="cannot be tested")]
        C.attach(clauses, [FakeCase("a", ["m"])])
        self.assertIn("says uncovered, but a test it", C.check_coverage(clauses)[0])

    def test_a_case_naming_an_unknown_clause_or_none(self):
        found = C.attach([clause("j1", "x")], [FakeCase("a", ["j9"]), FakeCase("b", [])])
        self.assertEqual(len(found), 2)
        self.assertIn("names 'j9'", found[0])
        self.assertIn("names no clause", found[1])

    def test_elsewhere_must_name_a_real_test(self):
        here = str(Path(__file__).resolve().relative_to(C.ROOT))
        good = clause("e", "x", elsewhere={"file": here, "test": "def test_elsewhere_must"},
                      why="no case can")
        missing = "def test_" + "no_such_thing"  # split, or this file would hold it
        gone = clause("f", "x", elsewhere={"file": here, "test": missing}, why="no case can")
        silent = clause("g", "x", elsewhere={"file": here, "test": "def test_elsewhere"})
        self.assertEqual(C._check_elsewhere(good, "e"), [])
        self.assertIn(f"has no {missing!r}", C._check_elsewhere(gone, "f")[0])
        self.assertIn("needs a `why`", C._check_elsewhere(silent, "g")[0])
        self.assertEqual(C.check_coverage([good]), [])


if __name__ == "__main__":
    unittest.main()
