"""Where the compiled start of a driver comes from (sandbox/exec_helper.py): built once per
source, used only from a folder no one else may write, and not at all when turned off."""
import os
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from mpspec_runner.sandbox import exec_helper


class ExecHelperTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.folder = Path(self.tmp.name) / "exec-helper"
        patches = [mock.patch.object(exec_helper, "FOLDER", self.folder),
                   mock.patch.dict(os.environ, {"MPSPEC_EXEC_HELPER": ""})]
        for p in patches:
            p.start()
            self.addCleanup(p.stop)
        exec_helper._build.cache_clear()  # the checkout's own, found before this test
        self.addCleanup(exec_helper._build.cache_clear)

    def test_it_is_built_once_and_only_we_may_write_it(self):
        built = exec_helper.path()
        if built is None:
            self.skipTest("no C compiler here")
        st = built.stat()
        self.assertEqual(st.st_uid, os.geteuid())
        self.assertEqual(st.st_mode & 0o777, 0o755)
        self.assertEqual(list(self.folder.iterdir()), [built])  # no partial file left
        exec_helper._build.cache_clear()
        mtime = st.st_mtime_ns
        self.assertEqual(exec_helper.path(), built)
        self.assertEqual(built.stat().st_mtime_ns, mtime)  # found, not built again

    def test_a_folder_others_may_write_is_not_used(self):
        self.folder.mkdir()
        self.folder.chmod(0o777)
        self.assertIsNone(exec_helper.path())
        self.assertEqual(list(self.folder.iterdir()), [])

    def test_a_helper_others_may_write_is_built_again(self):
        built = exec_helper.path()
        if built is None:
            self.skipTest("no C compiler here")
        built.chmod(0o777)  # as if someone else could have changed it
        exec_helper._build.cache_clear()
        self.assertEqual(exec_helper.path(), built)
        self.assertEqual(built.stat().st_mode & 0o777, 0o755)  # a new one, in its place

    def test_off_means_the_reapers_own_python(self):
        with mock.patch.dict(os.environ, {"MPSPEC_EXEC_HELPER": "off"}):
            self.assertIsNone(exec_helper.path())
        self.assertFalse(self.folder.exists())


if __name__ == "__main__":
    unittest.main()
