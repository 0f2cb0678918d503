"""A seccomp filter for witnessed runs: the system calls no implementation of API.md needs,
and that would blind or bypass the reaper's tracer (witness.py), are handed to the tracer,
which stops the run and names the call; and the writes to the output are handed to it too,
so that it can say which process wrote each byte.

- a system call of another ABI (i386 through int 0x80, x32): it has other numbers, which the
  checks below would not recognize;
- clone() with CLONE_UNTRACED (the child would escape the tracer, and could exec unseen) or a
  namespace flag (CLONE_NEWUSER, NEWPID, NEWNS, NEWNET, NEWIPC, NEWUTS, NEWCGROUP);
- ptrace, process_vm_readv, process_vm_writev (reaching into another process), unshare and
  setns (leaving the run's namespaces);
- write() and writev() on descriptor 1 or 2: traced, not refused (WRITE, WRITEV): the tracer
  reads what is written and lets the call run;
- every other way of writing to descriptor 1 or 2 (pwrite, pwritev, pwritev2, sendfile,
  splice, tee, vmsplice, copy_file_range, sendto, sendmsg, sendmmsg) and a duplicate of it
  (dup, dup2, dup3, fcntl F_DUPFD): output whose writer the tracer could not name. No
  implementation of API.md needs them: print goes through write or writev. One duplicate
  is let run: CPython before 3.11 tests that descriptors 0 to 2 are open, as it starts, by
  duplicating each and closing the duplicate at once; the tracer lets a duplicate run only
  where nothing can write through it before it is closed (witness.py, `_probe`).

clone3() and io_uring_setup() fail with ENOSYS instead, silently: clone3's flags lie behind a
pointer, which a filter cannot read, and glibc then falls back to clone(), whose flags it can;
io_uring would write without a system call the tracer sees, and every caller of it falls back
to plain calls. Everything else is allowed. The filter is installed in the driver's child
after PTRACE_TRACEME, before exec; it is inherited by every process and thread of the run.
SECCOMP_RET_TRACE without a tracer makes the call fail with ENOSYS, so only traced runs get
it. (A descriptor that reaches the output another way, such as open("/proc/self/fd/1"),
writes bytes no traced call wrote: the judge's accounting of the output finds them.)

Written by hand with ctypes, deliberately, rather than with libseccomp or its Python
binding: the harness is standard-library Python only, and the filter is a hundred
classic-BPF instructions.

This module runs inside the reaper, which imports it as a top-level module (no package)."""
import ctypes
import errno
import os

# struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]
NR, ARCH, ARGS = 0, 4, 16  # args[i]'s low half at ARGS + 8 * i (both machines: little-endian)
LD_W_ABS, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06  # BPF_LD|W|ABS, BPF_JMP|.., BPF_RET|K
RET_ALLOW, RET_TRACE, RET_ERRNO = 0x7fff0000, 0x7ff00000, 0x00050000
PR_SET_SECCOMP, SECCOMP_MODE_FILTER, PR_SET_NO_NEW_PRIVS = 22, 2, 38
X32_SYSCALL_BIT = 0x40000000
F_DUPFD, F_DUPFD_CLOEXEC = 0, 1030
OUTPUT = (1, 2)  # the descriptors the reaper reads: stdout and stderr
# platform.machine() is this, but importing platform costs every run 1.5 ms.
MACHINE = os.uname().machine

CLONE_NEWNS, CLONE_UNTRACED, CLONE_NEWCGROUP = 0x00020000, 0x00800000, 0x02000000
CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER = 0x04000000, 0x08000000, 0x10000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
CLONE_FORBIDDEN = (CLONE_UNTRACED | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET
                   | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP)

# SECCOMP_RET_DATA of each RET_TRACE: what witness.py reads with PTRACE_GETEVENTMSG.
OTHER_ABI, CLONE, WRITE, WRITEV = 1, 2, 8, 9
FORBIDDEN = ("ptrace", "process_vm_readv", "process_vm_writev", "unshare", "setns")
# Calls refused when their `arg`-th argument is descriptor 1 or 2 (and, for fcntl, when it
# duplicates it): (name, arg, {other arg: values it must also have}).
OUTPUT_CALLS = (("pwrite64", 0, {}), ("pwritev", 0, {}), ("pwritev2", 0, {}),
                ("sendfile", 0, {}), ("splice", 2, {}), ("tee", 1, {}), ("vmsplice", 0, {}),
                ("copy_file_range", 2, {}), ("sendto", 0, {}), ("sendmsg", 0, {}),
                ("sendmmsg", 0, {}), ("dup", 0, {}), ("dup2", 0, {}), ("dup3", 0, {}),
                ("fcntl", 0, {1: (F_DUPFD, F_DUPFD_CLOEXEC)}))
CALLS = {OTHER_ABI: "a system call of another ABI (32-bit or x32)",
         CLONE: "clone(CLONE_UNTRACED or a namespace flag)",
         3: "ptrace", 4: "process_vm_readv", 5: "process_vm_writev", 6: "unshare", 7: "setns",
         WRITE: "write", WRITEV: "writev"}
for _code, (_name, _, _) in enumerate(OUTPUT_CALLS, 10):
    CALLS[_code] = (f"{_name} on the output (stdout or stderr): only write() and writev() "
                    "there, whose writer the tracer can name")
CODE = {words.split(" ")[0]: code for code, words in CALLS.items()}  # "ptrace" -> 3, ...
ATTRIBUTED = (WRITE, WRITEV)  # traced and let run; every other code stops the run
# A duplicate of the output: stopped, unless the duplicate is closed by the very next call of
# a process that is alone with its descriptors (witness.py, Children._may_probe and _probe).
DUPLICATES = tuple(code for code, (name, _, _) in enumerate(OUTPUT_CALLS, 10)
                   if name in ("dup", "dup2", "dup3", "fcntl"))

# machine -> (AUDIT_ARCH, whether x32 numbers exist, {name: number})
MACHINES = {
    "x86_64": (0xc000003e, True, {
        "clone": 56, "clone3": 435, "ptrace": 101, "process_vm_readv": 310,
        "process_vm_writev": 311, "unshare": 272, "setns": 308, "io_uring_setup": 425,
        "write": 1, "writev": 20, "pwrite64": 18, "pwritev": 296, "pwritev2": 328,
        "sendfile": 40, "splice": 275, "tee": 276, "vmsplice": 278, "copy_file_range": 326,
        "sendto": 44, "sendmsg": 46, "sendmmsg": 307, "dup": 32, "dup2": 33, "dup3": 292,
        "fcntl": 72}),
    "aarch64": (0xc00000b7, False, {
        "clone": 220, "clone3": 435, "ptrace": 117, "process_vm_readv": 270,
        "process_vm_writev": 271, "unshare": 97, "setns": 268, "io_uring_setup": 425,
        "write": 64, "writev": 66, "pwrite64": 68, "pwritev": 70, "pwritev2": 287,
        "sendfile": 71, "splice": 76, "tee": 77, "vmsplice": 75, "copy_file_range": 285,
        "sendto": 206, "sendmsg": 211, "sendmmsg": 269, "dup": 23, "dup3": 24,
        "fcntl": 25}),  # (aarch64 has no dup2)
}


class SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32)]


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]


def program(machine):
    """The filter for `machine` as (code, jt, jf, k) tuples, or None for another machine.
    While it is written, a jump's target is None (the next instruction), a label (a block
    that checks a call's arguments) or a return value; each return value then gets one RET
    at the end."""
    if machine not in MACHINES:
        return None
    audit_arch, x32, nrs = MACHINES[machine]
    other_abi = RET_TRACE | OTHER_ABI
    body = [(LD_W_ABS, None, None, ARCH), (JEQ, None, other_abi, audit_arch),
            (LD_W_ABS, None, None, NR)]
    if x32:
        body.append((JGE, other_abi, None, X32_SYSCALL_BIT))
    blocks = argument_blocks(nrs)
    body += [(JEQ, "clone", None, nrs["clone"]),
             (JEQ, RET_ERRNO | errno.ENOSYS, None, nrs["clone3"]),
             (JEQ, RET_ERRNO | errno.ENOSYS, None, nrs["io_uring_setup"])]
    body += [(JEQ, RET_TRACE | CODE[name], None, nrs[name]) for name in FORBIDDEN]
    body += [(JEQ, label, None, nrs[label]) for label in blocks if "/" not in label]
    body.append((RET, None, None, RET_ALLOW))
    labels = {}
    for label, block in blocks.items():
        labels[label] = len(body)
        body += block
    for value in dict.fromkeys(j for ins in body for j in ins[1:3] if isinstance(j, int)):
        labels[value] = len(body)
        body.append((RET, None, None, value))
    return [(code, 0 if jt is None else labels[jt] - at - 1,
             0 if jf is None else labels[jf] - at - 1, k)
            for at, (code, jt, jf, k) in enumerate(body)]


def argument_blocks(nrs):
    """{label: the instructions that return a call's code when its arguments say so, else
    RET_ALLOW}: clone's flags, and the calls that write to or duplicate descriptor 1 or 2. A
    call's first check is labelled with its name, a further one `NAME/N`."""
    blocks = {"clone": [(LD_W_ABS, None, None, ARGS),
                        (JSET, RET_TRACE | CLONE, None, CLONE_FORBIDDEN),
                        (RET, None, None, RET_ALLOW)]}
    calls = [("write", 0, {}), ("writev", 0, {}), *OUTPUT_CALLS]
    for name, arg, also in (call for call in calls if call[0] in nrs):
        conditions = [(arg, OUTPUT), *also.items()]
        for n, (index, values) in enumerate(conditions):
            met = (RET_TRACE | CODE[name] if n == len(conditions) - 1 else f"{name}/{n + 1}")
            blocks[name if n == 0 else f"{name}/{n}"] = [
                (LD_W_ABS, None, None, ARGS + 8 * index),
                *[(JEQ, met, None, value) for value in values],
                (RET, None, None, RET_ALLOW)]
    return blocks


def _compile(machine):
    ins = program(machine)
    if ins is None:
        return None
    array = (SockFilter * len(ins))(*[SockFilter(*i) for i in ins])
    return array, SockFprog(len(ins), ctypes.cast(array, ctypes.POINTER(SockFilter)))


# Built when the reaper imports this, so that the driver's child only makes two prctl calls.
_FILTER = _compile(MACHINE)
_PROGRAM = None if _FILTER is None else bytes(_FILTER[0])  # once, in the launcher
_libc = ctypes.CDLL(None, use_errno=True)
_libc.prctl.restype = ctypes.c_int
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                        ctypes.c_ulong]


def _prctl(option, arg2, arg3=0):
    if _libc.prctl(option, arg2, arg3, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl({option}): {os.strerror(err)}")


def program_bytes():
    """The filter's instructions as the kernel reads them (for exec_driver.c), or None."""
    return _PROGRAM


def install():
    """Installs the filter on the calling thread, for it and all it starts (the driver's child,
    before exec). Returns False on a machine it has no numbers for (nothing is installed);
    raises OSError if the kernel refuses it."""
    if _FILTER is None:
        return False
    _prctl(PR_SET_NO_NEW_PRIVS, 1)  # what lets an unprivileged process install a filter
    _prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(_FILTER[1]))
    return True


def describe(code):
    """The words for a RET_TRACE's code (from PTRACE_GETEVENTMSG; None: it could not be read)."""
    return CALLS.get(code, "a forbidden system call" if code is None else
                     f"a forbidden system call (filter code {code})")
