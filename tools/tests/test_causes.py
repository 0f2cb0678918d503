"""Likely causes (tools/mpspec_runner/judge/causes.py): which symptom a failed result shows, and
how failures group, on small made-up results."""
import base64
import unittest
from types import SimpleNamespace

from mpspec_runner.judge import causes
from mpspec_runner.judge.checks import Check
from mpspec_runner.judge.verdict import Verdict

TARGETS = {"worker": {"steps": [{"do": "print", "text": "Worker: {0}"}]},
           "nested": {"steps": [{"do": "repeat", "times": 2,
                                 "steps": [{"do": "print", "text": "tick {i}"}]}]}}


def result(checks=(), verdict=Verdict.FAIL, stdout=(), report=None, targets=None, main=()):
    case = SimpleNamespace(id="x.y", data={"targets": TARGETS if targets is None else targets,
                                           "main": list(main)})
    obs = SimpleNamespace(stdout=list(stdout), report=report or {}, trace=[])
    return SimpleNamespace(case=case, verdict=verdict, observation=obs, checks=list(checks))


def stdout_fails():
    return [Check("stdout lines (any order)", ["Worker: 0"], [], False)]


class SymptomTest(unittest.TestCase):
    def test_lost_child_lines(self):
        self.assertEqual(causes.symptom(result(stdout_fails(), stdout=["main says"])),
                         "child-output")

    def test_child_lines_present_but_wrong_is_not_lost_output(self):
        r = result(stdout_fails(), stdout=["Worker: 7", "tick 0"])
        self.assertEqual(causes.symptom(r), "other")

    def test_a_nested_print_counts(self):
        r = result(stdout_fails(), stdout=["Worker: 7"])  # tick lines missing
        self.assertEqual(causes.symptom(r), "child-output")

    def test_no_child_in_the_kernels_view(self):
        r = result(stdout_fails(), report={"witness": {"processes": {"2": {}}}})
        self.assertEqual(causes.symptom(r), "no-child")
        r = result(stdout_fails(), report={"witness": {"processes": {"2": {}, "3": {}}}})
        self.assertEqual(causes.symptom(r), "child-output")

    def test_a_child_printing_the_main_programs_line_runs_main(self):
        main = [{"do": "start", "p": "w"}, {"do": "print", "text": "main done {x}"}]

        def witness(writer):
            return {"witness": {"driver": 2, "processes": {"2": {}, "3": {"parent": 2}},
                                "writes": [{"pid": writer, "fd": 1,
                                            "data": base64.b64encode(b"main done 7\n").decode()}]}}
        self.assertEqual(causes.symptom(result(main=main, report=witness(3))), "child-runs-main")
        self.assertEqual(causes.symptom(result(main=main, report=witness(2))), "other")

    def test_a_child_writing_the_main_programs_events_runs_main(self):
        r = result(report={"witness": {"driver": 2, "processes": {"2": {}, "3": {"parent": 2}}}})
        r.observation.trace = [{"pid": 2, "proc": "main"}, {"pid": 3, "proc": "main/w"}]
        self.assertEqual(causes.symptom(r), "other")
        r.observation.trace.append({"pid": 3, "proc": "main", "do": "join"})
        self.assertEqual(causes.symptom(r), "child-runs-main")

    def test_a_line_printed_before_start_and_again_by_a_child_is_an_unflushed_copy(self):
        main = [{"do": "print", "text": "before"}, {"do": "start", "p": "w"}]
        witness = {"witness": {"driver": 2, "processes": {"2": {}, "3": {"parent": 2}},
                               "writes": [{"pid": 3, "fd": 1, "data": base64.b64encode(
                                   b"before\n").decode()}]}}
        self.assertEqual(causes.symptom(result(main=main, report=witness)), "unflushed-copy")

    def test_a_grandchild_no_target_starts_means_the_child_ran_main(self):
        procs = {"2": {}, "3": {"parent": 2}, "4": {"parent": 3}}
        r = result(report={"witness": {"driver": 2, "processes": procs}})
        self.assertEqual(causes.symptom(r), "child-runs-main")
        starts = {"w": {"steps": [{"do": "start", "p": "g"}]}}
        r = result(report={"witness": {"driver": 2, "processes": procs}}, targets=starts)
        self.assertEqual(causes.symptom(r), "other")

    def test_a_signal_no_step_asked_for(self):
        def witness(child_end, status=-15):
            return {"witness": {"driver": 2, "processes": {
                "2": {"ended": 10.0}, "3": {"parent": 2, "status": status, "ended": child_end}}}}
        self.assertEqual(causes.symptom(result(report=witness(5.0))), "unasked-signal")
        # killed after the main program ended: the reaper's, which left-running explains
        self.assertEqual(causes.symptom(result(report=witness(11.0))), "other")
        self.assertEqual(causes.symptom(result(report=witness(5.0, status=0))), "other")
        asked = [{"do": "terminate", "p": "w"}]
        self.assertEqual(causes.symptom(result(report=witness(5.0), main=asked)), "other")

    def test_a_child_printing_the_main_programs_exit_handler_ran_its_code(self):
        main = [{"do": "on_exit", "text": "handler ran in {pid}"}]
        witness = {"witness": {"driver": 2, "processes": {"2": {}, "3": {"parent": 2}},
                               "writes": [{"pid": 3, "fd": 1, "data": base64.b64encode(
                                   b"handler ran in 3\n").decode()}]}}
        self.assertEqual(causes.symptom(result(main=main, report=witness)), "child-runs-main")

    def test_late_after_a_drop_is_a_destructor_that_waits(self):
        late = [Check("time from a to b", "max 2", "5", False)]
        self.assertEqual(causes.symptom(result(late)), "timing")
        dropped = [{"do": "drop", "p": "w"}, {"do": "mark", "as": "b"}]
        self.assertEqual(causes.symptom(result(late, main=dropped)), "drop-waits")
        elsewhere = [{"do": "drop", "p": "w"}, {"do": "mark", "as": "c"}]
        self.assertEqual(causes.symptom(result(late, main=elsewhere)), "timing")

    def test_a_number_that_is_no_exit_code(self):
        check = [Check("result n", "value=2", "1", False)]
        main = [{"do": "kept_fds_open", "as": "n"}]
        self.assertEqual(causes.symptom(result(check, main=main)), "other")
        main = [{"do": "exitcode", "p": "w", "as": "n"}]
        self.assertEqual(causes.symptom(result(check, main=main)), "exit-codes")

    def test_a_child_error_no_target_raises(self):
        procs = {"2": {"status": 0}, "3": {"parent": 2, "status": 1}}
        r = result(report={"witness": {"driver": 2, "processes": procs}})
        self.assertEqual(causes.symptom(r), "child-error")
        raising = {"w": {"steps": [{"do": "raise", "message": "boom"}]}}
        r = result(report={"witness": {"driver": 2, "processes": procs}}, targets=raising)
        self.assertEqual(causes.symptom(r), "other")

    def test_kernel_causes_open_the_feedback_however_few(self):
        groups = causes.likely_causes(["a", "b", "c"], key=lambda r: {"a": "unasked-signal"}.get(
            r, "timing"))
        self.assertEqual([c.key for c, _ in groups], ["unasked-signal", "timing"])

    def test_stopped_runs(self):
        self.assertEqual(causes.symptom(result(report={"pids_limit": True})), "fork-bomb")
        self.assertEqual(causes.symptom(result(report={"flood": True})), "flood")
        self.assertEqual(causes.symptom(result(verdict=Verdict.TIMEOUT)), "hang")

    def test_left_running(self):
        left = Check("no process of the run left", "none", "pid 3 x: still running", False)
        self.assertEqual(causes.symptom(result([left])), "left-running")

    def test_raw_status_and_other_exit_codes(self):
        raw = [Check("result code", "value=1", "256", False),
               Check("result term", "value=-15", "15", False)]
        self.assertEqual(causes.symptom(result(raw)), "raw-status")
        off = [Check("result code", "value=1", "0", False)]
        self.assertEqual(causes.symptom(result(off)), "exit-codes")

    def test_raw_status_in_a_repr(self):
        c = Check("result r", "like=<Process name='P' pid=${int} stopped exitcode=-SIGTERM>",
                  "<Process name='P' pid=3 stopped exitcode=15>", False)
        self.assertEqual(causes.symptom(result([c])), "raw-status")
        c = Check("result r", "like=<Process name='P' stopped exitcode=1>",
                  "<Process name='P' stopped exitcode=0>", False)
        self.assertEqual(causes.symptom(result([c])), "exit-codes")

    def test_misuse_not_refused(self):
        c = Check("result again", "error=cannot start a process twice", "null", False)
        self.assertEqual(causes.symptom(result([c])), "misuse")

    def test_timing(self):
        c = Check("time from joined.t0 to joined", "2.95 .. 8 units", "50 units", False)
        self.assertEqual(causes.symptom(result([c])), "timing")


class GroupTest(unittest.TestCase):
    def test_largest_group_first_and_other_last(self):
        rs = ["other", "other", "other", "misuse", "hang", "hang"]
        groups = causes.likely_causes(rs, key=lambda k: k)
        self.assertEqual([(c.key, len(m)) for c, m in groups],
                         [("hang", 2), ("misuse", 1), ("other", 3)])

    def test_headline(self):
        groups = causes.likely_causes(["child-output"] * 3, key=lambda k: k)
        line = causes.headline(groups, 3)
        self.assertTrue(line.startswith("All 3 failed cases share one symptom"))
        self.assertIn('API.md, "child exit"', line)
        self.assertIsNone(causes.headline([], 0))
        one = causes.likely_causes(["hang"], key=lambda k: k)
        self.assertTrue(causes.headline(one, 1).startswith("The one failed case: "))
        mixed = causes.likely_causes(["hang", "misuse"], key=lambda k: k)
        self.assertTrue(causes.headline(mixed, 2).startswith("The 2 failed cases show different"))
        some = causes.likely_causes(["hang", "hang", "misuse"], key=lambda k: k)
        self.assertTrue(causes.headline(some, 3).startswith("2 of the 3 failed cases share"))
        self.assertIn("a cause of its own",
                      causes.headline(causes.likely_causes(["other"], key=lambda k: k), 1))


if __name__ == "__main__":
    unittest.main()
