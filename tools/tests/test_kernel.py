"""What the library says against what the kernel saw (judge/kernel.py), on made-up traces and
witnesses: the honest run agrees, and each forgery or bug the kernel can see is named."""
import base64
import unittest
from types import SimpleNamespace

from mpspec_runner.checkout import SPEC
from mpspec_runner.judge import kernel
from mpspec_runner.spec import cases

# A main program (pid 2) that starts w (pid 3, born at 10.5) between 10.4 and 10.6, joins it
# and reads its pid and exit code; w prints a line and exits with 1 at 11.0.
CASE = cases.Case(SPEC / "10.4.5-join" / "made-up.toml", {
    "main": [{"do": "create", "p": "w", "target": "t"}, {"do": "start", "p": "w"},
             {"do": "pid", "p": "w", "as": "w_pid"}, {"do": "is_alive", "p": "w", "as": "alive"},
             {"do": "join", "p": "w", "as": "joined"},
             {"do": "join", "p": "w", "timeout": 1, "as": "waited"},
             {"do": "exitcode", "p": "w", "as": "code"}, {"do": "print", "text": "main done"}],
    "targets": {"t": {"steps": [{"do": "mark", "as": "ran"}, {"do": "print", "text": "child {pid}"},
                                {"do": "exit", "code": 1}]}},
    "expect": {"results": {"w_pid": {"same_as": "ran_pid"}, "alive": {"value": True},
                           "code": {"value": 1}},
               "timing": [{"from": "joined.t0", "to": "joined", "max": 5}],
               "stdout": ["child ${int}", "main done"]}})


def op(proc, pid, do, t0, t, **more):
    return dict({"ev": "op", "proc": proc, "pid": pid, "do": do, "t0": t0, "t": t}, **more)


def write(pid, fd, text):
    return {"pid": pid, "fd": fd, "data": base64.b64encode(text.encode()).decode()}


def honest():
    trace = [op("main", 2, "create", 10.3, 10.31, p="w"), op("main", 2, "start", 10.4, 10.6, p="w"),
             op("main/w", 3, "mark", 10.7, 10.71, **{"as": "ran"}),
             op("main", 2, "pid", 10.61, 10.62, p="w", value=3, **{"as": "w_pid"}),
             op("main", 2, "is_alive", 10.63, 10.64, p="w", value=True, **{"as": "alive"}),
             op("main", 2, "join", 10.65, 11.2, p="w", value=None, **{"as": "joined"}),
             op("main", 2, "join", 11.2, 11.3, p="w", value=None, **{"as": "waited"}),
             op("main", 2, "exitcode", 11.3, 11.31, p="w", value=1, **{"as": "code"})]
    witness = {"driver": 2, "processes": {
        "2": {"parent": None, "status": 0, "born": None, "ending": 11.5, "ended": 11.6},
        "3": {"parent": 2, "status": 1, "born": 10.5, "ending": 11.0, "ended": 11.1}},
        "writes": [write(3, 1, "child 3\n"), write(2, 1, "main done\n")]}
    return trace, witness, ["child 3", "main done"]


def judged(trace, witness, stdout, case=CASE):
    obs = SimpleNamespace(trace=trace, stdout=stdout, stderr=[], outcome="ran",
                          report={"launch": 10.0, "witness": witness})
    return {c.name: c for c in kernel.checks(case, obs)}


class HonestTest(unittest.TestCase):
    def test_an_honest_run_agrees_on_every_count(self):
        found = judged(*honest())
        self.assertEqual(sorted(found), sorted([kernel.CHILDREN, kernel.VALUES, kernel.OUTPUT]))
        for check in found.values():
            self.assertTrue(check.ok, check.observed)

    def test_without_a_witness_there_is_nothing_to_check(self):
        trace, _, stdout = honest()
        obs = SimpleNamespace(trace=trace, stdout=stdout, stderr=[], outcome="ran", report={})
        self.assertEqual(kernel.checks(CASE, obs), [])


class ChildrenTest(unittest.TestCase):
    def failed(self, trace, witness, stdout=None):
        check = judged(trace, witness, stdout or honest()[2])[kernel.CHILDREN]
        self.assertFalse(check.ok)
        tree = kernel.Tree(trace, kernel.Kernel(witness))
        return "\n".join(kernel.children(tree, kernel.Clock({"launch": 10.0})))

    def test_a_start_that_created_no_process(self):  # a no-op start(), or a replay
        trace, witness, _ = honest()
        del witness["processes"]["3"]
        trace = [ev for ev in trace if ev["proc"] == "main"]
        self.assertEqual(self.failed(trace, witness), "w.start() in main returned at 0.600 s "
                         "without an error, but created no process while it ran (from 0.400 s)")

    def test_a_target_run_in_the_parents_own_process(self):  # a thread, or a replay
        trace, witness, _ = honest()
        trace[2]["pid"] = 2
        self.assertIn("come from pid 2, the process of main itself", self.failed(trace, witness))

    def test_a_child_not_created_by_its_start(self):
        trace, witness, _ = honest()
        witness["processes"]["3"]["born"] = 10.62  # after start() returned
        self.assertIn("was not created while main's start() of it ran",
                      self.failed(trace, witness))

    def test_a_child_that_does_not_descend_from_its_parent(self):
        trace, witness, _ = honest()
        witness["processes"]["3"]["parent"] = 9
        self.assertIn("does not descend from main", self.failed(trace, witness))

    def test_two_children_in_one_process(self):
        trace, witness, _ = honest()
        trace += [op("main", 2, "start", 10.4, 10.6, p="v"), op("main/v", 3, "mark", 10.8, 10.9)]
        self.assertIn("main/v and main/w are one process (pid 3)", self.failed(trace, witness))


class ValuesTest(unittest.TestCase):
    def observed(self, trace, witness):
        return judged(trace, witness, honest()[2])[kernel.VALUES]

    def change(self, label, **fields):
        trace, witness, _ = honest()
        for ev in trace:
            if ev.get("as") == label:
                ev.update(fields)
        return trace, witness

    def test_a_pid_that_is_not_the_childs(self):
        check = self.observed(*self.change("w_pid", value=77))
        self.assertFalse(check.ok)
        self.assertIn("w.pid() in main (w_pid) is 77, but start() created pid 3", check.observed)

    def test_an_exit_code_the_kernel_did_not_see(self):
        check = self.observed(*self.change("code", value=256))  # the raw wait status
        self.assertIn("is 256 at 1.310 s, but the kernel saw pid 3 ended with 1", check.observed)

    def test_an_exit_code_read_before_the_child_ended(self):
        check = self.observed(*self.change("code", t0=10.8, t=10.81))
        self.assertFalse(check.ok)

    def test_is_alive_after_the_child_was_gone(self):
        check = self.observed(*self.change("alive", t0=11.15, t=11.16))
        self.assertIn("is True at 1.150 s, but pid 3 had ended by then", check.observed)

    def test_a_join_that_returned_while_the_child_ran(self):
        check = self.observed(*self.change("joined", t=10.9))
        self.assertIn("returned at 0.900 s, but pid 3 was still running then", check.observed)

    def test_a_process_that_skipped_the_stop_at_its_exit_may_have_ended_any_time(self):
        trace, witness = self.change("code", t0=10.8, t=10.81)
        witness["processes"]["3"]["ending"] = None  # SIGKILL: no stop at the start of exit
        self.assertTrue(self.observed(trace, witness).ok)

    def test_a_join_with_a_timeout_says_nothing(self):
        self.assertTrue(self.observed(*self.change("waited", t=10.66)).ok)

    def test_a_value_the_expectations_do_not_use_is_not_checked(self):
        trace, witness = self.change("code", value=256)
        for ev in trace:
            if ev.get("as") == "code":
                ev["as"] = "unused"
        self.assertTrue(self.observed(trace, witness).ok)

    def test_values_of_a_start_that_created_nothing(self):  # a no-op start(), or a replay
        trace, witness = self.change("alive", value=True)
        del witness["processes"]["3"]
        trace = [ev for ev in trace if ev["proc"] == "main"]
        check = self.observed(trace, witness)
        self.assertIn("start() created no process", check.observed)


class OutputTest(unittest.TestCase):
    def observed(self, witness, stdout):
        return judged(honest()[0], witness, stdout)[kernel.OUTPUT]

    def test_a_childs_line_written_by_the_main_program(self):
        _, witness, stdout = honest()
        witness["writes"] = [write(2, 1, "child 3\nmain done\n")]
        check = self.observed(witness, stdout)
        self.assertIn("'child 3', which only a target prints, was written by the main program",
                      check.observed)

    def test_a_main_line_written_only_by_a_child(self):  # a child that returns into main
        _, witness, stdout = honest()
        witness["writes"] = [write(3, 1, "child 3\nmain done\n")]
        self.assertIn("'main done', which only the main program prints, was written only by "
                      "pid 3", self.observed(witness, stdout).observed)

    def test_a_line_nobody_wrote(self):
        _, witness, stdout = honest()
        self.assertIn("'forged' was written by no process",
                      self.observed(witness, stdout + ["forged"]).observed)

    def test_a_main_line_that_a_child_repeats_is_still_main_s(self):  # stdio not flushed
        _, witness, stdout = honest()
        witness["writes"].append(write(3, 1, "main done\n"))
        self.assertTrue(self.observed(witness, stdout + ["main done"]).ok)


class HostileInputTest(unittest.TestCase):
    def test_nothing_a_run_writes_breaks_it(self):
        trace, witness, stdout = honest()
        trace += [{"ev": "op", "proc": "main/x", "pid": 10 ** 400, "t": float("nan")},
                  {"ev": "op", "proc": 5, "pid": True}, {"ev": "op", "proc": "main", "do": "pid",
                  "p": "w", "as": "w_pid", "t0": 1e308 * 10, "t": "x", "value": [1]}]
        witness["processes"]["x"] = {"parent": []}
        witness["processes"]["9"] = "nope"
        witness["writes"].append({"pid": 2, "fd": 1, "data": "%%%"})
        for check in judged(trace, witness, stdout).values():
            self.assertIsInstance(check.ok, bool)


if __name__ == "__main__":
    unittest.main()
