"""Each grading's own user (sandbox/users.py): distinct while held, and nothing of it survives."""
import os
import subprocess
import time
import unittest

from mpspec_runner.sandbox import users


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
