"""Taking a submission (tools/mpspec_runner/grading/unpack.py): links, special files and bombs are
refused with a clear message before anything is copied or extracted."""
import io
import os
import tarfile
import tempfile
import unittest
import zipfile
from pathlib import Path

from mpspec_runner.grading import unpack

HEADER = "include/mp/process.hpp"


class UnpackTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def submission(self, name="alice"):
        sub = self.root / name
        (sub / "include" / "mp").mkdir(parents=True)
        (sub / HEADER).write_text("// header\n")
        (sub / "src").mkdir()
        (sub / "src" / "process.cpp").write_text("// code\n")
        return sub

    def test_a_plain_directory_is_copied_without_its_build_folder(self):
        sub = self.submission()
        (sub / "build").mkdir()
        (sub / "build" / "junk").write_text("x")
        impl = unpack.unpack(sub, self.root / "scratch")
        self.assertTrue((impl / HEADER).exists())
        self.assertFalse((impl / "build").exists())

    def test_links_and_fifos_in_a_directory_are_refused(self):
        sub = self.submission()
        os.symlink("/dev/zero", sub / "src" / "zero.cpp")
        with self.assertRaisesRegex(unpack.Refused, "src/zero.cpp is not a regular file"):
            unpack.unpack(sub, self.root / "scratch")
        (sub / "src" / "zero.cpp").unlink()
        os.mkfifo(sub / "src" / "pipe")
        with self.assertRaisesRegex(unpack.Refused, "not a regular file"):
            unpack.unpack(sub, self.root / "scratch")

    def test_a_zip_bomb_is_refused_before_extraction(self):
        bomb = self.root / "bomb.zip"
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(HEADER, "// header\n")
            z.writestr("src/zeros.cpp", b"\0" * (unpack.MAX_BYTES + 1))
        with self.assertRaisesRegex(unpack.Refused, "MiB unpacked, more than"):
            unpack.unpack(bomb, self.root / "scratch")
        self.assertFalse((self.root / "scratch" / "submission" / "src").exists())

    def test_too_many_files_are_refused(self):
        many = self.root / "many.tar"
        with tarfile.open(many, "w") as t:
            for n in range(unpack.MAX_FILES + 1):
                info = tarfile.TarInfo(f"src/f{n}.cpp")
                t.addfile(info, io.BytesIO(b""))
        with self.assertRaisesRegex(unpack.Refused, "files, more than"):
            unpack.unpack(many, self.root / "scratch")

    def test_a_link_in_a_zip_is_refused(self):
        z_path = self.root / "link.zip"
        with zipfile.ZipFile(z_path, "w") as z:
            z.writestr(HEADER, "// header\n")
            info = zipfile.ZipInfo("src/secret.cpp")
            info.external_attr = (0o120777 << 16)
            z.writestr(info, "/etc/shadow")
        with self.assertRaisesRegex(unpack.Refused, "is a link"):
            unpack.unpack(z_path, self.root / "scratch")

    def test_a_tarball_is_extracted(self):
        sub = self.submission("bob")
        ball = self.root / "bob.tar.gz"
        with tarfile.open(ball, "w:gz") as t:
            t.add(sub, arcname="bob")
        impl = unpack.unpack(ball, self.root / "scratch")
        self.assertEqual((impl / HEADER).read_text(), "// header\n")


class HarnessReferencesTest(unittest.TestCase):
    def test_a_submission_that_names_the_harness_is_flagged(self):
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "src"
            src.mkdir()
            (src / "start.cpp").write_text('void f() {\n  setenv("MPSPEC_TRACE_FD", "9", 1);\n}\n')
            self.assertEqual(unpack.harness_references(tmp),
                             ["src/start.cpp:2: names 'MPSPEC_': "
                              'setenv("MPSPEC_TRACE_FD", "9", 1);'])

    def test_a_file_the_build_includes_is_read_wherever_it_is(self):
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "src").mkdir()
            (Path(tmp) / "extra").mkdir()
            (Path(tmp) / "src" / "start.cpp").write_text('#include "../extra/hide.py"\n')
            (Path(tmp) / "extra" / "hide.py").write_text('const char* v = "mpspec";\n')
            (Path(tmp) / "extra" / "unused.py").write_text('import mpspec\n')
            self.assertEqual(unpack.harness_references(tmp),
                             ["extra/hide.py:1: names 'mpspec': const char* v = \"mpspec\";"])

    def test_the_reference_is_not(self):
        # Its examples/check_example.py imports the harness, but the build never reads it.
        self.assertEqual(unpack.harness_references(Path(unpack.__file__).parents[3] /
                                                   "reference"), [])


if __name__ == "__main__":
    unittest.main()
