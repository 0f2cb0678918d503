"""The reaper: the first process of a case's run (PID 1 of its namespace, or a subreaper).

    python3 reaper.py REPORT.json TRACE_FILE TIMEOUT_S GRACE_S [--output-cap BYTES]
                    [--cgroup DIR] [--join-cgroup DIR]... [--user UID] [--private-tmp KEEP]...
                    [--witness [--program PATH]] [--exec-helper PATH] -- DRIVER ARGS...

Starts the driver in its own session, waits for it (at most TIMEOUT_S), notes when the
main program exited and which processes of the run still existed at that moment, gives
the rest GRACE_S to go away (reaping orphans as init does), kills whatever is left and
writes REPORT.json. TRACE_FILE is opened for appending as the driver's fd 3.

The driver's stdout and stderr come through this process, which passes on at most
BYTES of them: a run that prints more is stopped as a flood, so a program that prints
forever cannot fill the runner's memory. `--cgroup` puts the run into a pids cgroup (a
fork bomb meets its pids.max); `--user` runs the driver as that unprivileged user, so it can
neither write the instructor's files nor signal the runner; `--witness` traces the run and
writes what the kernel saw of it into the report (witness.py). `--exec-helper` names the
compiled program that takes the driver's process from the reaper's hands to the driver
(exec_driver.c); without it the reaper's own Python does those steps in a forked child.
"""
import argparse
import ctypes
import json
import resource
import os
import select
import signal
import sys
import time

import procs  # this script's own folder is on sys.path: no package, no relative import
import seccomp
import stall
import witness


def processes():
    """Every process of the run but this one: {pid: (ppid, state, comm)}. (Descendants of
    this process only: the fallback without a namespace shares /proc with the host.)"""
    return procs.descendants()


def describe(table, cmds):
    """The processes of `table` for the report, with the command lines of `cmds` (those of
    `command_lines`; "" for a process that went away before they were read)."""
    return [{"pid": pid, "ppid": info[0], "state": info[1], "comm": info[2],
             "cmd": cmds.get(pid, "")}
            for pid, info in sorted(table.items())]


def command_lines(namespace, table):
    """{pid: command line} of the processes of `table`, read once the run is stopped. A
    read of /proc/PID/cmdline waits for the process's memory map, which each of its forks
    holds for the whole copy: from a fork loop, every read waits behind fork after fork,
    and a bomb of 512 once held the reaper past the runner's deadline. A stopped process
    forks no more (one under way finishes first); the caller kills the run next."""
    signal_all(namespace, signal.SIGSTOP)
    return {pid: procs.cmdline(pid) for pid in table}


class Relay:
    """Passes the driver's stdout/stderr on, up to a cap shared by both."""

    def __init__(self, proc, cap):
        self.dest = {proc.stdout: 1, proc.stderr: 2}
        self.left, self.flooded = cap, False
        for fd in self.dest:
            os.set_blocking(fd, False)

    def pump(self, timeout, extra=()):
        """Moves what is ready within `timeout` s; returns the ready fds of `extra`."""
        try:
            ready, _, _ = select.select([*self.dest, *extra], [], [], max(0.0, timeout))
        except InterruptedError:
            return []
        for fd in [r for r in ready if r in self.dest]:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                del self.dest[fd]
                os.close(fd)
                continue
            if len(chunk) > self.left:
                chunk, self.flooded = chunk[:self.left], True
            self.left -= len(chunk)
            view = memoryview(chunk)
            while view:
                view = view[os.write(self.dest[fd], view):]
        return [r for r in ready if r in extra]

    def drain(self, deadline):
        while self.dest and time.monotonic() < deadline:
            self.pump(0.05)


_events = {}  # cgroup -> its open pids.events: read every 10 ms, opened once


def pids_limit_met(cgroup):
    """True once fork() has failed on the cgroup's pids.max: no case needs that many
    processes, so the run is a fork bomb and is stopped at once."""
    if not cgroup:
        return False
    try:
        if cgroup not in _events:
            _events[cgroup] = os.open(os.path.join(cgroup, "pids.events"), os.O_RDONLY)
        text = os.pread(_events[cgroup], 4096, 0).decode("ascii", "replace")
    except OSError:
        return False
    return any(line.split() != ["max", "0"] for line in text.splitlines()
               if line.startswith("max "))


def wakeups():
    """A pipe that becomes readable on every SIGCHLD (a child ended, a tracee stopped)."""
    r, w = os.pipe()
    for fd in (r, w):
        os.set_blocking(fd, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(w, warn_on_full_buffer=False)
    return r


def drain(fd):
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass


def wait_exit(proc, deadline, relay, cgroup, children, wake, stalled, report, stall_file):
    """Wait for the driver to exit; returns its wait status, or None on timeout, flood,
    fork bomb or deadlock (`stalled`, a stall.Stall). A stall among the driver's own waits
    ends those waits instead (`end_waits`) and the run goes on."""
    while True:
        children.collect()
        if proc.pid in children.exits:
            return children.exits[proc.pid]
        left = deadline - time.monotonic()
        if left <= 0 or relay.flooded or pids_limit_met(cgroup):
            return None
        if stalled.seen(processes):
            if not (stall_file and stalled.driver_waits()):
                return None
            end_waits(stall_file, report)
            stalled.ended()
        # 10 ms between looks at pids.events: a bomb that met pids.max is stopped before it
        # has spun for long (every refused fork still copies the parent's page tables).
        if relay.pump(min(left, 0.01), [wake]):
            drain(wake)


def end_waits(stall_file, report):
    """Ends every wait of the driver under way: each began with the file's old content and
    gives up once it reads a new one (conformance/drivers/cpp/waiting.hpp). Replaced whole,
    so that no wait reads it half written; the run may read it but not write its folder."""
    report["waits_ended"] = report.get("waits_ended", 0) + 1
    report.setdefault("waits_ended_at", []).append(time.monotonic())
    partial = stall_file + ".new"
    with open(partial, "w", encoding="ascii") as f:
        f.write(str(report["waits_ended"]))
    os.chmod(partial, 0o644)
    os.replace(partial, stall_file)


def signal_all(namespace, sig):
    """Sends `sig` to every process of the run. PID 1 of a namespace reaches them all at once
    (a fork bomb cannot outrun it); a subreaper can only go pid by pid."""
    for pid in [-1] if namespace else processes():
        try:
            os.kill(pid, sig)
        except OSError:
            pass


def kill_all(namespace):
    signal_all(namespace, signal.SIGKILL)


def join_cgroup(path):
    # os.open, not open(): the io layers' code and objects cost a forked reaper page faults
    fd = os.open(os.path.join(path, "cgroup.procs"), os.O_WRONLY)
    try:
        os.write(fd, b"0")  # "the writing process": the driver and everything it starts follow
    finally:
        os.close(fd)


FILE_CAP, PROCESS_CAP = 64 << 20, 512


def process_cap(args):
    """RLIMIT_NPROC for the driver, or None: it stands in for the pids cgroup only for an
    unprivileged user without one. (Only then: RLIMIT_NPROC counts every process of the user,
    so one run's fork bomb would make the forks of runs beside it fail.)"""
    return PROCESS_CAP if args.user is not None and not args.cgroup else None


def limits(args):
    """Runs in the child before exec: it joins the cpu and memory cgroups, output files are
    capped at FILE_CAP (SIGXFSZ past it), and processes at `process_cap`. (`resource` is
    imported up front: after the switch of user, the interpreter's own files may be
    unreadable.)"""
    for path in args.join_cgroup:
        join_cgroup(path)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_CAP, FILE_CAP))
    if (cap := process_cap(args)) is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (cap, cap))


MS_NOSUID, MS_NODEV, MS_BIND = 0x2, 0x4, 0x1000
PRIVATE_SIZE = "64m"  # each of the run's own /tmp and /dev/shm


_libc = ctypes.CDLL(None, use_errno=True)  # loaded once, in the launcher, for every run


def mount(source, target, fstype, flags, data):
    if _libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None,
                  flags, data.encode() if data else None) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), target)


# The places every user may write: each run gets empty ones of its own.
SHARED_PLACES = ("/tmp", "/var/tmp", "/run/lock", "/dev/shm")


def private_tmp(keep):
    """In the run's own mount namespace: an empty, size-limited /tmp, /var/tmp, /run/lock and
    /dev/shm that go with the run, so nothing a run leaves there outlives it and no run sees
    another's. The folders in `keep` that lie under them (the run's folder, the adapter's,
    the checkout's) are bound back at their own paths."""
    tmpfs = f"size={PRIVATE_SIZE},mode=1777"
    places = dict.fromkeys(os.path.realpath(p) for p in SHARED_PLACES if os.path.isdir(p))
    for place in places:  # (a /var/tmp that links to /tmp is /tmp, mounted once)
        held = [(path, os.open(path, os.O_PATH | os.O_DIRECTORY)) for path in keep
                if os.path.realpath(path).startswith(os.path.realpath(place) + "/")]
        mount("tmpfs", place, "tmpfs", MS_NOSUID | MS_NODEV, tmpfs)
        for path, fd in sorted(held, key=lambda kept: len(os.path.realpath(kept[0]))):
            target = os.path.realpath(path)
            os.makedirs(target, exist_ok=True)
            mount(f"/proc/self/fd/{fd}", target, None, MS_BIND, None)
            os.close(fd)


def make_parser():
    ap = argparse.ArgumentParser(prog="reaper.py")
    ap.add_argument("report")
    ap.add_argument("trace")
    ap.add_argument("timeout", type=float)
    ap.add_argument("grace", type=float)
    ap.add_argument("--output-cap", type=int, default=1 << 20)
    ap.add_argument("--stall", type=float, default=0.0, metavar="S",
                    help="stop the run once every process of it has waited S s, with no time "
                         "limit, for another (a deadlock: stall.py); 0: never")
    ap.add_argument("--stall-file", metavar="PATH",
                    help="where to say that the driver's waits are ended, when they are all "
                         "that is left of a stuck run (waiting.hpp); without it the run stops")
    ap.add_argument("--cgroup")
    ap.add_argument("--join-cgroup", action="append", default=[])
    ap.add_argument("--user", type=int)
    ap.add_argument("--witness", action="store_true",
                    help="trace the run: the process tree, exit statuses and output writes "
                         "the kernel saw go into the report, and an exec of another program "
                         "stops the run")
    ap.add_argument("--program", help="with --witness: the one program a process of the run "
                                      "may execute (default: the one the driver runs when it "
                                      "first creates a process)")
    ap.add_argument("--exec-helper", help="the compiled program that sets up the driver's "
                                          "process and execs it (exec_driver.c)")
    ap.add_argument("--private-tmp", action="append", default=[], metavar="KEEP",
                    help="mount an empty /tmp and /dev/shm (in a mount namespace of the "
                         "run), with the folder KEEP bound back; repeatable")
    return ap


# Made once, when the launcher imports this script: building it (and the imports argparse
# makes on first use, shutil's among them) was a third of a forked reaper's own CPU time.
PARSER = make_parser()


def parse_args(argv):
    """The options before `--`, and the driver's command line after it."""
    split = argv.index("--")
    return PARSER.parse_args(argv[:split]), argv[split + 1:]


def set_up(args):
    """The trace on fd 3, orphans coming to us, the pids cgroup joined. Returns whether this
    process is PID 1 of a namespace."""
    fd = os.open(args.trace, os.O_WRONLY | os.O_APPEND)
    if fd != 3:
        os.dup2(fd, 3)
        os.close(fd)
    os.set_inheritable(3, True)  # the driver's fd 3 (opened as 3, it was close-on-exec)
    namespace = os.getpid() == 1
    if not namespace:  # no PID namespace: become a subreaper so orphans still come to us
        procs.become_subreaper()
    signal.signal(signal.SIGTERM, lambda *_: None)  # the runner stops us with SIGKILL only
    if args.cgroup:
        join_cgroup(args.cgroup)
    # Only in the run's own namespaces (--mount-proc brings a mount namespace): anywhere
    # else the mounts would hide the machine's /tmp from everyone (run by hand, they did).
    if args.private_tmp and namespace:
        private_tmp(args.private_tmp)
    return namespace


class Started:
    """The driver's process: its pid and the read ends of its stdout and stderr. (A plain
    class: dataclasses would import inspect into every launcher, a third more modules.)"""

    def __init__(self, pid, stdout, stderr, handle=None):
        self.pid, self.stdout, self.stderr = pid, stdout, stderr
        self.handle = handle  # subprocess's Popen, kept alive with its pipes


def spawn(args, driver):
    """Starts the driver in its own session, as args.user if given, its output piped to us.
    Raises OSError if it could not be started."""
    if args.exec_helper:
        return spawn_through_helper(args, driver)
    return spawn_with_python(args, driver)


def helper_argv(args, driver, error_fd, filter_fd):
    """exec_driver's command line: the steps `limits` and the witness take in Python."""
    argv = [args.exec_helper, "--error-fd", str(error_fd), "--fsize", str(FILE_CAP)]
    for path in args.join_cgroup:
        argv += ["--join-cgroup", path]
    if args.user is not None:
        argv += ["--user", str(args.user)]
    if (cap := process_cap(args)) is not None:
        argv += ["--nproc", str(cap)]
    if args.witness:
        argv.append("--trace")
        if filter_fd is not None:
            argv += ["--seccomp-fd", str(filter_fd)]
    return [*argv, "--", *driver]


def spawn_through_helper(args, driver):
    """posix_spawn (a vfork: nothing of this interpreter is copied) of the helper, which
    reports a failed step or exec on a close-on-exec pipe, as subprocess's child does."""
    opened = []

    def pipe():
        ends = os.pipe()
        opened.extend(ends)
        return ends

    def close(*fds):
        for fd in fds:
            if fd is not None:
                os.close(fd)
                opened.remove(fd)

    try:
        out_r, out_w = pipe()
        err_r, err_w = pipe()
        fail_r, fail_w = pipe()
        filter_r, program = None, seccomp.program_bytes() if args.witness else None
        if program:
            filter_r, filter_w = pipe()
            os.write(filter_w, program)  # (a few hundred bytes: the pipe holds them all)
            close(filter_w)
        devnull = os.open(os.devnull, os.O_RDONLY)
        opened.append(devnull)
        for fd in (fail_w, filter_r):
            if fd is not None:
                os.set_inheritable(fd, True)
        pid = os.posix_spawn(
            args.exec_helper, helper_argv(args, driver, fail_w, filter_r), os.environ,
            file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, out_w, 1),
                          (os.POSIX_SPAWN_DUP2, err_w, 2)],
            setsid=True, setsigdef=(signal.SIGPIPE, signal.SIGXFSZ))
        close(out_w, err_w, fail_w, filter_r, devnull)
        why = b""
        while chunk := os.read(fail_r, 4096):
            why += chunk
        close(fail_r)
        if why:
            os.waitpid(pid, 0)
            raise OSError(why.decode("utf-8", "replace"))
        opened.clear()
        return Started(pid, out_r, err_r)
    finally:
        for fd in opened:
            os.close(fd)


def spawn_with_python(args, driver):
    """subprocess with a preexec_fn: the fallback where no helper could be built. (subprocess
    is imported only here: it brings threading, whose at-fork handler cost every forked
    reaper about 3 ms.)"""
    import subprocess  # pylint: disable=import-outside-toplevel
    user = {} if args.user is None else {"user": args.user, "group": args.user,
                                         "extra_groups": []}

    def before_exec():
        limits(args)
        if args.witness:
            witness.trace_me()
            seccomp.install()  # the calls that would escape the tracer go to it (seccomp.py)

    try:
        proc = subprocess.Popen(driver, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, pass_fds=(3,), start_new_session=True,
                                preexec_fn=before_exec, **user)
    except subprocess.SubprocessError as e:
        raise OSError(str(e)) from e
    return Started(proc.pid, proc.stdout.fileno(), proc.stderr.fileno(), proc)


def stop(proc, relay, args, namespace, report, children):
    """The driver did not exit in time (or flooded, or fork-bombed): notes why and what
    existed, kills the run, and returns the driver's wait status."""
    stop_reason = ("flood" if relay.flooded else "pids_limit" if pids_limit_met(args.cgroup)
                   else "timed_out")
    report[stop_reason] = True
    if stop_reason == "timed_out" and time.monotonic() < report["launch"] + args.timeout:
        report["deadlock"] = args.stall
    table = processes()
    report["at_exit"] = describe(table, command_lines(namespace, table))
    kill_all(namespace)
    try:
        os.kill(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    end = time.monotonic() + 5
    while proc.pid not in children.exits and time.monotonic() < end:
        children.collect()
        time.sleep(0.005)
    return children.exits.get(proc.pid, signal.SIGKILL)


def await_leftovers(relay, grace, children):
    """Gives the rest of the run `grace` s to go away, reaping orphans and passing output
    on; returns what is still there."""
    end = time.monotonic() + grace
    while True:
        children.collect()
        left = processes()
        if not left or time.monotonic() >= end or relay.flooded:
            return left
        relay.pump(0.01)


def kill_rest(namespace, children):
    """Kills and reaps whatever of the run is left (giving up after 5 s)."""
    kill_all(namespace)
    kill_end = time.monotonic() + 5
    while processes() and time.monotonic() < kill_end:
        kill_all(namespace)
        children.collect()
        time.sleep(0.01)


def write_report(path, report):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(report, f)


def main(argv):
    args, driver = parse_args(argv)
    namespace = set_up(args)
    report = {"launch": time.monotonic()}
    wake = wakeups()
    children = witness.Children(args.program, most=2 * args.output_cap)
    try:
        proc = spawn(args, driver)
    except OSError as e:
        report["spawn_error"] = str(e)
        report["exit"] = time.monotonic()
        write_report(args.report, report)
        return 0
    children.driver = proc.pid
    relay = Relay(proc, args.output_cap)
    status = wait_exit(proc, report["launch"] + args.timeout, relay, args.cgroup, children, wake,
                       stall.Stall(args.stall), report, args.stall_file)
    report["exit"] = time.monotonic()
    if status is None:
        status = stop(proc, relay, args, namespace, report, children)
    report["status"] = witness.exit_status(status)
    at_exit = processes() if "at_exit" not in report else None  # command lines come later
    left = await_leftovers(relay, args.grace, children)
    if relay.flooded:
        report["flood"] = True
    cmds = command_lines(namespace, left) if left else {}
    report["leaked"] = describe(left, cmds)
    if at_exit is not None:
        report["at_exit"] = describe(at_exit, cmds)
    kill_rest(namespace, children)
    children.collect()
    if args.witness:
        report["witness"] = children.report()
    relay.drain(time.monotonic() + 2)
    write_report(args.report, report)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
