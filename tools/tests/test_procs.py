"""The /proc helpers (tools/mpspec_runner/sandbox/procs.py), the reaper that uses them
(reaper.py, run as a script as the runner runs it), and the example checker's output check,
which shares the judge's line matching."""
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
from mpspec_runner.sandbox import procs

REAPER = ROOT / "tools" / "mpspec_runner" / "sandbox" / "reaper.py"


def load_check_example():
    spec = importlib.util.spec_from_file_location(
        "check_example", ROOT / "reference" / "examples" / "check_example.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_example"] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


class ProcsTest(unittest.TestCase):
    def setUp(self):
        self.started = []

    def tearDown(self):
        for p in self.started:
            for pid in procs.descendants(p.pid):  # a grandchild would hold the test's stdout
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            p.kill()
            p.wait()

    def start(self, *cmd):
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
        self.started.append(p)
        return p

    def test_stat_of_this_process(self):
        ppid, state, comm = procs.stat(os.getpid())
        self.assertEqual(ppid, os.getppid())
        self.assertEqual(state, "R")
        self.assertTrue(comm)

    def test_comm_with_spaces_and_parens(self):
        with tempfile.TemporaryDirectory() as d:
            odd = Path(d) / "a) b (c"
            odd.symlink_to(shutil.which("sleep"))
            p = self.start(str(odd), "30")
            deadline = time.monotonic() + 5
            while procs.stat(p.pid)[2] != "a) b (c" and time.monotonic() < deadline:
                time.sleep(0.01)  # between fork and exec the child is still python
            ppid, state, comm = procs.stat(p.pid)
            self.assertEqual((ppid, comm), (os.getpid(), "a) b (c"))
            self.assertIn(state, "RS")

    def test_a_gone_process(self):
        gone = max(procs.pids()) + 100000
        self.assertIsNone(procs.stat(gone))
        self.assertEqual(procs.cmdline(gone), "")

    def test_children_descendants_cmdline(self):
        marker = f"mpspec-procs-test-{os.getpid()}"
        direct = self.start("sh", "-c", f"sleep 30 & wait; : {marker}")
        deadline = time.monotonic() + 5
        # until the grandchild is there and has exec'd sleep (between fork and exec it is sh)
        while time.monotonic() < deadline and sorted(
                info[2] for info in procs.descendants().values()) != ["sh", "sleep"]:
            time.sleep(0.01)
        below = procs.descendants()
        self.assertIn(direct.pid, below)
        grandchildren = [pid for pid, info in below.items() if info[0] == direct.pid]
        self.assertEqual(len(grandchildren), 1)
        self.assertEqual(below[grandchildren[0]][2], "sleep")
        self.assertEqual(procs.cmdline(grandchildren[0]), "sleep 30")
        self.assertIn(direct.pid, procs.children())
        self.assertNotIn(grandchildren[0], procs.children())
        self.assertEqual(procs.children(direct.pid), grandchildren)
        self.assertEqual(procs.descendants(direct.pid), {grandchildren[0]: below[grandchildren[0]]})
        self.assertEqual(list(procs.with_cmdline(marker)), [direct.pid])
        self.assertEqual(procs.cmdline(direct.pid), f"sh -c sleep 30 & wait; : {marker}")


class ShimTest(unittest.TestCase):
    """The reaper's command line and report, as sandbox/play.py uses them."""

    def run_reaper(self, timeout, grace, *driver, options=()):
        with tempfile.TemporaryDirectory() as d:
            report, trace = Path(d) / "report.json", Path(d) / "trace"
            trace.touch()
            r = subprocess.run([sys.executable, str(REAPER), str(report), str(trace), str(timeout),
                                str(grace), *options, "--", *driver],
                               capture_output=True, text=True, timeout=30, cwd=d)
            self.assertEqual(r.returncode, 0, r.stderr)
            return json.loads(report.read_text()), r.stdout, r.stderr, trace.read_text()

    def test_exit_status_output_and_trace(self):
        report, out, err, trace = self.run_reaper(
            10, 1, "sh", "-c", 'echo out; echo err >&2; echo \'{"ev": "op"}\' >&3; exit 3')
        self.assertEqual((out, err, trace), ("out\n", "err\n", '{"ev": "op"}\n'))
        self.assertEqual(set(report), {"launch", "exit", "status", "at_exit", "leaked"})
        self.assertEqual(report["status"], 3)
        self.assertEqual((report["at_exit"], report["leaked"]), ([], []))
        self.assertLessEqual(report["launch"], report["exit"])

    def test_killed_by_a_signal(self):
        report, *_ = self.run_reaper(10, 1, "sh", "-c", "kill -TERM $$")
        self.assertEqual(report["status"], -15)

    def test_a_process_left_behind_is_reported_and_killed(self):
        marker = f"mpspec-reaper-test-{os.getpid()}"
        report, *_ = self.run_reaper(10, 0.5, "sh", "-c", f"sh -c 'sleep 30; : {marker}' & exit 0")
        self.assertEqual(report["status"], 0)
        # (at the driver's exit its child may not have run its own exec yet: either line)
        self.assertTrue(any(marker in p["cmd"] for p in report["at_exit"]), report["at_exit"])
        self.assertEqual(sorted((p["comm"], p["cmd"]) for p in report["leaked"]),
                         [("sh", f"sh -c sleep 30; : {marker}"), ("sleep", "sleep 30")])
        self.assertEqual(set(report["leaked"][0]), {"pid", "ppid", "state", "comm", "cmd"})
        self.assertEqual(procs.with_cmdline(marker), {})

    def test_a_child_gone_within_the_grace_is_no_leak(self):
        report, *_ = self.run_reaper(10, 5, "sh", "-c", "sleep 0.2 & exit 0")
        self.assertEqual(len(report["at_exit"]), 1)
        self.assertEqual(report["leaked"], [])

    def test_timeout(self):
        t0 = time.monotonic()
        report, *_ = self.run_reaper(0.3, 0.2, "sleep", "30")
        self.assertLess(time.monotonic() - t0, 10)
        self.assertIs(report["timed_out"], True)
        self.assertEqual(report["status"], -9)
        self.assertEqual([p["comm"] for p in report["at_exit"]], ["sleep"])

    def test_flood(self):
        report, out, *_ = self.run_reaper(10, 0.2, "yes", options=["--output-cap", "1000"])
        self.assertIs(report["flood"], True)
        self.assertEqual(len(out), 1000)

    def test_spawn_error(self):
        report, *_ = self.run_reaper(10, 0.2, "/nonexistent/driver")
        self.assertEqual(set(report), {"launch", "exit", "spawn_error"})
        self.assertIn("/nonexistent/driver", report["spawn_error"])


class CheckExampleTest(unittest.TestCase):
    """check_example.py's output check on made-up output (no example program is run)."""

    @classmethod
    def setUpClass(cls):
        cls.ce = load_check_example()

    def check(self, expect, out, err="", code=0):
        return self.ce.check(expect, code, out, err, [])

    def test_multiset_uses_a_maximum_matching(self):
        e = self.ce.Expect("x", "claim", stdout=["a.*", "ab"])
        self.assertEqual(self.check(e, "ab\nax\n"), [])
        self.assertEqual(self.check(e, "ax\nab\n"), [])

    def test_multiset_names_missing_and_unexpected_lines(self):
        e = self.ce.Expect("x", "claim", stdout=["Worker: 0", "Worker: 1", "Worker: 1"])
        self.assertEqual(self.check(e, "Worker: 1\nWorker: 0\nWorker: 1\n"), [])
        self.assertEqual(self.check(e, "Worker: 1\nWorker: 0\nWorker: 2\n"),
                         ["missing line 'Worker: 1'", "unexpected line 'Worker: 2'"])

    def test_the_seed_expectations(self):
        names = self.ce.EXAMPLES["multiprocessing_names"]
        good = ("worker 1 Starting\nProcess-3 Starting\nmy_service Starting\n"
                "Process-3 Exiting\nworker 1 Exiting\nmy_service Exiting\n")
        self.assertEqual(self.check(names, good), [])
        bad = good.replace("worker 1 Starting\n", "") + "worker 1 Starting\n"
        self.assertEqual(self.check(names, bad),
                         ["'worker 1 Starting' should come before 'worker 1 Exiting'"])
        daemon = self.ce.EXAMPLES["multiprocessing_daemon"]
        gone = 4194999  # above any pid_max: no such process
        out = f"Starting: daemon {gone}\nStarting: non-daemon 12\nExiting : non-daemon 12\n"
        self.assertEqual(self.check(daemon, out), [])
        self.assertIn("line must never appear: 'Exiting : daemon 1'",
                      self.check(daemon, out + "Exiting : daemon 1\n"))
        self.assertIn("stdout lines differ (order matters)",
                      self.check(daemon, "\n".join(out.splitlines()[::-1])))

    def test_status_and_leftovers(self):
        e = self.ce.Expect("x", "claim", stdout=[])
        self.assertEqual(self.ce.check(e, 1, "", "", [5]),
                         ["exit status 1, expected 0", "left processes behind (killed now): [5]"])
        self.assertIn("did not finish", self.ce.check(e, None, "", "", [])[0])


if __name__ == "__main__":
    unittest.main()
