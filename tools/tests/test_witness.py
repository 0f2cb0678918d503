"""What the kernel saw of a run (witness.py) and the trace checked against it (crosscheck.py):
made-up adapters for the first, made-up traces for the second."""
import os
import stat
import sys
import tempfile
import unittest
from pathlib import Path

from mpspec_runner import cases, crosscheck, execute

CASE = cases.load(cases.SPEC / "10.4.5-join" / "join-waits.toml")
FORKS = f"""#!{sys.executable}
import os
pid = os.fork()
if pid == 0:
    os._exit(3)
os.waitpid(pid, 0)
print("parent", os.getpid(), "child", pid)
"""
EXECS = f"""#!{sys.executable}
import os
os.execv("/bin/echo", ["echo", "forged"])
"""
WITNESSED = execute.Sandbox(witness=True)


def play(script, sandbox=WITNESSED):
    with tempfile.TemporaryDirectory() as tmp:
        adapter = Path(tmp) / "adapter"
        adapter.write_text(script)
        adapter.chmod(adapter.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        os.chmod(tmp, 0o755)
        return execute.play(CASE, adapter, 0.2, sandbox=sandbox)


class WitnessTest(unittest.TestCase):
    def test_the_report_holds_every_process_its_parent_and_how_it_ended(self):
        obs = play(FORKS)
        words = obs.stdout[0].split()
        parent, child = int(words[1]), int(words[3])
        seen = obs.report["witness"]["processes"]
        self.assertEqual(obs.report["witness"]["driver"], parent)
        self.assertEqual(seen[str(child)], {"parent": parent, "status": 3})
        self.assertEqual(seen[str(parent)]["status"], 0)

    def test_a_run_that_executes_another_program_is_stopped_and_said_so(self):
        obs = play(EXECS)
        self.assertEqual(obs.outcome, "error")
        self.assertIn("ran another program", obs.note)
        self.assertIn("echo", obs.note)
        self.assertNotIn("forged", obs.stdout)

    def test_without_the_witness_the_report_has_none(self):
        obs = play(EXECS, execute.DEFAULT_SANDBOX)
        self.assertNotIn("witness", obs.report)
        self.assertIn("forged", obs.stdout)


def op(proc, pid, do="print", **more):
    return dict({"ev": "op", "proc": proc, "pid": pid, "do": do}, **more)


KERNEL = {"driver": 2, "exec": [],
          "processes": {"2": {"parent": None, "status": 0}, "3": {"parent": 2, "status": -15},
                        "4": {"parent": 3, "status": 0}}}
HONEST = [op("main", 2, "start", p="w"), op("main/w", 3, "start", p="g"), op("main/w/g", 4),
          op("main", 2, "pid", p="w", value=3), op("main", 2, "exitcode", p="w", value=-15),
          op("main", 2, "exitcode", p="current", value=None)]


class CrosscheckTest(unittest.TestCase):
    def found(self, trace):
        return crosscheck.contradictions(trace, KERNEL)

    def test_an_honest_trace_agrees(self):
        self.assertEqual(self.found(HONEST), [])

    def test_an_event_of_a_process_the_run_never_had(self):
        self.assertIn("pid 77 (main/w), a process the run never had",
                      self.found(HONEST + [op("main/w", 77)])[0])

    def test_main_events_from_a_child_are_a_bug_not_tampering(self):
        # a child that returns from start() runs the rest of main: honest events of a bug
        self.assertEqual(self.found([op("main", 2), op("main", 3)]), [])

    def test_a_child_that_does_not_descend_from_its_parent_path(self):
        found = self.found([op("main", 2), op("main/w", 4), op("main/w/g", 3)])
        self.assertIn("events of main/w/g come from pid 3, which does not descend from main/w",
                      found[0])
        self.assertEqual(len(found), 1)

    def test_a_grandchild_through_a_helper_process_descends(self):  # a double fork, a server
        self.assertEqual(self.found([op("main", 2), op("main/w", 4)]), [])

    def test_honest_runs_of_buggy_libraries_contradict_nothing(self):
        threads = [op("main", 2), op("main/w", 2)]  # the target ran on a thread
        no_fork = [op("main", 2, "start", p="w")]  # start() created nothing
        wrong_values = [op("main", 2, "pid", p="w", value=0), op("main", 2, "exitcode", value=256)]
        for trace in (threads, no_fork, wrong_values):
            self.assertEqual(self.found(trace), [])

    def test_hostile_values_do_not_break_it(self):
        weird = {"driver": "x", "processes": {"a": 1, "5": None, "-1": {"parent": []}}}
        self.assertTrue(crosscheck.contradictions([op("main", 2), {"ev": "op"}], weird))


if __name__ == "__main__":
    unittest.main()
