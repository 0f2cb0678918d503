"""Play one case on one adapter, isolated: its own PID namespace (or a subreaper), its own
session, a per-case timeout, a clean environment, and the whole tree killed afterwards."""
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .cases import ROOT

SHIM = Path(__file__).resolve().parent / "shim.py"
DRIVERS = ROOT / "conformance" / "drivers"
EXIT_CASE_ERROR, EXIT_UNSUPPORTED = 100, 101
# What a driver sees of the environment: nothing that changes a program's behaviour
# (PYTHONUNBUFFERED, PYTHONWARNINGS, ...), only what is needed to find programs.
KEPT = ("PATH", "HOME", "TMPDIR", "PYENV_ROOT", "PYENV_VERSION", "MPSPEC_PYTHON")


class Observation:
    def __init__(self):
        self.stdout, self.stderr, self.trace = [], [], []
        self.status, self.report, self.outcome, self.note = None, {}, "ran", ""
        self.command, self.seconds = [], 0.0


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
    """Seconds per time unit: MPSPEC_TIME_UNIT if set, else measured from this machine (3x the
    median start of an interpreter importing multiprocessing, at least 0.1 s), times
    MPSPEC_TIME_SCALE."""
    if os.environ.get("MPSPEC_TIME_UNIT"):
        return float(os.environ["MPSPEC_TIME_UNIT"])
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


def isolation():
    """'namespace' (unshare: PID 1 of a fresh PID namespace) or 'subreaper'."""
    global _isolation
    if _isolation is None:
        forced = os.environ.get("MPSPEC_ISOLATION")
        if forced:
            _isolation = forced
        else:
            unshare = shutil.which("unshare")
            ok = unshare and subprocess.run(
                [unshare, "--pid", "--fork", "--kill-child", "--mount-proc", "true"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False).returncode == 0
            _isolation = "namespace" if ok else "subreaper"
    return _isolation


class Sandbox:
    """What contains a run beyond its namespace and timeout. Every run gets the output cap
    and, where the machine has a writable pids cgroup, a process cap; the grader also runs
    submissions as an unprivileged user (`user`, when the runner is root)."""

    def __init__(self, output_cap=1 << 20, pids_max=512, user=None):
        self.output_cap, self.pids_max, self.user = output_cap, pids_max, user


DEFAULT_SANDBOX = Sandbox()
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
        return None
    return path


def remove_cgroup(path):
    """Kills what is left in the cgroup (a run outside a namespace), then removes it. (The
    reaper itself reads pids.events to tell a fork bomb.)"""
    for _ in range(250):  # up to 5 s: a fork bomb's last processes take a while to go
        pids = [int(p) for p in _read(path / "cgroup.procs").split()]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            path.rmdir()
            break
        except OSError:
            time.sleep(0.02)


def play(case, adapter_path, unit, python=None, sandbox=DEFAULT_SANDBOX):
    obs = Observation()
    timeout = max(10.0, case.timeout_units() * unit)
    grace = max(1.0, 10 * unit)
    with tempfile.TemporaryDirectory(prefix="mpspec-") as tmp:
        tmp = Path(tmp)
        scenario, trace, report = tmp / "scenario.json", tmp / "trace.jsonl", tmp / "report.json"
        scenario.write_text(json.dumps(case.scenario(unit), indent=1), encoding="utf-8")
        trace.touch()
        env = clean_env(python)
        env.update(MPSPEC_TRACE_FD="3", MPSPEC_TRACE_PATH=str(trace))
        options = ["--output-cap", str(sandbox.output_cap)]
        user = sandbox.user if sandbox.user is not None and os.geteuid() == 0 else None
        cgroup = make_cgroup("pids", ("pids.max", sandbox.pids_max))
        if cgroup is not None:
            options += ["--cgroup", str(cgroup)]
        # A cpu cgroup of its own makes the whole run weigh as one process in the scheduler:
        # a fork bomb's hundreds of spinning processes cannot starve the reaper or the machine.
        cpu = make_cgroup("cpu", user=user)
        if cpu is not None:
            options += ["--cpu-cgroup", str(cpu)]
        if user is not None:
            options += ["--user", str(user)]
            for path in (tmp, trace, scenario):
                os.chown(path, user, user)
        cmd = [sys.executable, str(SHIM), str(report), str(trace), str(timeout), str(grace),
               *options, "--", str(adapter_path), str(scenario)]
        if isolation() == "namespace":
            cmd = ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc"] + cmd
        obs.command = cmd
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout + grace + 20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            obs.note = "the runner had to kill the run (the reaper did not finish)"
        obs.seconds = time.monotonic() - t0
        if cgroup is not None:
            remove_cgroup(cgroup)
        if cpu is not None:
            remove_cgroup(cpu)
        obs.stdout = out.decode(errors="replace").splitlines()
        obs.stderr = err.decode(errors="replace").splitlines()
        try:
            obs.report = json.loads(report.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            obs.report = {}
            obs.outcome = "error"
            obs.note = obs.note or f"the reaper wrote no report (exit {proc.returncode})"
        for line in trace.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                obs.trace.append(json.loads(line))
            except ValueError:
                obs.trace.append({"ev": "garbled", "line": line})
    obs.status = obs.report.get("status")
    if obs.report.get("flood"):
        obs.outcome, obs.note = "error", (f"stopped: the run printed more than "
                                          f"{sandbox.output_cap} bytes")
    elif obs.report.get("pids_limit"):
        obs.outcome, obs.note = "error", (f"stopped: the run created processes without end "
                                          f"(a fork bomb): fork() met the limit of "
                                          f"{sandbox.pids_max} processes")
    elif obs.report.get("spawn_error"):
        obs.outcome, obs.note = "error", f"cannot run the adapter: {obs.report['spawn_error']}"
    elif obs.report.get("timed_out"):
        obs.outcome, obs.note = "timeout", f"killed after {timeout:.1f} s ({case.timeout_units()} units)"
    elif obs.status == EXIT_UNSUPPORTED:
        what = [ev.get("what") for ev in obs.trace if ev.get("ev") == "unsupported"]
        obs.outcome, obs.note = "unsupported", f"the driver does not support: {', '.join(map(str, what))}"
    elif obs.status == EXIT_CASE_ERROR:
        msg = [ev.get("message") for ev in obs.trace if ev.get("ev") == "case_error"]
        obs.outcome, obs.note = "error", f"the driver reports a case error: {'; '.join(map(str, msg))}"
    return obs


def no_core_dumps():
    """Crash cases must not write core files: called once, inherited by every run."""
    import resource
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
