"""The precompiled standard headers of a grading's builds (grading/precompiled.py,
conformance/drivers/cpp/precompiled.hpp): made with a build's own flags, GCC uses them for
both the submission's files and process_ops.cpp, in the plain and the sanitizer build; a
build only takes them from a folder only root could have written."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from mpspec_runner.checkout import CONFORMANCE, REFERENCE
from mpspec_runner.grading import precompiled, workspace


def configure(tree, header, sanitize):
    subprocess.run(["cmake", "-S", CONFORMANCE / "drivers" / "cpp", "-B", tree,
                    f"-DMP_IMPL_DIR={REFERENCE}", f"-DMP_SANITIZE={'ON' if sanitize else 'OFF'}",
                    f"-DMP_PRECOMPILED={header}", "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON"],
                   check=True, capture_output=True)


@unittest.skipUnless(shutil.which("cmake") and os.geteuid() == 0, "needs cmake, and root")
class PrecompiledTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.folder = Path(self.tmp.name) / "precompiled"
        patch = mock.patch.object(precompiled, "FOLDER", self.folder)
        patch.start()
        self.addCleanup(patch.stop)

    def test_the_command_keeps_the_flags_and_drops_the_files(self):
        tree = Path(self.tmp.name) / "build"
        header = precompiled.path("d1")
        configure(tree, header, sanitize=False)
        cmd, _ = precompiled.compile_command(tree, header, Path("/out.gch"))
        self.assertIn("-std=c++20", cmd)
        self.assertIn("-fPIC", cmd)
        self.assertIn("-Wpedantic", cmd)  # process_ops.cpp's, as the docstring says
        for dropped in ("-c", "-include", "-MD"):
            self.assertNotIn(dropped, cmd)
        self.assertFalse(any(arg.endswith(".o") or arg.endswith(".cpp") for arg in cmd))
        self.assertEqual(cmd[-5:], ["-x", "c++-header", str(header), "-o", "/out.gch"])

    def check_used(self, sanitize):
        """Every file compiled with -include compiles with the .gch: GCC says when it
        cannot use one (-Winvalid-pch), and a missing header would fail the compile."""
        tree = Path(self.tmp.name) / "build"
        header = precompiled.path("d1")
        configure(tree, header, sanitize)
        self.assertTrue(precompiled.make(tree, "d1"))
        self.assertEqual(precompiled.ready("d1"), header)
        commands = json.loads((tree / "compile_commands.json").read_text())
        users = [c for c in commands if str(header) in c["command"]]
        names = {Path(c["file"]).name for c in users}
        self.assertIn("process_ops.cpp", names)
        self.assertIn("start.cpp", names)
        for entry in users:
            if Path(entry["file"]).name not in ("process_ops.cpp", "start.cpp"):
                continue
            cmd = entry["command"].split()
            cmd = [a for a in cmd if Path(a).name != "ccache"]
            out = Path(self.tmp.name) / "x.o"
            cmd[cmd.index("-o") + 1] = str(out)
            run = subprocess.run([*cmd, "-Winvalid-pch"], cwd=entry["directory"],
                                 capture_output=True, text=True, check=False)
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertNotIn("precompiled.hpp.gch", run.stderr)

    def test_the_plain_build_uses_it(self):
        self.check_used(sanitize=False)

    def test_the_sanitizer_build_uses_it(self):
        self.check_used(sanitize=True)

    def test_only_a_folder_only_root_could_write_is_taken(self):
        header = precompiled.path("d2")
        header.parent.mkdir(parents=True)
        self.folder.chmod(0o755)
        header.parent.chmod(0o755)
        header.write_text("")
        precompiled.gch(header).write_text("")
        for item in (header, precompiled.gch(header)):
            item.chmod(0o644)
        self.assertEqual(precompiled.ready("d2"), header)
        header.parent.chmod(0o777)
        self.assertIsNone(precompiled.ready("d2"))
        header.parent.chmod(0o755)
        os.chown(precompiled.gch(header), 1, 1)
        self.assertIsNone(precompiled.ready("d2"))
        os.chown(precompiled.gch(header), 0, 0)
        precompiled.gch(header).unlink()
        self.assertIsNone(precompiled.ready("d2"))

    def test_a_grading_build_reads_what_warm_made(self):
        with mock.patch.object(workspace, "inputs_digest", return_value="d3"):
            made = workspace.Workspace.precompiled(False, shared=Path("/cache"))
            self.assertEqual(made, (precompiled.path("d3"), "d3"))
            self.assertIsNone(workspace.Workspace.precompiled(False, shared=None))
            header = precompiled.path("d3")
            header.parent.mkdir(parents=True)
            header.write_text("")
            precompiled.gch(header).write_text("")
            self.assertEqual(workspace.Workspace.precompiled(False, shared=None), (header, None))


if __name__ == "__main__":
    unittest.main()


@unittest.skipUnless(shutil.which("cmake") and shutil.which("ccache") and os.geteuid() == 0,
                     "needs cmake, ccache, and root")
class ExportWarmTest(unittest.TestCase):
    """An export holds no reference: its set-up (`tools/mpspec grade --prepare`) warms the
    shared cache with what no implementation changes, so a grading's build compiles only the
    submission's files and process_ops.cpp."""

    def test_a_build_after_the_export_warm_up_reuses_the_driver(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            with mock.patch.object(workspace, "REFERENCE", tmp / "no-reference"), \
                    mock.patch.object(workspace, "SHARED_CACHE", tmp / "ccache"), \
                    mock.patch.object(precompiled, "FOLDER", tmp / "precompiled"):
                self.assertTrue(workspace.warm(False))
                self.assertIsNotNone(precompiled.ready(workspace.inputs_digest(False)))
                unpacked = tmp / "unpacked"
                shutil.copytree(REFERENCE, unpacked / "submission")
                with workspace.workspace(unpacked, unpacked / "submission", None) as ws:
                    built = ws.build(False)
                    self.assertTrue(built.ok, built.output[-2000:])
                    stats = subprocess.run(
                        ["ccache", "--print-stats"], capture_output=True, text=True, check=True,
                        env=dict(os.environ, CCACHE_DIR=str(ws.root / "build" / "ccache")))
                    counts = dict(line.split("\t") for line in stats.stdout.splitlines())
                    # the driver's six independent files, from the shared cache
                    self.assertEqual(int(counts["remote_storage_hit"]), 6, stats.stdout)
