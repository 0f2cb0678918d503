"""The process tree a student reads (judge/process_tree.py), from made-up kernel records."""
import unittest

from mpspec_runner.judge.process_tree import tree_lines


def report(procs, driver=2):
    return {"witness": {"driver": driver, "processes": procs}}


class ProcessTreeTest(unittest.TestCase):
    def test_each_process_under_its_parent_with_how_it_ended(self):
        procs = {"2": {"status": 0, "born": 10.0, "ending": 11.0},
                 "3": {"parent": 2, "status": -15, "born": 10.1, "ending": 10.5},
                 "4": {"parent": 3, "status": 0, "born": 10.2, "ending": 12.0},
                 "5": {"parent": 2, "status": None, "born": 10.3}}
        trace = [{"pid": 3, "proc": "main/w"}, {"pid": 2, "proc": "main"}]
        self.assertEqual(tree_lines(report(procs), trace, 0.5), [
            "main (pid 2): exited with 0 at 2.00 units",
            "   └─ main/w (pid 3): killed by SIGTERM at 1.00 units",
            "      └─ a grandchild (pid 4): exited with 0 at 4.00 units",
            "   └─ a child (pid 5): never ended (still running when the run was stopped)"])

    def test_a_kill_after_the_main_program_ended_says_so(self):
        procs = {"2": {"status": 0, "born": 0.0, "ending": 1.0},
                 "3": {"parent": 2, "status": -9, "born": 0.1, "ended": 2.0}}
        self.assertIn("after the main program had ended", tree_lines(report(procs), [], 1)[1])

    def test_untraced_runs_and_hostile_names(self):
        self.assertEqual(tree_lines({}, [], 1), [])
        procs = {"2": {"status": 0}, "3": {"parent": 2, "status": -99}}
        lines = tree_lines(report(procs), [{"pid": 3, "proc": "x" * 500}], 1)
        self.assertEqual(lines[1], f"   └─ {'x' * 60} (pid 3): killed by signal 99")

    def test_a_fork_bomb_is_cut_short(self):
        procs = {"2": {}} | {str(n): {"parent": 2} for n in range(3, 500)}
        lines = tree_lines(report(procs), [], 1)
        self.assertEqual(len(lines), 25)
        self.assertEqual(lines[-1], "… and 474 more processes")


if __name__ == "__main__":
    unittest.main()
