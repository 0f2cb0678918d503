"""The matrix page: one row per case, the right symbols, escaped claims, working links, and
nothing fetched from outside the page."""
import copy
import html.parser
import tempfile
import unittest
from pathlib import Path

from mpspec_runner.matrix import markdown, results, write

RESULTS = {
    "unit": 0.14, "isolation": "namespace", "date": "2026-11-24T00:00:00Z",
    "adapters": [{"name": "reference"},
                 {"name": "cpython-fork", "version": "multiprocessing on CPython 3.11.7"}],
    "cases": [
        {"id": "a.one", "section": "10.4.1", "level": "MUST", "weight": 2,
         "claim": "A claim with <script>alert(1)</script> & \"quotes\"", "rel": "spec/a.toml"},
        {"id": "a.two", "section": "10.4.1", "level": "SHOULD", "weight": 1, "claim": "two"},
        {"id": "b.three", "section": "beyond", "level": "MAY", "weight": 1, "claim": "three"},
    ],
    "results": [
        {"case": "a.one", "adapter": "reference", "verdict": "PASS", "details": ""},
        {"case": "a.one", "adapter": "cpython-fork", "verdict": "FAIL", "details": "x <y>",
         "summary": "✗ stdout: expected 'a', got 'b'"},
        {"case": "a.two", "adapter": "reference", "verdict": "XFAIL", "details": "known",
         "reason": "the reference has no frobnicate()"},
        {"case": "b.three", "adapter": "reference", "verdict": "TIMEOUT", "details": "slow"},
    ],
}


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.ids, self.tags = [], set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href", "").startswith("#"):
            self.hrefs.append(attrs["href"][1:])


class MatrixTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.md, self.page = write.write(RESULTS, Path(self.dir.name))

    def tearDown(self):
        self.dir.cleanup()

    def test_markdown_has_a_row_per_case_with_its_symbols(self):
        rows = [line for line in self.md.read_text().splitlines() if line.startswith("| `")]
        self.assertEqual(len(rows), 3)
        self.assertIn("| `a.one` | MUST | ✓ | ✗ |", rows)
        self.assertIn("| `a.two` | SHOULD | xfail |   |", rows)
        self.assertIn("| `b.three` | MAY | T/O |   |", rows)

    def test_page_is_self_contained_and_escaped(self):
        text = self.page.read_text()
        for outside in ("<script src", "<link", "http://", "https://"):
            self.assertNotIn(outside, text)
        self.assertNotIn("<script>alert(1)", text)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", text)

    def test_every_failure_links_to_its_output(self):
        parser = Links()
        parser.feed(self.page.read_text())
        self.assertEqual(len(parser.hrefs), 3)  # FAIL, XFAIL, TIMEOUT; PASS has no link
        for target in parser.hrefs:
            self.assertIn(target, parser.ids)

    def test_each_column_says_what_it_is_and_each_difference_why(self):
        md, page = self.md.read_text(), self.page.read_text()
        for text in (md, page):
            self.assertIn("multiprocessing on CPython 3.11.7", text)
            self.assertIn("the reference has no frobnicate()", text)  # an XFAIL's reason
            self.assertIn("expected &#x27;a&#x27;, got &#x27;b&#x27;" if text is page
                          else "expected 'a', got 'b'", text)  # a FAIL's first line
        self.assertLess(page.index("Legend"), page.index("<table"))

    def test_a_failed_cells_tooltip_names_what_went_wrong(self):
        parser = Links()
        parser.feed(self.page.read_text())
        tips = [a.get("title", "") for tag, a in parser.tags if tag == "td" and a.get("class") == "FAIL"]
        self.assertEqual(tips, ["failed: ✗ stdout: expected 'a', got 'b'"])

    def test_the_summary_counts_passes_listed_and_other_failures_per_column(self):
        rows = markdown.summary(RESULTS).splitlines()
        self.assertIn("| `reference` |  | 1/3 | 1 | 1 |", rows)
        self.assertIn("| `cpython-fork` | multiprocessing on CPython 3.11.7 | 0/1 | 0 | 1 |", rows)

    def test_the_totals_count_passes_expected_failures_and_failures_apart(self):
        # (the page once counted an expected failure as passed: 87/87 for a column with 77)
        md = self.md.read_text().splitlines()
        self.assertIn("| **passed** | | 1/3 | 0/1 |", md)
        self.assertIn("| **failed as expected** | | 1/3 | 0/1 |", md)
        self.assertIn("| **failed** | | 1/3 | 1/1 |", md)
        page = self.page.read_text()
        self.assertIn('<tr><td class="case">passed</td><td></td><td>1/3</td><td>0/1</td></tr>',
                      page)

    def test_a_reason_shared_by_cases_is_written_once(self):
        doc = copy.deepcopy(RESULTS)
        doc["results"].append({"case": "b.three", "adapter": "cpython-fork", "verdict": "XFAIL",
                               "reason": "lacks widgets", "details": "x"})
        doc["results"].append({"case": "a.two", "adapter": "cpython-fork", "verdict": "XFAIL",
                               "reason": "lacks widgets", "details": "x"})
        text = markdown.markdown(doc)
        self.assertEqual(text.count("lacks widgets"), 1)
        self.assertIn("- xfail lacks widgets: `b.three`, `a.two`", text)

    def test_a_case_about_another_start_method_is_not_counted(self):
        doc = copy.deepcopy(RESULTS)
        doc["results"].append({"case": "a.two", "adapter": "cpython-fork",
                               "verdict": "NOT_APPLICABLE", "details": ""})
        rows = markdown.summary(doc).splitlines()
        self.assertIn("| `cpython-fork` | multiprocessing on CPython 3.11.7 | 0/1 | 0 | 1 |", rows)

    def test_a_unit_measured_again_during_the_run_is_shown_as_a_range(self):
        self.assertIn("1 time unit = 0.140 s", self.md.read_text())
        doc = copy.deepcopy(RESULTS)
        doc["adapters"][0]["unit"], doc["adapters"][1]["unit"] = 0.98, 0.14
        self.assertEqual(results.unit_text(doc),
                         "0.140 s to 0.980 s (measured again during the run)")

    def test_merge_appends_adapters_and_keeps_cases_once(self):
        merged = results.merge([RESULTS, RESULTS])
        self.assertEqual(len(merged["adapters"]), 4)
        self.assertEqual(len(merged["cases"]), 3)


if __name__ == "__main__":
    unittest.main()
