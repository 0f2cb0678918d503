"""Play one case on one adapter, isolated: its own PID namespace (or a subreaper), its own
session, a per-case timeout, a clean environment, and the whole tree killed afterwards.

Nothing of a run outlives `play`: its cgroups, its folder and its processes are released on
every path out, an exception or Ctrl-C included (`stop_all_runs` ends the runs of other
threads at once)."""
import contextlib
import json
import os
import shutil
import signal
import stat
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .cases import ROOT
from .protocol import EXIT_CASE_ERROR, EXIT_UNSUPPORTED

SHIM = Path(__file__).resolve().parent / "shim.py"
DRIVERS = ROOT / "conformance" / "drivers"
# What a driver sees of the environment: nothing that changes a program's behaviour
# (PYTHONUNBUFFERED, PYTHONWARNINGS, ...), only what is needed to find programs.
KEPT = ("PATH", "HOME", "TMPDIR", "PYENV_ROOT", "PYENV_VERSION", "MPSPEC_PYTHON")
# Bounds on what the runner reads back from a run (the run can write these files).
TRACE_LIMIT, REPORT_LIMIT = 8 << 20, 8 << 20


class Observation:
    """What a run showed: its output, the driver's trace, the reaper's report, and how it
    ended (`outcome`: ran, timeout, unsupported, error, or harness)."""

    def __init__(self):
        self.stdout, self.stderr, self.trace = [], [], []
        self.status, self.report, self.outcome, self.note = None, {}, "ran", ""
        self.seconds = 0.0


def find_adapter(name):
    if "/" in name:
        path = Path(name).resolve()
        return path if path.exists() else None
    for candidate in sorted(DRIVERS.glob(f"*/{name}")):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def clean_env(python=None):
    env = {k: os.environ[k] for k in KEPT if k in os.environ}
    env["LANG"] = env["LC_ALL"] = "C.UTF-8"
    if python:
        env["MPSPEC_PYTHON"] = python
    return env


def calibrate(python=None):
    """Seconds per time unit: MPSPEC_TIME_UNIT if set, else the unit saved in the file
    MPSPEC_TIME_UNIT_FILE names (CTest's calibration fixture: once per run, not per case),
    else measured from this machine (3x the median start of an interpreter importing
    multiprocessing, at least 0.1 s), times MPSPEC_TIME_SCALE."""
    if os.environ.get("MPSPEC_TIME_UNIT"):
        return float(os.environ["MPSPEC_TIME_UNIT"])
    saved = os.environ.get("MPSPEC_TIME_UNIT_FILE")
    if saved:
        try:
            return float(Path(saved).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass  # run alone (ctest -R without its fixture, a copied command): measure here
    exe = python or shutil.which("python3") or sys.executable
    samples = []
    for _ in range(5):
        t0 = time.monotonic()
        subprocess.run([exe, "-c", "import multiprocessing, json"], env=clean_env(),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        samples.append(time.monotonic() - t0)
    unit = max(0.1, 3 * statistics.median(samples))
    return round(unit * float(os.environ.get("MPSPEC_TIME_SCALE", "1")), 3)


_isolation = None
# A run's own PID namespace (its reaper is PID 1), mount namespace (its /tmp and /proc) and
# network namespace: two cases at once cannot meet on an abstract unix socket, which some
# libraries name by pid (and every run's driver has the same pid in its own namespace).
NAMESPACES = ["--pid", "--fork", "--kill-child", "--mount-proc", "--net"]


def isolation():
    """'namespace' (unshare: PID 1 of fresh PID, mount and network namespaces), 'namespace
    without network' where a network namespace is refused, or 'subreaper'."""
    global _isolation
    if _isolation is None:
        forced = os.environ.get("MPSPEC_ISOLATION")
        if forced:
            _isolation = forced
        elif _unshare_works(NAMESPACES):
            _isolation = "namespace"
        elif _unshare_works(NAMESPACES[:-1]):
            _isolation = "namespace without network"
        else:
            _isolation = "subreaper"
    return _isolation


def _unshare_works(flags):
    unshare = shutil.which("unshare")
    return bool(unshare) and subprocess.run(
        [unshare, *flags, "true"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        check=False).returncode == 0


@dataclass(frozen=True)
class Sandbox:
    """What contains a run beyond its namespace and timeout. Every run gets the output cap
    and, where the machine has a writable pids cgroup, a process cap; the grader also runs
    submissions as an unprivileged user (`user`, when the runner is root), and with `witness`
    the reaper traces the run: the judge then checks the trace against what the kernel saw,
    and a run that executes another program is stopped (witness.py)."""

    output_cap: int = 1 << 20
    pids_max: int = 512
    user: int | None = None
    env: dict = field(default_factory=dict)  # set for the driver after the clean environment
    memory_max: int = 2 << 30  # bytes, for the whole run (a memory cgroup)
    witness: bool = False


DEFAULT_SANDBOX = Sandbox()


# ---- cgroups ------------------------------------------------------------------------------

_cgroup_seq = iter(range(1 << 62))


def cgroup_root(controller):
    """A directory where cgroups of `controller` can be made (cgroup v1 or v2), or None."""
    for root in (Path("/sys/fs/cgroup") / controller, Path("/sys/fs/cgroup")):
        if (root / "cgroup.procs").exists() and os.access(root, os.W_OK):
            if root.name == controller or controller in _read(root / "cgroup.subtree_control").split():
                return root
    return None


def _read(path):
    try:
        return path.read_text(encoding="ascii")
    except OSError:
        return ""


def make_cgroup(controller, setting=None, user=None):
    """A fresh cgroup of `controller` with `setting` (file, value) written, or None. With
    `user`, that user may move its own processes into it."""
    root = cgroup_root(controller)
    if root is None:
        return None
    path = root / f"mpspec-{os.getpid()}-{next(_cgroup_seq)}"
    try:
        path.mkdir()
        if setting:
            (path / setting[0]).write_text(str(setting[1]), encoding="ascii")
        if user is not None:
            os.chown(path / "cgroup.procs", user, -1)
    except OSError:
        remove_cgroup(path)
        return None
    return path


def remove_cgroup(path):
    """Kills what is left in the cgroup (a run outside a namespace), then removes it. (The
    reaper itself reads pids.events to tell a fork bomb.)"""
    for _ in range(250):  # up to 5 s: a fork bomb's last processes take a while to go
        for pid in [int(p) for p in _read(path / "cgroup.procs").split()]:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        try:
            path.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)


@contextlib.contextmanager
def run_cgroups(sandbox, user):
    """The shim's cgroup options for one run; the cgroups are gone when the block ends."""
    made, options = [], []
    try:
        pids = make_cgroup("pids", ("pids.max", sandbox.pids_max))
        if pids is not None:
            made.append(pids)
            options += ["--cgroup", str(pids)]
        # A cpu cgroup of its own makes the whole run weigh as one process in the scheduler:
        # a fork bomb's hundreds of spinning processes cannot starve the reaper or the machine.
        cpu = make_cgroup("cpu", user=user)
        memory = make_cgroup("memory", (memory_limit_file("memory"), sandbox.memory_max),
                             user=user)
        for path in (p for p in (cpu, memory) if p is not None):
            made.append(path)
            options += ["--join-cgroup", str(path)]
        yield options, memory
    finally:
        for path in made:
            remove_cgroup(path)


def memory_limit_file(controller):
    """cgroup v1 and v2 name the memory limit differently."""
    root = cgroup_root(controller)
    return "memory.max" if root is not None and root.name != controller else \
        "memory.limit_in_bytes"


def oom_killed(memory):
    """True once the kernel killed a process of the memory cgroup for its limit."""
    if memory is None:
        return False
    for name in ("memory.events", "memory.oom_control"):  # v2, v1
        for line in _read(memory / name).splitlines():
            key, _, count = line.partition(" ")
            if key == "oom_kill" and count.strip() not in ("", "0"):
                return True
    return False


# ---- the run's folder ---------------------------------------------------------------------

class RunFolder:
    """A temporary folder the runner owns. The run may read the scenario and append to the
    trace (a spawned child reopens it by path) and works in `work/`, the only place it may
    create files; it cannot replace the trace or write where the report goes."""

    def __init__(self, root, case, unit, user):
        self.root = Path(root)
        os.chmod(self.root, 0o711)  # others may pass through to the files they are given
        self.scenario, self.trace = self.root / "scenario.json", self.root / "trace.jsonl"
        self.report, self.work = self.root / "report.json", self.root / "work"
        self.scenario.write_text(json.dumps(case.scenario(unit), indent=1), encoding="utf-8")
        os.chmod(self.scenario, 0o644)
        self.trace.touch(mode=0o600)
        self.work.mkdir(mode=0o700)
        if user is not None:
            os.chown(self.trace, user, user)
            os.chown(self.work, user, user)


def read_bounded(path, limit):
    """The bytes of a regular file, at most `limit` of them; b"" if it is anything else (a
    FIFO or a link the run put there must not block or redirect the runner)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return b""
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return b""
        return f.read(limit)


# ---- processes of runs under way ----------------------------------------------------------

_live, _live_lock = set(), threading.Lock()
_stopping = threading.Event()


def stop_all_runs():
    """Kills every run under way (Ctrl-C, SIGTERM): each `play` then returns at once and
    releases its cgroups and folder. Later calls of `play` do not start a run."""
    _stopping.set()
    with _live_lock:
        for proc in list(_live):
            _kill_group(proc)


def _kill_group(proc):
    # The run is a session of its own: the reaper (and, in a namespace, all of the run: the
    # kernel kills a namespace whose PID 1 dies) goes with this.
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)


@contextlib.contextmanager
def session(cmd, **popen):
    """A child in a session of its own that `stop_all_runs` can end; when the block ends,
    the session is killed whole and the child reaped, whatever happened in it."""
    if _stopping.is_set():
        raise InterruptedError("the runner is stopping")
    proc = subprocess.Popen(cmd, start_new_session=True, stdin=subprocess.DEVNULL, **popen)
    with _live_lock:
        _live.add(proc)
    try:
        yield proc
    finally:
        with _live_lock:
            _live.discard(proc)
        _kill_group(proc)  # also what the child left in its session (a build's compilers)
        proc.wait()


def _communicate(cmd, cwd, env, deadline):
    """(stdout, stderr, exit status, note) of the shim's run; the shim is gone afterwards."""
    note = ""
    with session(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                 stderr=subprocess.PIPE) as proc:
        try:
            out, err = proc.communicate(timeout=deadline)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            out, err = proc.communicate()
            note = "the runner had to kill the run (the reaper did not finish)"
    return out, err, proc.returncode, note


# ---- one run ------------------------------------------------------------------------------

def case_timeout(case, unit):
    """Seconds a run may take before the reaper kills it."""
    return max(10.0, case.timeout_units() * unit)


def play(case, adapter_path, unit, python=None, sandbox=DEFAULT_SANDBOX):
    """The observation of one run of `case` on the adapter."""
    obs = Observation()
    timeout = case_timeout(case, unit)
    grace = max(1.0, 10 * unit)
    user = sandbox.user if sandbox.user is not None and os.geteuid() == 0 else None
    with tempfile.TemporaryDirectory(prefix="mpspec-") as tmp, \
            run_cgroups(sandbox, user) as (cgroup_options, memory):
        folder = RunFolder(tmp, case, unit, user)
        env = dict(clean_env(python), **sandbox.env, MPSPEC_TRACE_FD="3",
                   MPSPEC_TRACE_PATH=str(folder.trace))
        options = ["--output-cap", str(sandbox.output_cap), *cgroup_options,
                   *(["--user", str(user)] if user is not None else []),
                   *(["--witness"] if sandbox.witness else [])]
        # -S: the shim is standard library only, and a site's .pth files (some import
        # certifi) cost a third of its start, paid once per case.
        cmd = [sys.executable, "-S", str(SHIM), str(folder.report), str(folder.trace), str(timeout),
               str(grace), *options, "--", str(adapter_path), str(folder.scenario)]
        if isolation().startswith("namespace"):
            flags = NAMESPACES if isolation() == "namespace" else NAMESPACES[:-1]
            cmd = ["unshare", *flags] + cmd
            keep = [folder.root, Path(adapter_path).resolve().parent, ROOT]
            at = cmd.index("--")
            cmd[at:at] = [a for k in keep for a in ("--private-tmp", str(k))]
        t0 = time.monotonic()
        out, err, code, obs.note = _communicate(cmd, folder.work, env, timeout + grace + 20)
        obs.seconds = time.monotonic() - t0
        obs.stdout = out.decode(errors="replace").splitlines()
        obs.stderr = err.decode(errors="replace").splitlines()
        _read_report(obs, folder, code)
        if oom_killed(memory):
            obs.report["memory_limit"] = True
        obs.trace = parse_trace(read_bounded(folder.trace, TRACE_LIMIT))
    classify(obs, case, unit, sandbox)
    return obs


def _read_report(obs, folder, code):
    try:
        obs.report = json.loads(read_bounded(folder.report, REPORT_LIMIT))
    except ValueError:
        obs.report = {}
    if not isinstance(obs.report, dict) or "status" not in obs.report and \
            "spawn_error" not in obs.report:
        obs.report = {}
        obs.outcome = "harness"
        obs.note = obs.note or f"the reaper wrote no report (exit {code})"
    obs.status = obs.report.get("status")


def parse_trace(data):
    """The trace's events. A line that is not an event of the protocol's shape is kept as a
    'garbled' event (which fails the case): the run can write anything there, and nothing it
    writes may break the judge."""
    events = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            ev = None
        events.append(ev if well_formed(ev) else {"ev": "garbled", "line": line[:200]})
    return events


def well_formed(ev):
    """An object with a string `ev`; an op's names are strings and its times numbers."""
    if not isinstance(ev, dict) or not isinstance(ev.get("ev"), str):
        return False
    if ev["ev"] != "op":
        return True
    names_ok = all(isinstance(ev.get(k, ""), str) for k in ("do", "p", "as", "proc", "error"))
    times_ok = all(type(ev.get(k, 0.0)) in (int, float) for k in ("t", "t0", "pid"))
    return names_ok and times_ok


def classify(obs, case, unit, sandbox):
    """Sets the outcome and its note from the reaper's report and the driver's exit code."""
    report = obs.report
    if obs.outcome == "harness":
        return
    if report.get("flood"):
        obs.outcome, obs.note = "error", (f"stopped: the run printed more than "
                                          f"{sandbox.output_cap} bytes")
    elif report.get("memory_limit"):
        obs.outcome, obs.note = "error", (f"stopped: the run used more than "
                                          f"{sandbox.memory_max >> 20} MiB of memory")
    elif report.get("pids_limit"):
        obs.outcome, obs.note = "error", (f"stopped: the run created processes without end "
                                          f"(a fork bomb): fork() met the limit of "
                                          f"{sandbox.pids_max} processes")
    elif report.get("witness", {}).get("exec"):
        ran = report["witness"]["exec"][0]
        obs.outcome, obs.note = "error", (f"stopped: pid {ran.get('pid')} ran another program "
                                          f"({ran.get('program')}); no implementation of the API "
                                          f"needs to, and the grader forbids it")
    elif report.get("witness", {}).get("forbidden"):
        call = report["witness"]["forbidden"][0]
        obs.outcome, obs.note = "error", (f"stopped: pid {call.get('pid')} made a system call "
                                          f"the grader forbids ({call.get('call')}); no "
                                          f"implementation of the API needs it")
    elif report.get("spawn_error"):
        obs.outcome, obs.note = "harness", f"cannot run the adapter: {report['spawn_error']}"
    elif report.get("timed_out"):
        obs.outcome, obs.note = "timeout", (f"killed after {case_timeout(case, unit):.1f} s "
                                            f"({case.timeout_units()} units)")
    elif obs.status == EXIT_UNSUPPORTED:
        what = [ev.get("what") for ev in obs.trace if ev.get("ev") == "unsupported"]
        obs.outcome, obs.note = "unsupported", f"the driver does not support: {', '.join(map(str, what))}"
    elif obs.status == EXIT_CASE_ERROR:
        msg = [ev.get("message") for ev in obs.trace if ev.get("ev") == "case_error"]
        obs.outcome, obs.note = "error", f"the driver reports a case error: {'; '.join(map(str, msg))}"


def no_core_dumps():
    """Crash cases must not write core files: called once, inherited by every run."""
    import resource
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
