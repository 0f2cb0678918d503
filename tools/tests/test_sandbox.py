"""The sandbox of a run (tools/mpspec_runner/sandbox/), with made-up adapters: a run that
uses too much memory is stopped and said so, and nothing of it is left."""
import ctypes
import os
import socket
import stat
import sys
import tempfile
import unittest
from pathlib import Path

from mpspec_runner.checkout import SPEC
from mpspec_runner.sandbox import play as execute
from mpspec_runner.sandbox import cgroups
from mpspec_runner.sandbox.cgroups import cgroup_root
from mpspec_runner.sandbox.isolation import isolation
from mpspec_runner.spec import cases

CASE = cases.load(SPEC / "10.4.5-join" / "join-waits.toml")
HOG = """#!/usr/bin/env python3
import sys
block = bytearray(256 << 20)
for i in range(0, len(block), 4096):  # touch every page, so that it counts
    block[i] = 1
print("survived")
"""


def play(script, sandbox=execute.DEFAULT_SANDBOX):
    """The observation of CASE played by `script`, written as an adapter any user may run."""
    with tempfile.TemporaryDirectory() as tmp:
        adapter = Path(tmp) / "adapter"
        adapter.write_text(script)
        adapter.chmod(adapter.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        os.chmod(tmp, 0o755)
        return execute.play(CASE, adapter, 0.2, sandbox=sandbox)


@unittest.skipIf(cgroup_root("memory") is None, "no writable memory cgroup here")
class MemoryLimitTest(unittest.TestCase):
    def play(self, memory_max):
        return play(HOG, execute.Sandbox(memory_max=memory_max))

    def test_a_run_over_its_memory_is_stopped_and_says_so(self):
        obs = self.play(64 << 20)
        self.assertEqual(obs.outcome, "error")
        self.assertIn("more than 64 MiB of memory", obs.note)
        self.assertNotIn("survived", obs.stdout)

    def test_a_run_within_its_memory_is_not(self):
        obs = self.play(1 << 30)
        self.assertIn("survived", obs.stdout)
        self.assertFalse(obs.report.get("memory_limit"))


LITTERER = """#!/bin/sh
# A run that litters every place every user may write, and looks for what the host keeps
# in /tmp.
for place in /tmp /var/tmp /run/lock /dev/shm; do
  [ -d "$place" ] && echo litter > "$place/mpspec-litter-MARK"
done
ls /tmp/mpspec-host-MARK 2>/dev/null && echo "saw the host's file"
cat "$1" > /dev/null && echo "read the scenario"
"""
# A run that leaves a SysV segment, queue and semaphore set and a POSIX message queue
# (the keys and the name carry MARK), and looks for the host's segment of key HOST.
IPC_LITTERER = f"""#!{sys.executable}
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.shmget(MARK, 4096, 0o1666)  # IPC_CREAT | 0666
libc.msgget(MARK, 0o1666)
libc.semget(MARK, 1, 0o1666)
libc.mq_open(b"/mpspec-litter-MARK", os.O_CREAT | os.O_RDWR, 0o666, None)
if libc.shmget(HOST, 0, 0o666) >= 0:
    print("saw the host's segment")
print("littered")
"""


@unittest.skipUnless(isolation().startswith("namespace"), "runs share the host's /tmp here")
class PrivateTmpTest(unittest.TestCase):
    def test_a_run_has_its_own_tmp_and_shm_and_leaves_nothing_there(self):
        mark = f"{os.getpid()}"
        host_file = Path(f"/tmp/mpspec-host-{mark}")
        host_file.write_text("host")
        try:
            obs = play(LITTERER.replace("MARK", mark))
        finally:
            host_file.unlink()
        self.assertEqual(obs.stdout, ["read the scenario"], obs.stderr)
        for place in ("/tmp", "/var/tmp", "/run/lock", "/dev/shm"):
            self.assertFalse(Path(f"{place}/mpspec-litter-{mark}").exists(), place)

    def test_a_run_has_its_own_ipc_and_leaves_nothing_there(self):
        mark, host = 0x6d700000 + os.getpid() % 0x10000, 0x6d710000 + os.getpid() % 0x10000
        libc = ctypes.CDLL(None, use_errno=True)
        held = libc.shmget(host, 4096, 0o1600)
        try:
            obs = play(IPC_LITTERER.replace("MARK", str(mark)).replace("HOST", str(host)))
        finally:
            libc.shmctl(held, 0, None)  # IPC_RMID
        self.assertEqual(obs.stdout, ["littered"], obs.stderr)
        keys = {f"{mark}", f"{mark:x}"}
        for kind in ("shm", "msg", "sem"):
            table = Path(f"/proc/sysvipc/{kind}").read_text().split()
            self.assertFalse(keys & set(table), kind)
        self.assertEqual(libc.mq_unlink(f"/mpspec-litter-{mark}".encode()), -1)


WHO_AM_I = """#!/bin/sh
echo "pid $$ parent $PPID processes $(ls -d /proc/[0-9]* | wc -l)"
"""


@unittest.skipUnless(isolation().startswith("namespace"), "runs share the host's pids here")
class PidNamespaceTest(unittest.TestCase):
    """The launcher (sandbox/launcher.py) forks each run's reaper as PID 1 of a fresh PID
    namespace with its own /proc, as unshare(1) did."""

    def test_the_driver_is_the_reapers_child_and_sees_only_the_run(self):
        obs = play(WHO_AM_I)
        self.assertEqual(len(obs.stdout), 1, obs.stderr)
        head, _, count = obs.stdout[0].rpartition(" ")
        self.assertEqual(head, "pid 2 parent 1 processes")
        # the reaper, the shell, its subshell, ls and wc: not the host's
        self.assertLessEqual(int(count), 5)

    def test_a_threads_launcher_ends_with_its_thread(self):
        import threading  # noqa: PLC0415 - this test's own
        from mpspec_runner.sandbox import sessions  # noqa: PLC0415
        seen = []

        def one_run():
            play(WHO_AM_I)
            seen.append(sessions.launcher().proc)

        thread = threading.Thread(target=one_run)
        thread.start()
        thread.join()
        # the thread's end closes its socket (or PR_SET_PDEATHSIG kills it): it is gone
        self.assertIn(seen[0].wait(timeout=10), (0, -9))


BOMB = f"""#!{sys.executable}
import os
ballast = bytearray(64 << 20)  # page tables to copy: each fork holds the memory map longer
for i in range(0, len(ballast), 4096):
    ballast[i] = 1
while True:
    try:
        os.fork()
    except OSError:
        pass
"""


@unittest.skipIf(cgroup_root("pids") is None, "no writable pids cgroup here")
class ForkBombTest(unittest.TestCase):
    def test_a_fork_bomb_is_stopped_and_said_so_not_a_fault_of_the_harness(self):
        # The reaper once read each command line of the bomb while it still forked: every
        # read waited behind fork after fork, and the run ended as a harness fault.
        obs = play(BOMB)
        self.assertEqual(obs.outcome, "error", obs.note)
        self.assertIn("a fork bomb", obs.note)
        described = obs.report["at_exit"]
        self.assertGreater(len(described), 100)
        self.assertTrue(any("/adapter " in p["cmd"] for p in described), described[:3])


@unittest.skipIf(cgroup_root("pids") is None, "no writable pids cgroup here")
class CgroupNameTest(unittest.TestCase):
    def test_a_cgroup_left_under_the_next_name_is_neither_used_nor_removed(self):
        # A runner whose pid an earlier one had finds that one's leftover (a bomb that
        # outlasted its removal): it must not join or empty that run's cgroup.
        seq = next(cgroups._cgroup_seq)
        taken = cgroup_root("pids") / f"mpspec-{os.getpid()}-{seq + 1}"
        taken.mkdir()
        made = None
        try:
            made = cgroups.make_cgroup("pids", ("pids.max", 16))
            self.assertIsNotNone(made)
            self.assertNotEqual(made, taken)
            self.assertTrue(taken.is_dir())
        finally:
            for path in (made, taken):
                if path is not None:
                    cgroups.remove_cgroup(path)


BINDER = f"""#!{sys.executable}
import socket
s = socket.socket(socket.AF_UNIX)
s.bind("\\0NAME")  # an abstract socket: it lives in the network namespace, not on disk
print("bound")
"""


@unittest.skipUnless(isolation() == "namespace", "no network namespace here")
class NetworkNamespaceTest(unittest.TestCase):
    def test_a_run_binds_an_abstract_socket_name_the_host_holds(self):
        name = f"mpspec-net-test-{os.getpid()}"
        held = socket.socket(socket.AF_UNIX)
        held.bind("\0" + name)
        try:
            obs = play(BINDER.replace("NAME", name))
        finally:
            held.close()
        self.assertEqual(obs.stdout, ["bound"], obs.stderr)


# Shell builtins only: the witness stops a run that executes another program.
WHO = """#!/bin/sh
for f in status limits cgroup; do
  while IFS= read -r line; do echo "$line"; done < /proc/$$/$f
done
read -r pid comm state ppid group session rest < /proc/$$/stat
echo "session $session pid $$"
"""
# Untraced: a redirection saves the shell's stdout with fcntl, which the witness forbids.
FDS = """#!/bin/sh
for n in 0 1 2 3 4 5 6 7 8 9; do  # (dash names no higher one; it reads its script on 10)
  if { true >&$n; } 2>/dev/null; then echo "fd $n"; fi
done
"""
RUN_USER = 61_234  # an id no account has, as a grading's are (users.py)


@unittest.skipUnless(os.geteuid() == 0, "only root can run a driver as another user")
class DriverProcessTest(unittest.TestCase):
    """What the driver's process is when it starts, through the compiled helper
    (exec_driver.c) and through the reaper's own Python (MPSPEC_EXEC_HELPER=off) alike."""

    def started(self, helper, script=WHO, witness=True):
        old = os.environ.get("MPSPEC_EXEC_HELPER")
        os.environ["MPSPEC_EXEC_HELPER"] = helper
        try:
            obs = play(script, execute.Sandbox(user=RUN_USER, witness=witness))
        finally:
            if old is None:
                del os.environ["MPSPEC_EXEC_HELPER"]
            else:
                os.environ["MPSPEC_EXEC_HELPER"] = old
        return {line.split(":")[0]: line for line in obs.stdout}, obs

    def test_the_driver_is_the_runs_user_traced_filtered_capped_and_alone(self):
        for helper in ("on", "off"):
            with self.subTest(helper=helper):
                seen, obs = self.started(helper)
                ids = f"{RUN_USER}\t{RUN_USER}\t{RUN_USER}\t{RUN_USER}"
                self.assertEqual(seen["Uid"], f"Uid:\t{ids}", obs.stdout)
                self.assertEqual(seen["Gid"], f"Gid:\t{ids}")
                self.assertEqual(seen["Groups"].split(), ["Groups:"])  # none kept from root
                self.assertNotEqual(seen["TracerPid"].split()[1], "0")  # the witness
                self.assertEqual(seen["Seccomp"].split()[1], "2")  # its filter
                self.assertEqual(seen["NoNewPrivs"].split()[1], "1")
                ignored = int(seen["SigIgn"].split()[1], 16)  # Python ignores both
                self.assertFalse(ignored & (1 << 12 | 1 << 24), seen["SigIgn"])  # SIGPIPE, SIGXFSZ
                self.assertIn("67108864", next(l for l in obs.stdout if l.startswith("Max file size")))
                session = next(l for l in obs.stdout if l.startswith("session")).split()
                self.assertEqual(session[1], session[3])  # a session of its own
                if cgroup_root("memory") is not None:
                    memory = [l for l in obs.stdout if ":memory:" in l]
                    self.assertTrue(memory and "/mpspec-" in memory[0], obs.stdout)
                _, obs = self.started(helper, FDS, witness=False)
                self.assertEqual(obs.stdout, ["fd 0", "fd 1", "fd 2", "fd 3"], obs.note)


if __name__ == "__main__":
    unittest.main()
