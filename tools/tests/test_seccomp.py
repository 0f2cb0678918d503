"""The seccomp filter of witnessed runs (sandbox/seccomp.py), run on a small classic-BPF
interpreter: what each system call, with which arguments, is answered."""
import errno
import struct
import unittest

from mpspec_runner.sandbox import seccomp as f

LOAD, JEQ, JGE, JSET, RET = f.LD_W_ABS, f.JEQ, f.JGE, f.JSET, f.RET


def run(program, nr, args=(), arch=None, machine="x86_64"):
    """What the filter returns for a call: the return value of its RET."""
    arch = f.MACHINES[machine][0] if arch is None else arch
    words = [*args, *[0] * (6 - len(args))]
    data = struct.pack("<iIQ6Q", nr, arch, 0, *[w & (1 << 64) - 1 for w in words])
    acc, pc = 0, 0
    while True:
        code, jt, jf, k = program[pc]
        if code == RET:
            return k
        if code == LOAD:
            acc = struct.unpack_from("<I", data, k)[0]
            pc += 1
            continue
        taken = {JEQ: acc == k, JGE: acc >= k, JSET: acc & k != 0}[code]
        pc += 1 + (jt if taken else jf)


class FilterTest(unittest.TestCase):
    def setUp(self):
        self.machine = "x86_64"
        self.nrs = f.MACHINES[self.machine][2]
        self.program = f.program(self.machine)

    def call(self, name, *args, **kw):
        return run(self.program, self.nrs[name], args, machine=self.machine, **kw)

    def traced(self, code):
        return f.RET_TRACE | code

    def test_writes_to_the_output_go_to_the_tracer_and_others_run(self):
        for fd in (1, 2):
            self.assertEqual(self.call("write", fd, 0, 5), self.traced(f.WRITE))
            self.assertEqual(self.call("writev", fd, 0, 1), self.traced(f.WRITEV))
        for fd in (0, 3, 7, 1 << 32 | 9):
            self.assertEqual(self.call("write", fd, 0, 5), f.RET_ALLOW)
        # the kernel reads a descriptor as 32 bits: 1 | 1 << 32 is descriptor 1
        self.assertEqual(self.call("write", 1 << 32 | 1, 0, 5), self.traced(f.WRITE))

    def test_every_other_way_to_the_output_is_refused(self):
        for name, arg, also in f.OUTPUT_CALLS:
            if name not in self.nrs:
                continue
            args = [0] * 6
            args[arg] = 1
            for index, values in also.items():
                args[index] = values[0]
            with self.subTest(name):
                code = self.call(name, *args)
                self.assertEqual(code & 0xffff0000, f.RET_TRACE)
                self.assertNotIn(code & 0xffff, f.ATTRIBUTED)
                self.assertTrue(f.describe(code & 0xffff).startswith(name))
                args[arg] = 5
                self.assertEqual(self.call(name, *args), f.RET_ALLOW)

    def test_fcntl_is_refused_only_when_it_duplicates_the_output(self):
        self.assertNotEqual(self.call("fcntl", 1, f.F_DUPFD_CLOEXEC, 10), f.RET_ALLOW)
        self.assertEqual(self.call("fcntl", 1, 3), f.RET_ALLOW)  # F_GETFL
        self.assertEqual(self.call("fcntl", 4, f.F_DUPFD), f.RET_ALLOW)

    def test_a_descriptor_put_onto_the_output_is_allowed(self):
        self.assertEqual(self.call("dup2", 5, 1), f.RET_ALLOW)
        self.assertEqual(self.call("dup3", 5, 2, 0), f.RET_ALLOW)

    def test_the_calls_that_reach_past_the_tracer(self):
        self.assertEqual(self.call("clone", f.CLONE_UNTRACED), self.traced(f.CLONE))
        self.assertEqual(self.call("clone", 0x11), f.RET_ALLOW)  # SIGCHLD: a fork
        for name in f.FORBIDDEN:
            self.assertEqual(self.call(name), self.traced(f.CODE[name]))
        for name in ("clone3", "io_uring_setup"):
            self.assertEqual(self.call(name), f.RET_ERRNO | errno.ENOSYS)

    def test_another_abi_goes_to_the_tracer(self):
        self.assertEqual(self.call("write", 3, arch=0x40000003), self.traced(f.OTHER_ABI))
        x32 = run(self.program, f.X32_SYSCALL_BIT | 1, (1,), machine=self.machine)
        self.assertEqual(x32, self.traced(f.OTHER_ABI))

    def test_both_machines_have_a_filter_whose_jumps_fit(self):
        for machine in f.MACHINES:
            program = f.program(machine)
            self.assertTrue(all(0 <= jt < 256 and 0 <= jf < 256 for _, jt, jf, _ in program))
            self.assertLess(len(program), 4096)


class AArch64Test(FilterTest):
    def setUp(self):
        self.machine = "aarch64"
        self.nrs = f.MACHINES[self.machine][2]
        self.program = f.program(self.machine)

    def test_another_abi_goes_to_the_tracer(self):
        self.assertEqual(self.call("write", 3, arch=0x40000028), self.traced(f.OTHER_ABI))

    def test_a_descriptor_put_onto_the_output_is_allowed(self):
        self.assertEqual(self.call("dup3", 5, 2, 0), f.RET_ALLOW)


if __name__ == "__main__":
    unittest.main()
