"""The reference's repr escapes what Python's str.isprintable() refuses, from a table
generated out of Python's Unicode database (tools/unicode/printable_table.py)."""
import re
import subprocess
import sys
import unicodedata
import unittest

from tools.mpspec_runner.checkout import ROOT

SCRIPT = ROOT / "tools/unicode/printable_table.py"
TABLE = ROOT / "reference/src/unprintable_ranges.inc"


class UnprintableTable(unittest.TestCase):
    def test_the_table_is_what_this_python_generates(self):
        version = re.search(r"Unicode database (\S+):", TABLE.read_text()).group(1)
        if version != unicodedata.unidata_version:
            self.skipTest(f"the table is from Unicode {version}, this Python has "
                          f"{unicodedata.unidata_version}")
        done = subprocess.run([sys.executable, str(SCRIPT), "--check"],
                              capture_output=True, text=True, check=False)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)

    def test_ranges_are_sorted_and_disjoint_and_hold_what_every_version_escapes(self):
        ranges = [(int(a, 16), int(b, 16)) for a, b in
                  re.findall(r"\{0x([0-9A-F]+), 0x([0-9A-F]+)\}", TABLE.read_text())]
        self.assertGreater(len(ranges), 100)
        for (_, last), (first, _) in zip(ranges, ranges[1:]):
            self.assertLess(last + 1, first)  # a gap between runs, or they would be one
        covered = lambda cp: any(a <= cp <= b for a, b in ranges)  # noqa: E731
        for cp in (0x00, 0x1F, 0x7F, 0x85, 0xA0, 0xAD, 0x2028, 0x2029, 0x3000, 0xE0001):
            self.assertTrue(covered(cp), hex(cp))
        for cp in (0x20, 0x41, 0xA1, 0xE9, 0x5DE5, 0x1F600):
            self.assertFalse(covered(cp), hex(cp))


if __name__ == "__main__":
    unittest.main()
