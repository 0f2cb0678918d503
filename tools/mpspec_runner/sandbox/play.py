"""Play one case on one adapter, isolated: its own PID namespace (or a subreaper), its own
session, a per-case timeout, a clean environment, and the whole tree killed afterwards.

Nothing of a run outlives `play`: its cgroups, its folder and its processes are released on
every path out, an exception or Ctrl-C included (`sessions.stop_all_runs` ends the runs of
other threads at once)."""
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..checkout import ROOT
from ..spec.aliases import Aliases
from ..spec.protocol import EXIT_CASE_ERROR, EXIT_NOT_APPLICABLE, EXIT_UNSUPPORTED, lines
from . import exec_helper
from .cgroups import oom_killed, run_cgroups
from .environment import clean_env, interpreter
from .isolation import isolation, namespace_flags
from .sessions import launch
from .trace import REPORT_LIMIT, TRACE_LIMIT, parse_trace, read_bounded

class Observation:
    """What a run showed: its output, the driver's trace, the reaper's report, and how it
    ended (`outcome`: ran, timeout, unsupported, error, or harness)."""

    def __init__(self):
        self.stdout, self.stderr, self.trace = [], [], []
        self.status, self.report, self.outcome, self.note = None, {}, "ran", ""
        self.seconds = 0.0


@dataclass(frozen=True)
class Sandbox:
    """What contains a run beyond its namespace and timeout. Every run gets the output cap
    and, where the machine has a writable pids cgroup, a process cap; the grader also runs
    submissions as an unprivileged user (`user`, when the runner is root), and with `witness`
    the reaper traces the run: the judge then checks the trace against what the kernel saw,
    and a run that executes another program is stopped (witness.py): with `own_program_only`,
    any program but the adapter itself (the grader's driver, which it runs directly)."""

    output_cap: int = 1 << 20
    pids_max: int = 512
    user: int | None = None
    env: dict = field(default_factory=dict)  # set for the driver after the clean environment
    memory_max: int = 2 << 30  # bytes, for the whole run (a memory cgroup)
    witness: bool = False
    own_program_only: bool = False
    start_method: str | None = None  # the run's, where the runner knows it (a grading: fork)


DEFAULT_SANDBOX = Sandbox()


class RunFolder:
    """A temporary folder the runner owns. The run may read the scenario and append to the
    trace (a spawned child reopens it by path) and works in `work/`, the only place it may
    create files; it cannot replace the trace or write where the report goes."""

    def __init__(self, root, case, unit, user):
        self.root = Path(root)
        os.chmod(self.root, 0o711)  # others may pass through to the files they are given
        self.scenario, self.trace = self.root / "scenario.json", self.root / "trace.jsonl"
        self.report, self.work = self.root / "report.json", self.root / "work"
        self.stalled = self.root / "stalled"  # the reaper's word that the run's waits end
        scenario = case.scenario(unit)
        self.aliases = Aliases.of(scenario)
        self.scenario.write_text(json.dumps(self.aliases.renamed(scenario), indent=1),
                                 encoding="utf-8")
        # Readable by the run's user (the driver reads it), and, for a grading's run, by no
        # other: a hidden case's steps are readable only while its own run plays them.
        os.chmod(self.scenario, 0o644 if user is None else 0o640)
        self.trace.touch(mode=0o600)
        self.work.mkdir(mode=0o700)
        if user is not None:
            os.chown(self.scenario, -1, user)
            os.chown(self.trace, user, user)
            os.chown(self.work, user, user)


def case_timeout(case, unit):
    """Seconds a run may take before the reaper kills it."""
    return max(10.0, case.timeout_units() * unit)


STALL_MARGIN = 10  # units past the case's longest timed step


# The driver's own waits (waiting.hpp): their time limits are what the reaper may end early.
DRIVER_WAITS = ("await", "await_end", "wait_sentinel")


def stall_window(case, unit):
    """Seconds every process of a run may wait, with no time limit, for another before the
    reaper stops it as a deadlock (stall.py): longer than any other timed step of the case (a
    sleep, a join's timeout), so a wake-up the reaper cannot see (an alarm(), a timerfd)
    still comes first, and at least 2 s. The driver's own waits do not count: their limits
    are the ones a stall ends early."""
    def longest(value):
        if isinstance(value, dict):
            keys = ("units",) if value.get("do") in DRIVER_WAITS else ("units", "timeout")
            own = [float(value[k]) for k in keys
                   if isinstance(value.get(k), (int, float)) and not isinstance(value[k], bool)]
            return max([0.0, *own, *(longest(v) for v in value.values())])
        if isinstance(value, list):
            return max([0.0, *(longest(v) for v in value)])
        return 0.0
    return max(2.0, (longest(case.data.get("main")) + longest(case.data.get("targets"))
                     + STALL_MARGIN) * unit)


def play(case, adapter_path, unit, python=None, sandbox=DEFAULT_SANDBOX):
    """The observation of one run of `case` on the adapter."""
    obs = Observation()
    timeout = case_timeout(case, unit)
    grace = max(1.0, 10 * unit)
    user = sandbox.user if sandbox.user is not None and os.geteuid() == 0 else None
    with tempfile.TemporaryDirectory(prefix="mpspec-") as tmp, \
            run_cgroups(sandbox, user) as (cgroup_options, memory):
        folder = RunFolder(tmp, case, unit, user)
        # The cpython-* adapters' interpreter by its real path, never a version manager's
        # shim (which a traced run would stop for duplicating stdout).
        python = python or os.environ.get("MPSPEC_PYTHON") or interpreter()
        env = dict(clean_env(python), **sandbox.env, MPSPEC_TRACE_FD="3",
                   MPSPEC_TRACE_PATH=str(folder.trace), MPSPEC_STALL_PATH=str(folder.stalled))
        options = ["--output-cap", str(sandbox.output_cap), *cgroup_options,
                   "--stall", str(stall_window(case, unit)), "--stall-file", str(folder.stalled),
                   *(["--user", str(user)] if user is not None else []),
                   *(["--witness"] if sandbox.witness else []),
                   *(["--program", str(adapter_path)] if sandbox.own_program_only else []),
                   *(["--exec-helper", str(helper)] if (helper := exec_helper.path()) else [])]
        if isolation().startswith("namespace"):
            keep = [folder.root, Path(adapter_path).resolve().parent, ROOT]
            options += [a for k in keep for a in ("--private-tmp", str(k))]
        argv = [str(folder.report), str(folder.trace), str(timeout), str(grace), *options,
                "--", str(adapter_path), str(folder.scenario)]
        t0 = time.monotonic()
        out, err, code, obs.note = launch(argv, namespace_flags(), folder.work, env,
                                          timeout + grace + 20)
        obs.seconds = time.monotonic() - t0
        obs.stdout = lines(out)
        obs.stderr = lines(err)
        _read_report(obs, folder, code)
        if oom_killed(memory):
            obs.report["memory_limit"] = True
        obs.trace = folder.aliases.restore(parse_trace(read_bounded(folder.trace, TRACE_LIMIT)))
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
    elif report.get("timed_out") and report.get("deadlock"):
        obs.outcome, obs.note = "timeout", (f"stopped: every process of the run had waited "
                                            f"{report['deadlock']:.1f} s for another, with no "
                                            f"time limit (a deadlock: it would have waited "
                                            f"out its {case_timeout(case, unit):.1f} s)")
    elif report.get("timed_out"):
        obs.outcome, obs.note = "timeout", (f"killed after {case_timeout(case, unit):.1f} s "
                                            f"({case.timeout_units()} units)")
    elif obs.status == EXIT_UNSUPPORTED:
        what = [ev.get("what") for ev in obs.trace if ev.get("ev") == "unsupported"]
        obs.outcome, obs.note = "unsupported", f"the driver does not support: {', '.join(map(str, what))}"
    elif obs.status == EXIT_NOT_APPLICABLE:
        obs.outcome, obs.note = not_applicable(obs, case, sandbox)
    elif obs.status == EXIT_CASE_ERROR:
        msg = [ev.get("message") for ev in obs.trace if ev.get("ev") == "case_error"]
        obs.outcome, obs.note = "error", f"the driver reports a case error: {'; '.join(map(str, msg))}"
    elif report.get("waits_ended"):
        obs.note = (f"every process of the run waited for another for "
                    f"{stall_window(case, unit):.1f} s, so the harness ended the driver's "
                    f"waits then, as their time limits would have later")


def not_applicable(obs, case, sandbox):
    """A driver may say a case is not for its start method; believed only where the case
    names its start methods, the driver's is not among them, and the runner does not know
    the run to be one of them (a grading is fork: a submission cannot opt out of a case)."""
    wanted = case.data.get("start_methods") or []
    said = [ev.get("start_method") for ev in obs.trace if ev.get("ev") == "not_applicable"]
    if wanted and said and said[0] not in wanted and sandbox.start_method not in wanted:
        return "not_applicable", f"the case is about {', '.join(wanted)}; this run is {said[0]}"
    return "error", (f"the driver says the case does not apply to start method {said[:1]}, "
                     f"but the case is about {wanted or 'every start method'}"
                     + (f" and this run is {sandbox.start_method}" if sandbox.start_method else ""))


def no_core_dumps():
    """Crash cases must not write core files: called once, inherited by every run."""
    import resource
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
