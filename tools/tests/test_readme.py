"""The front page (README.md): at most 150 lines, and every file it links to or shows is in
the checkout (its figures are guarded where they come from: test_bench_grading, test_clauses,
test_samples, test_mutation)."""
import re
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class FrontPage(unittest.TestCase):
    text = (ROOT / "README.md").read_text(encoding="utf-8")

    def test_at_most_150_lines(self):
        self.assertLessEqual(len(self.text.splitlines()), 150)

    def test_every_linked_file_is_there(self):
        targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", self.text)
        self.assertTrue(targets)
        missing = [t for t in targets if not re.match(r"[a-z]+:", t) and not (ROOT / t).exists()]
        self.assertEqual(missing, [])


if __name__ == "__main__":
    unittest.main()
