"""A run stuck in waits (sandbox/stall.py): one whose every process waits on the driver's own
waits has them ended by the reaper and goes on as their time limits would have let it; one
stuck in waits with no time limit is stopped as a deadlock; one that sleeps is left alone.
The adapters are made up (Python scripts), each standing in for the driver's behaviour."""
import stat
import tempfile
import time
import unittest
from pathlib import Path

from mpspec_runner.checkout import DRIVER_SOURCE, SPEC
from mpspec_runner.run.adapters import find_adapter
from mpspec_runner.sandbox import play as execute
from mpspec_runner.sandbox import stall
from mpspec_runner.spec import cases

CASE = cases.load(SPEC / "10.4.5-join" / "join-waits.toml")
UNIT = 0.2
WINDOW = execute.stall_window(CASE, UNIT)

# As waiting.hpp does: the thread named WAITING looks every 50 ms at the stall file, and gives
# up once it holds something new. A waiting process of its own stands beside it.
DRIVER_WAITS = f"""#!/usr/bin/env python3
import ctypes, os, time
def generation():
    try:
        with open(os.environ["MPSPEC_STALL_PATH"]) as f:
            return f.read()
    except OSError:
        return ""
child = os.fork()
ctypes.CDLL(None).prctl(15, b"{stall.WAITING}", 0, 0, 0)  # PR_SET_NAME
seen, t0 = generation(), time.monotonic()
while generation() == seen and time.monotonic() - t0 < 60:
    time.sleep(0.05)
if child:
    os.waitpid(child, 0)
    print("ended after", round(time.monotonic() - t0, 1))
"""
# A pipe nobody writes: a read with no time limit, in both processes.
DEADLOCK = """#!/usr/bin/env python3
import os
r, w = os.pipe()
os.fork()
os.read(r, 1)
"""
SLEEPS = f"""#!/usr/bin/env python3
import time
time.sleep({WINDOW + 1.5})
print("slept")
"""


def play(script):
    with tempfile.TemporaryDirectory() as tmp:
        adapter = Path(tmp) / "adapter"
        adapter.write_text(script)
        adapter.chmod(adapter.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        Path(tmp).chmod(0o755)
        t0 = time.monotonic()
        obs = execute.play(CASE, adapter, UNIT)
        return obs, time.monotonic() - t0


# Both processes await a point nobody reaches: only the time limit (50 units) would end it.
STUCK_CASE = """
id = "test.stuck"
section = "beyond"
claim = "A made-up case whose main program and child both await a point nobody reaches."
level = "MUST"
clauses = ["api.is-alive.running"]
timeout_class = "short"
weight = 1
main = [
  { do = "create", p = "w", target = "worker" },
  { do = "start", p = "w" },
  { do = "await", point = "never" },
  { do = "join", p = "w" },
]
[targets.worker]
steps = [{ do = "await", point = "nor_this" }]
[expect]
"""


class StallTest(unittest.TestCase):
    @unittest.skipIf(find_adapter("reference") is None, "the reference's driver is not built")
    def test_the_cpp_drivers_waits_are_ended_as_their_limits_would_have(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "stuck.toml"
            path.write_text(STUCK_CASE)
            case = cases.load(path)
            t0 = time.monotonic()
            obs = execute.play(case, find_adapter("reference"), UNIT)
            took = time.monotonic() - t0
        self.assertEqual((obs.outcome, obs.report.get("waits_ended")), ("ran", 1), obs.note)
        awaited = [ev for ev in obs.trace if ev.get("do") == "await"]
        self.assertEqual([ev.get("value") for ev in awaited], [False, False])
        self.assertLess(took, 50 * UNIT)  # not the awaits' time limit
        self.assertGreaterEqual(took, execute.stall_window(case, UNIT))

    def test_the_drivers_waits_are_ended_when_they_are_all_that_is_left(self):
        obs, took = play(DRIVER_WAITS)
        self.assertEqual(obs.report.get("waits_ended"), 1, obs.report)
        self.assertEqual(obs.outcome, "ran", obs.note)
        self.assertIn("ended the driver's waits", obs.note)
        self.assertEqual(len(obs.stdout), 1, obs.stdout)
        self.assertLess(float(obs.stdout[0].split()[-1]), WINDOW + 2)  # not its 60 s
        self.assertLess(took, execute.case_timeout(CASE, UNIT))

    def test_a_deadlock_is_stopped_before_its_timeout_and_said_so(self):
        obs, took = play(DEADLOCK)
        self.assertEqual(obs.outcome, "timeout")
        self.assertIn("a deadlock", obs.note)
        self.assertNotIn("waits_ended", obs.report)
        self.assertLess(took, execute.case_timeout(CASE, UNIT))

    def test_a_run_that_sleeps_longer_than_the_window_is_left_alone(self):
        obs, _ = play(SLEEPS)
        self.assertEqual((obs.outcome, obs.stdout), ("ran", ["slept"]), obs.note)
        self.assertNotIn("waits_ended", obs.report)
        self.assertNotIn("timed_out", obs.report)

    def test_the_window_outlasts_every_timed_step_but_the_drivers_own_waits(self):
        class Made:  # a case's data, as stall_window reads it
            data = {"main": [{"do": "sleep", "units": 3},
                             {"do": "join", "p": "w", "timeout": 5},
                             {"do": "wait_sentinel", "p": "w", "timeout": 60},
                             {"do": "await_end", "p": "w", "timeout": 70}],
                    "targets": {"t": {"steps": [{"do": "await", "point": "x", "timeout": 80},
                                                {"do": "sleep", "units": 4}]}}}
        self.assertAlmostEqual(execute.stall_window(Made, 0.5), (5 + 4 + 10) * 0.5)
        self.assertEqual(execute.stall_window(Made, 0.01), 2.0)

    def test_the_driver_names_its_waits_as_the_reaper_reads_them(self):
        header = (DRIVER_SOURCE / "waiting.hpp").read_text()
        self.assertIn(f'kWaitingName[] = "{stall.WAITING}";', header)
        self.assertLessEqual(len(stall.WAITING), 15)  # a thread's name: 16 bytes with its NUL

    def test_a_task_counts_as_waiting_for_ever_only_in_a_call_with_no_time_limit(self):
        read = "0 0x3 0x7ffd 0x1 0x0 0x0 0x0 0x7ffd 0x7f00"
        timed_poll = "7 0x7ffd 0x1 0x32 0x0 0x0 0x0 0x7ffd 0x7f00"  # 50 ms
        endless_poll = "7 0x7ffd 0x1 0xffffffff 0x0 0x0 0x0 0x7ffd 0x7f00"
        self.assertTrue(stall.untimed_wait(read))
        self.assertFalse(stall.untimed_wait(timed_poll))
        self.assertTrue(stall.untimed_wait(endless_poll))
        self.assertFalse(stall.untimed_wait("running"))


if __name__ == "__main__":
    unittest.main()
