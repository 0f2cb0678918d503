"""`tools/mpspec bench grading`: its report's table, and the README's copy of the latest one
(bench/results/grading.md), which must not drift from it."""
import unittest

from mpspec_runner.checkout import ROOT
from mpspec_runner.cli import bench_grading

REPORT = ROOT / "bench" / "results" / "grading.md"
BEGIN, END = "<!-- bench/results/grading.md -->", "<!-- end of bench/results/grading.md -->"


def table_rows(text):
    return [line for line in text.splitlines() if line.startswith("|")]


class BenchGradingTest(unittest.TestCase):
    def test_the_report_names_the_machine_each_step_its_load_and_phases(self):
        doc = {"date": "2026-12-06", "machine": {"cores": 2, "model": "M", "kernel": "6.1"},
               "rows": [{"name": "one warm grading", "seconds": 9.5, "load": 0.2, "exit": 0,
                         "grades": [{"name": "reference", "phases": {"build": 1.04,
                                                                     "unpack": 0.0}}]},
                        {"name": "a batch of 2", "seconds": 30.0, "load": 1.0, "exit": 3,
                         "grades": [], "projected_class_minutes": 75.0}]}
        text = bench_grading.markdown(doc)
        self.assertIn("on 2 cores (M, Linux 6.1)", text)
        self.assertIn("| one warm grading | 9.5 | 0.2 | reference: build 1.0 |", text)
        self.assertIn("| a batch of 2 | 30.0 (exit 3) | 1.0 | a class of 300 projected: "
                      "75.0 min |", text)

    def test_the_readme_quotes_the_latest_report(self):
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        self.assertIn(BEGIN, readme)
        before, after = readme.split(BEGIN, 1)
        report = REPORT.read_text(encoding="utf-8")
        self.assertEqual(table_rows(after.split(END, 1)[0]), table_rows(report))
        first = report.splitlines()[0]  # "# How long the jobs take (DATE)": the date is quoted
        self.assertIn(f"({first.split('(', 1)[1]}", before[-600:])


if __name__ == "__main__":
    unittest.main()
