"""Stopping the runner midway (Ctrl-C, SIGTERM) leaves no run folder, cgroup or process."""
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

from mpspec_runner.sandbox import procs

ROOT = Path(__file__).resolve().parents[2]
# A case whose child and main program sleep long enough to be interrupted mid-run.
SLOW_CASE = """
id = "join.slow-for-interrupt-test"
section = "10.4.5"
claim = "a child that sleeps is still there when the runner is interrupted"
level = "MUST"
clauses = ["api.join.blocks"]
timeout_class = "long"
weight = 1
main = [
  { do = "create", p = "w", target = "sleeper" },
  { do = "start", p = "w" },
  { do = "join", p = "w" },
]
[targets.sleeper]
steps = [{ do = "sleep", units = 200 }]
[expect]
"""


def processes_mentioning(marker):
    """Processes whose command line or environment mentions `marker` (a run's drivers get
    their trace's path in the environment)."""
    found = []
    for pid in procs.pids():
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
        except OSError:
            environ = ""
        cmd = procs.cmdline(pid)
        if pid != os.getpid() and (marker in cmd or marker in environ):
            found.append(f"{pid}: {cmd}")
    return found


def cgroups_of(pid):
    """The runner's cgroups, where cgroups.py makes them: under a v1 controller's folder, or
    the v2 root. (Not rglob: it walked into other tests' cgroups as their runs removed them,
    and failed with FileNotFoundError in one CI run.)"""
    root, name = Path("/sys/fs/cgroup"), f"mpspec-{pid}-*"
    return [p for p in [*root.glob(name), *root.glob(f"*/{name}")] if p.is_dir()]


class InterruptTest(unittest.TestCase):
    def interrupt(self, signum):
        with tempfile.TemporaryDirectory(prefix="mpspec-interrupt-") as scratch:
            scratch = Path(scratch)
            folder = scratch / "cases" / "10.4.5-join"
            folder.mkdir(parents=True)
            for n in range(3):
                (folder / f"slow{n}.toml").write_text(
                    SLOW_CASE.replace("interrupt-test", f"interrupt-test-{n}"), encoding="utf-8")
            tmp = scratch / "tmp"
            tmp.mkdir()
            env = dict(os.environ, TMPDIR=str(tmp), MPSPEC_TIME_UNIT="0.1")
            runner = subprocess.Popen(
                [sys.executable, str(ROOT / "tools" / "run_case.py"), "--adapter",
                 "cpython-fork", "-j", "2", str(folder)], cwd=ROOT, env=env,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                self.wait_for_runs(tmp, runner)
                runner.send_signal(signum)
                # The runs would take 30 s to time out: an interrupted runner stops them at once.
                out, err = runner.communicate(timeout=20)
            finally:
                if runner.poll() is None:
                    runner.kill()
                    runner.communicate()
            self.assertEqual(runner.returncode, 130, out + err)
            self.assertIn("interrupted", err)
            self.assertEqual([p.name for p in tmp.iterdir()], [], "run folders left")
            self.assertEqual(processes_mentioning(str(tmp)), [], "processes left")
            self.assertEqual(cgroups_of(runner.pid), [], "cgroups left")

    def wait_for_runs(self, tmp, runner):
        """Until two runs are under way, their drivers started (so there is something to
        leave behind)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            traces = [t for t in tmp.glob("mpspec-*/trace.jsonl") if t.stat().st_size > 0]
            if len(traces) >= 2:
                return
            self.assertIsNone(runner.poll(), "the runner ended before it was interrupted")
            time.sleep(0.05)
        self.fail("no run started within 60 s")

    def test_ctrl_c_leaves_nothing_behind(self):
        self.interrupt(signal.SIGINT)

    def test_sigterm_leaves_nothing_behind(self):
        self.interrupt(signal.SIGTERM)


if __name__ == "__main__":
    unittest.main()
