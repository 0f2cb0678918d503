#!/usr/bin/env python3
"""The book (CTest `book`; tools/mpspec book): built from the spec and a results document, every
link inside it leads somewhere; every case is on its section's page with its claim, both
programs and what it expects; an expected failure's reason is written once for the columns
that share it; every clause and every documentation page is there; and headless Chromium
renders the pages (their DOM holds every case, a screenshot is not blank).

The programs themselves are built, run and judged by conformance/programs
(tools/tests/check_programs.py); this test checks what the book shows.
"""
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from mpspec_runner.book import docs, render  # noqa: E402
from mpspec_runner.book.build import build  # noqa: E402
from mpspec_runner.book.sections import file_of  # noqa: E402
from mpspec_runner.checkout import SPEC  # noqa: E402
from mpspec_runner.spec import cases as casemod  # noqa: E402
from mpspec_runner.spec import clauses as clausemod  # noqa: E402

CASE = "join.timeout-seed"
REASON = "the library's join(t) waits for the end (a reason two columns share)"


def results_document(cases):
    """A matrix run's results as `tools/mpspec run` writes them: every case passed on
    `reference`, and on CASE an expected failure of two columns for one reason and a failure."""
    adapters = ["reference", "alt-fork", "alt-spawn", "broken"]
    results = [{"case": c.id, "adapter": "reference", "verdict": "PASS", "reason": "",
                "summary": "", "details": "", "seconds": 0.1} for c in cases]
    results += [{"case": CASE, "adapter": a, "verdict": "XFAIL", "reason": REASON,
                 "summary": "fails: result d_alive", "details": "", "seconds": 0.1}
                for a in ("alt-fork", "alt-spawn")]
    results.append({"case": CASE, "adapter": "broken", "verdict": "FAIL", "reason": "",
                    "summary": "result d_alive: expected value=true, got false",
                    "details": "", "seconds": 0.1})
    return {"unit": 0.2, "date": "2026-12-06T00:00:00Z", "isolation": "namespace",
            "adapters": [{"name": a, "path": a, "version": a, "unit": 0.2} for a in adapters],
            "cases": [{"id": c.id, "section": c.data.get("section"), "level": c.level,
                       "weight": c.weight, "claim": c.data.get("claim", "")} for c in cases],
            "results": results}


class Book(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="mpspec-book-")
        cls.out = Path(cls.tmp.name) / "book"
        cls.cases = [casemod.load(p) for p in casemod.discover([SPEC])]
        results = Path(cls.tmp.name) / "results.json"
        import json
        results.write_text(json.dumps(results_document(cls.cases)), encoding="utf-8")
        cls.pages, cls.broken = build(cls.out, results)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def page(self, name):
        return (self.out / name).read_text(encoding="utf-8")

    def test_every_link_leads_somewhere(self):
        self.assertEqual(self.broken, [])

    def test_every_case_is_on_its_sections_page_with_both_programs(self):
        for case in self.cases:
            text = self.page(file_of(case.data["section"]))
            block = text.split(f'<section class="case" id="{case.id}">', 1)
            self.assertEqual(len(block), 2, f"{case.id} has no block")
            block = block[1].split("</section>", 1)[0]
            self.assertIn("#include &lt;mp/process.hpp&gt;", block, case.id)
            self.assertIn("import multiprocessing as mp", block, case.id)
            self.assertIn("What the case expects", block, case.id)

    def test_a_shared_reason_is_written_once_and_a_failure_shows_its_first_check(self):
        text = self.page(file_of("10.4.5"))
        block = text.split(f'id="{CASE}"', 1)[1].split("</section>", 1)[0]
        self.assertEqual(block.count("waits for the end (a reason two columns share)"), 1)
        self.assertIn("alt-fork, alt-spawn", block)
        self.assertIn("expected value=true, got false", block)
        self.assertRegex(block, r"✗ failed")

    def test_every_clause_and_every_document_has_its_place(self):
        text = self.page("clauses.html")
        for clause in clausemod.load():
            self.assertIn(f'id="{clause.id}"', text)
        for page, _, _ in docs.available():
            self.assertIn(page, self.pages)
        self.assertGreaterEqual(len(docs.available()), 8)

    def test_chromium_renders_the_pages(self):
        self.assertIsNotNone(render.chromium(), "chromium is not installed: tools/mpspec setup")
        section = self.out / file_of("10.4.5")
        rendered = render.dom(section)
        for case in self.cases:
            if case.data["section"] == "10.4.5":
                self.assertIn(f'id="{case.id}"', rendered)
        for name in ("index.html", file_of("10.4.5"), "clauses.html", "doc-readme.html"):
            png = render.screenshot(self.out / name, Path(self.tmp.name) / f"{name}.png")
            self.assertFalse(render.is_blank(png), f"{name} renders blank")
        self.assertTrue(render.is_blank(self.blank_page()), "the blank check cannot fail")

    def blank_page(self):
        page = Path(self.tmp.name) / "blank.html"
        page.write_text("<!DOCTYPE html><html><body></body></html>", encoding="utf-8")
        return render.screenshot(page, Path(self.tmp.name) / "blank.png")


if __name__ == "__main__":
    unittest.main()
