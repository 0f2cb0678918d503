"""The sample submissions (conformance/samples/): each says what its bug breaks, and the
README's figure of sample bugs caught counts every one of them."""
import re
import tomllib
import unittest

from mpspec_runner.checkout import ROOT, SAMPLES, SPEC
from mpspec_runner.spec import cases


def sample_dirs():
    return sorted(p for p in SAMPLES.iterdir() if (p / "sample.toml").exists())


class SamplesTest(unittest.TestCase):
    def test_every_sample_is_a_bug_the_spec_catches(self):
        ids = {c.id for c in map(cases.load, cases.discover([SPEC]))}
        for folder in sample_dirs():
            meta = tomllib.loads((folder / "sample.toml").read_text(encoding="utf-8"))
            self.assertTrue(meta.get("bug"), folder.name)
            listed = set(meta.get("expected_failures", {})) | set(meta.get("may_fail", {}))
            self.assertLessEqual(listed, ids, f"{folder.name} lists cases that do not exist")
            caught = (meta.get("expected_failures") or meta.get("build") == "fails"
                      or meta.get("contained") or meta.get("no_better_than")
                      or meta.get("sanitizer"))
            self.assertTrue(caught, f"{folder.name}: no case is listed as breaking")

    def test_the_readme_counts_every_sample(self):
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        n = len(sample_dirs())
        figures = re.findall(r"(\d+) of (\d+) sample bugs are caught", readme)
        self.assertEqual(figures, [(str(n), str(n))])


if __name__ == "__main__":
    unittest.main()
