"""Each grading's own user (sandbox/users.py): distinct while held, and nothing of it survives."""
import os
import subprocess
import sys
import time
from pathlib import Path
import unittest

from mpspec_runner.sandbox import users

# What a grading's user may leave where every user may write, outside a namespace.
LITTER = """import ctypes, os, sys
key = int(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)
libc.shmget(key, 4096, 0o1600)
libc.msgget(key, 0o1600)
libc.semget(key, 1, 0o1600)
os.makedirs(f"/var/tmp/mpspec-lease-{key}")
open(f"/var/tmp/mpspec-lease-{key}/file", "w").write("left")
open(f"/tmp/mpspec-lease-{key}", "w").write("left")
"""


# An interpreter every user may run (this one may live in root's home).
PYTHON = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable


def owners(key):
    """(uid, kind) of every SysV IPC object of `key`."""
    found = []
    for kind, uid_col in (("shm", 7), ("msg", 7), ("sem", 4)):
        for line in Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[0]) == key:
                found.append((int(fields[uid_col]), kind))
    return found


def running_as(uid):
    out = subprocess.run(["ps", "-o", "pid=,stat=", "-u", str(uid)], capture_output=True,
                         text=True, check=False).stdout
    return [line for line in out.splitlines() if "Z" not in line.split()[1]]  # zombies are dead


@unittest.skipUnless(os.geteuid() == 0, "only root switches users")
class LeaseTest(unittest.TestCase):
    def test_two_gradings_at_once_get_two_users_neither_an_account(self):
        with users.lease() as a, users.lease() as b:
            self.assertNotEqual(a, b)
            self.assertTrue(users.unused(a) and users.unused(b))

    def test_a_user_is_given_back_and_its_processes_killed(self):
        with users.lease() as uid:
            # setsid -f: it leaves the session and the group, as a submission's orphan would
            subprocess.run(["setsid", "-f", "sleep", "300"], user=uid, group=uid,
                           extra_groups=[], check=True)
            self.assertTrue(running_as(uid))
        end = time.monotonic() + 5
        while running_as(uid) and time.monotonic() < end:
            time.sleep(0.02)
        self.assertEqual(running_as(uid), [])
        with users.lease() as again:
            self.assertEqual(again, uid)

    def test_what_a_user_left_in_the_shared_places_goes_with_its_lease(self):
        key = 0x6d720000 + os.getpid() % 0x10000
        with users.lease() as uid:
            subprocess.run([PYTHON, "-c", LITTER, str(key)], user=uid, group=uid,
                           extra_groups=[], check=True)
            self.assertIn((uid, "shm"), owners(key))
            self.assertTrue(Path(f"/var/tmp/mpspec-lease-{key}/file").exists())
        self.assertEqual(owners(key), [])
        self.assertFalse(Path(f"/var/tmp/mpspec-lease-{key}").exists())
        self.assertFalse(Path(f"/tmp/mpspec-lease-{key}").exists())

    def test_a_lock_folder_another_user_can_write_is_refused(self):
        folder = users.lock_folder()
        os.chmod(folder, 0o733)
        try:
            with self.assertRaisesRegex(RuntimeError, "only root"):
                users.lock_folder()
        finally:
            os.chmod(folder, 0o700)


if __name__ == "__main__":
    unittest.main()
