"""The command lines end quietly when the reader of their output stops early (`| head`):
exit 141, as a shell reports for cat, and no traceback."""
import os
import subprocess
import sys
import unittest

from mpspec_runner.checkout import ROOT


class ReaderGoneTest(unittest.TestCase):
    def run_into_a_closed_pipe(self, *argv):
        read_end, write_end = os.pipe()
        os.close(read_end)  # the reader is gone before the first line is written
        try:
            return subprocess.run([sys.executable, *argv], stdout=write_end,
                                  stderr=subprocess.PIPE, text=True, cwd=ROOT, check=False)
        finally:
            os.close(write_end)

    def test_run_case_lists_into_a_closed_pipe(self):
        done = self.run_into_a_closed_pipe("tools/run_case.py", "--list", "--all")
        self.assertEqual((done.returncode, done.stderr), (141, ""))


if __name__ == "__main__":
    unittest.main()
