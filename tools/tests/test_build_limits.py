"""A submission's build cannot fill the disk (grading/build.py, grading/workspace.py): no file
it writes may pass the file-size limit, and all it writes lives in a folder of a bounded
size."""
import os
import subprocess
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from mpspec_runner.grading import build, workspace


class FileLimitTest(unittest.TestCase):
    def test_a_build_step_cannot_write_a_file_past_the_limit(self):
        with tempfile.TemporaryDirectory() as tmp, mock.patch.object(build, "FILE_LIMIT", 1 << 20):
            code, _ = build.run_step(["sh", "-c", "head -c 2000000 /dev/zero > big"], 60, cwd=tmp)
            self.assertNotEqual(code, 0)
            self.assertEqual(os.path.getsize(Path(tmp) / "big"), 1 << 20)

    def test_within_the_limit_it_writes(self):
        with tempfile.TemporaryDirectory() as tmp:
            code, _ = build.run_step(["sh", "-c", "head -c 2000000 /dev/zero > big"], 60, cwd=tmp)
            self.assertEqual(code, 0)


@unittest.skipUnless(os.geteuid() == 0, "only root mounts the bounded folder")
class FolderLimitTest(unittest.TestCase):
    def test_the_build_folder_is_bounded_and_goes_away(self):
        with tempfile.TemporaryDirectory() as tmp:
            unpacked = Path(tmp) / "unpacked"
            (unpacked / "submission" / "src").mkdir(parents=True)
            with workspace.workspace(unpacked, unpacked / "submission", None) as ws:
                root = ws.root
                filled = subprocess.run(["fallocate", "-l", "3G", str(root / "big")],
                                        capture_output=True, text=True, check=False)
                self.assertNotEqual(filled.returncode, 0)
                self.assertIn("No space left", filled.stderr)
                self.assertTrue(os.path.ismount(root))
            self.assertFalse(root.exists())


if __name__ == "__main__":
    unittest.main()
