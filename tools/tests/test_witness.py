"""What the kernel saw of a run (sandbox/witness.py) and the trace checked against it
(judge/crosscheck.py): made-up adapters for the first, made-up traces for the second."""
import base64
import glob
import os
import platform
import stat
import sys
import tempfile
import unittest
from pathlib import Path

from mpspec_runner.checkout import SPEC
from mpspec_runner.judge import crosscheck
from mpspec_runner.sandbox import play as execute
from mpspec_runner.spec import cases

CASE = cases.load(SPEC / "10.4.5-join" / "join-waits.toml")
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
# A child that runs the run's own program anew (spawn), and one that runs another program.
REEXECS = f"""#!{sys.executable}
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, "-c", "print('anew')"])
os.waitpid(pid, 0)
pid = os.fork()
if pid == 0:
    os.execv("/bin/echo", ["echo", "forged"])
os.waitpid(pid, 0)
print("done")
"""
# Each process's lines, through write and writev, and a duplicate of stdout.
WRITES = f"""#!{sys.executable}
import os
pid = os.fork()
if pid == 0:
    os.write(1, b"child line\\n")
    os.writev(2, [b"child ", b"error\\n"])
    os._exit(0)
os.waitpid(pid, 0)
os.write(1, b"parent line\\n")
"""
# (Python's os.dup is fcntl(F_DUPFD_CLOEXEC).)
DUPLICATES = [(f"""#!{sys.executable}
import os
os.write(os.dup(1), b"through a duplicate\\n")
""", "fcntl"), (f"""#!{sys.executable}
import os, tempfile
with tempfile.TemporaryFile() as f:
    f.write(b"sent\\n")
    f.flush()
    os.sendfile(1, f.fileno(), 0, 5)
""", "sendfile")]
# CPython before 3.11 tests that descriptors 0 to 2 are open as it starts: dup, then close.
DUPLICATE_CLOSED = f"""#!{sys.executable}
import os
os.close(os.dup(1))
os.close(os.dup(2))
print("went on")
"""
# The same in a process with a second thread, which could write through the duplicate.
DUPLICATE_CLOSED_BESIDE_A_THREAD = f"""#!{sys.executable}
import os, threading
t = threading.Thread(target=lambda: None)
t.start()
t.join()
os.close(os.dup(1))
print("went on")
"""
# The same in a forked child, which the tracer has not seen executing a program: its
# creator's clone may share its descriptors (a thread can even run before the tracer has
# seen its creation), so it is not let run there.
DUPLICATE_CLOSED_IN_A_FORK = f"""#!{sys.executable}
import os
pid = os.fork()
if pid == 0:
    os.close(os.dup(1))
    os._exit(0)
os.waitpid(pid, 0)
"""
# A forked child that executes the run's own program anew (as spawn does) is alone with its
# descriptors again: its duplicate closed at once runs.
DUPLICATE_CLOSED_AFTER_EXEC = f"""#!{sys.executable}
import os, sys
if sys.argv[-1] == "again":
    os.close(os.dup(1))
    print("went on")
    sys.exit(0)
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[0], [sys.argv[0], "again"])
os.waitpid(pid, 0)
"""
OLD_PYTHONS = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.[89].*/bin/python3"))
                     + glob.glob(os.path.expanduser("~/.pyenv/versions/3.10.*/bin/python3")))
# A raw clone(CLONE_UNTRACED | SIGCHLD): a child the tracer would never see.
UNTRACED_CLONE = f"""#!{sys.executable}
import ctypes, os, platform
libc = ctypes.CDLL(None, use_errno=True)
SYS_clone = {{"x86_64": 56, "aarch64": 220}}[platform.machine()]
pid = libc.syscall(ctypes.c_long(SYS_clone), ctypes.c_ulong(0x00800000 | 17), *[ctypes.c_ulong(0)] * 4)
if pid == 0:
    os.write(1, b"untraced child ran\\n")
    os._exit(0)
os.waitpid(pid, 0)
print("clone returned", pid)
"""
# The same clone, made by a thread: its whole process goes.
THREAD_CLONE = f"""#!{sys.executable}
import ctypes, os, platform, threading, time
libc = ctypes.CDLL(None, use_errno=True)
SYS_clone = {{"x86_64": 56, "aarch64": 220}}[platform.machine()]
def clone():
    pid = libc.syscall(ctypes.c_long(SYS_clone), ctypes.c_ulong(0x00800000 | 17), *[ctypes.c_ulong(0)] * 4)
    if pid == 0:
        os.write(1, b"untraced child ran\\n")
        os._exit(0)
threading.Thread(target=clone).start()
time.sleep(1)
print("main thread went on")
"""
# ptrace and unshare, which no implementation needs: (script, the call's words in the report)
REACHES_PAST = [(f"""#!{sys.executable}
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace(ctypes.c_long(16), ctypes.c_long(os.getppid()), None, None)  # PTRACE_ATTACH
print("went on")
""", "ptrace"), (f"""#!{sys.executable}
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.unshare(0x10000000 | 0x00020000)  # CLONE_NEWUSER | CLONE_NEWNS
print("went on")
""", "unshare")]
# What an honest implementation does: threads, fork, multiprocessing's fork.
HONEST_SCRIPT = f"""#!{sys.executable}
import multiprocessing, os, threading
threads = [threading.Thread(target=print, args=("thread", i)) for i in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
pid = os.fork()
if pid == 0:
    os._exit(5)
print("forked, status", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
p = multiprocessing.get_context("fork").Process(target=print, args=("in the child",))
p.start()
p.join()
print("joined, exitcode", p.exitcode)
"""
WITNESSED = execute.Sandbox(witness=True)
LOCKED = execute.Sandbox(witness=True, own_program_only=True)
FILTERED = platform.machine() in ("x86_64", "aarch64")  # where seccomp.py has a filter


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
        self.assertEqual({k: seen[str(child)][k] for k in ("parent", "status")},
                         {"parent": parent, "status": 3})
        self.assertEqual(seen[str(parent)]["status"], 0)
        times = [seen[str(child)][k] for k in ("born", "ending", "ended")]
        self.assertEqual(times, sorted(times))
        self.assertLess(obs.report["launch"], times[0])
        self.assertLess(times[-1], obs.report["exit"])

    def test_a_run_that_executes_another_program_is_stopped_and_said_so(self):
        obs = play(EXECS, LOCKED)
        self.assertEqual(obs.outcome, "error")
        self.assertIn("ran another program", obs.note)
        self.assertIn("echo", obs.note)
        self.assertNotIn("forged", obs.stdout)

    def test_a_launcher_may_exec_before_the_run_creates_a_process(self):
        obs = play(EXECS)  # a shell script that execs its interpreter does this
        self.assertEqual(obs.outcome, "ran", obs.note)
        self.assertEqual(obs.stdout, ["forged"])

    def test_the_runs_own_program_may_run_anew_and_no_other(self):
        obs = play(REEXECS)
        self.assertEqual(obs.outcome, "error", obs.note)
        self.assertIn("anew", obs.stdout)
        self.assertNotIn("forged", obs.stdout)
        self.assertEqual([e["program"] for e in obs.report["witness"]["exec"]], ["/usr/bin/echo"])

    def test_each_write_to_the_output_is_its_writers(self):
        obs = play(WRITES)
        self.assertEqual(obs.outcome, "ran", obs.note)
        driver = obs.report["witness"]["driver"]
        writes = [(w["pid"], w["fd"], base64.b64decode(w["data"]))
                  for w in obs.report["witness"]["writes"]]
        child = writes[0][0]
        self.assertNotEqual(child, driver)
        self.assertEqual(writes, [(child, 1, b"child line\n"), (child, 2, b"child error\n"),
                                  (driver, 1, b"parent line\n")])

    def test_without_the_witness_the_report_has_none(self):
        obs = play(EXECS, execute.DEFAULT_SANDBOX)
        self.assertNotIn("witness", obs.report)
        self.assertIn("forged", obs.stdout)

    def test_a_tracee_killed_in_its_fork_stop_is_no_fault(self):
        # A thread stopped in clone() dies there when another thread of its process calls
        # exit_group (a submission whose target runs on a thread): the event's message can
        # no longer be read. CI graded hostile-made-up-pids as a harness fault for it.
        gone = os.fork()
        if gone == 0:
            os._exit(0)
        os.waitpid(gone, 0)
        # The reaper runs witness.py as a script beside seccomp.py, which it imports so.
        sys.path.insert(0, str(Path(execute.__file__).parent))
        try:
            import witness  # noqa: PLC0415
        finally:
            sys.path.pop(0)
        children = witness.Children()
        self.assertIsNone(children._created(gone, witness.EVENT_CLONE))  # noqa: SLF001
        self.assertEqual(children.born, {})


@unittest.skipUnless(FILTERED, "no seccomp filter on this machine")
class SeccompTest(unittest.TestCase):
    """The filter of witnessed runs (seccomp.py) hands the tracer what would escape it."""

    def assertStopped(self, obs, call):
        self.assertEqual(obs.outcome, "error")
        forbidden = obs.report["witness"]["forbidden"]
        self.assertEqual([f["call"] for f in forbidden], [call])
        self.assertIn("forbids", obs.note)
        self.assertIn(call, obs.note)
        self.assertEqual(obs.report["witness"]["exec"], [])

    def test_an_untraced_clone_is_stopped_before_its_child_exists(self):
        obs = play(UNTRACED_CLONE)
        self.assertStopped(obs, "clone(CLONE_UNTRACED or a namespace flag)")
        self.assertNotIn("untraced child ran", obs.stdout)
        self.assertEqual(obs.stdout, [])
        self.assertEqual(len(obs.report["witness"]["processes"]), 1)  # the driver alone

    def test_a_threads_untraced_clone_stops_its_process_which_the_report_names(self):
        obs = play(THREAD_CLONE)
        self.assertStopped(obs, "clone(CLONE_UNTRACED or a namespace flag)")
        self.assertEqual(obs.stdout, [])
        driver = obs.report["witness"]["driver"]
        self.assertEqual(obs.report["witness"]["forbidden"][0]["pid"], driver)
        self.assertIn(f"pid {driver} ", obs.note)

    def test_a_duplicate_of_the_output_and_other_ways_to_it_are_stopped(self):
        for script, call in DUPLICATES:
            with self.subTest(call):
                obs = play(script)
                self.assertEqual(obs.outcome, "error")
                self.assertTrue(obs.report["witness"]["forbidden"][0]["call"].startswith(call))
                self.assertEqual(obs.stdout, [])

    def test_a_duplicate_closed_at_once_by_a_process_alone_runs(self):
        obs = play(DUPLICATE_CLOSED)
        self.assertEqual(obs.outcome, "ran", obs.note)
        self.assertEqual(obs.report["witness"]["forbidden"], [])
        self.assertEqual(obs.stdout, ["went on"])

    def test_a_duplicate_where_another_thread_could_write_through_it_is_stopped(self):
        obs = play(DUPLICATE_CLOSED_BESIDE_A_THREAD)
        self.assertEqual(obs.outcome, "error")
        self.assertTrue(obs.report["witness"]["forbidden"][0]["call"].startswith("fcntl"))
        self.assertEqual(obs.stdout, [])

    def test_a_duplicate_in_a_process_not_seen_executing_is_stopped(self):
        obs = play(DUPLICATE_CLOSED_IN_A_FORK)
        self.assertEqual(obs.outcome, "error")
        forbidden = obs.report["witness"]["forbidden"]
        self.assertEqual(len(forbidden), 1)
        self.assertNotEqual(forbidden[0]["pid"], obs.report["witness"]["driver"])

    def test_a_duplicate_in_a_fork_that_executed_the_program_again_runs(self):
        obs = play(DUPLICATE_CLOSED_AFTER_EXEC)
        self.assertEqual(obs.outcome, "ran", obs.note)
        self.assertEqual(obs.report["witness"]["forbidden"], [])
        self.assertEqual(obs.stdout, ["went on"])

    @unittest.skipUnless(OLD_PYTHONS, "no CPython before 3.11 under ~/.pyenv")
    def test_cpython_before_3_11_starts_under_the_witness(self):
        for python in OLD_PYTHONS:
            with self.subTest(python):
                obs = play(f"#!{python}\nprint('started')\n")
                self.assertEqual(obs.outcome, "ran", obs.note)
                self.assertEqual(obs.stdout, ["started"])

    def test_ptrace_and_unshare_are_stopped(self):
        for script, call in REACHES_PAST:
            with self.subTest(call):
                obs = play(script)
                self.assertStopped(obs, call)
                self.assertNotIn("went on", obs.stdout)

    def test_threads_and_forks_are_not_stopped(self):
        obs = play(HONEST_SCRIPT)
        self.assertEqual(obs.outcome, "ran", obs.note)
        self.assertEqual(obs.report["witness"]["forbidden"], [])
        self.assertEqual(obs.report["witness"]["exec"], [])
        self.assertEqual(sorted(obs.stdout), sorted(
            [f"thread {i}" for i in range(3)]
            + ["forked, status 5", "in the child", "joined, exitcode 0"]))
        # the driver, the fork and multiprocessing's child (threads are not processes)
        self.assertEqual(len(obs.report["witness"]["processes"]), 3)

    def test_without_the_witness_the_untraced_clone_runs(self):
        obs = play(UNTRACED_CLONE, execute.DEFAULT_SANDBOX)
        self.assertEqual(obs.outcome, "ran", obs.note)
        self.assertIn("untraced child ran", obs.stdout)
        self.assertNotIn("witness", obs.report)


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
