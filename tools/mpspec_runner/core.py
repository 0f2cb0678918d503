"""The runner's core: one case on one adapter becomes a `Result` with a `Verdict`; a batch of
cases runs in parallel and always ends with a result per case. The command line, the matrix
and the grader all go through `run_case` and `run_cases`.

Nothing here raises for a case: an exception inside the harness becomes that case's HARNESS
verdict and the batch goes on. Ctrl-C (or SIGTERM, see `interrupt_on_sigterm`) stops every run
under way, releases what they hold, and propagates."""
import concurrent.futures
import datetime
import signal
import subprocess
import tomllib
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from . import crosscheck, execute, explain, samples
from .judge import Judge, show
from .verdict import Verdict

ORACLE = "cpython-fork"
EXPECTED_FAILURES = execute.DRIVERS.parent / "expected-failures"


@dataclass(frozen=True)
class Adapter:
    """An adapter under test: its name, the program that plays a scenario, the implementation
    directory it was built from (for reproduce lines) and the cases it is known to fail."""

    name: str
    path: Path
    source: str | None = None
    expected: dict = field(default_factory=dict)  # case id -> why it fails
    may_fail: dict = field(default_factory=dict)  # case id -> why it fails on some runs only


@dataclass(frozen=True)
class RunOptions:
    unit: float  # seconds per time unit
    python: str | None = None  # interpreter of the cpython-* adapters
    oracle: str | None = ORACLE  # adapter re-run to show what CPython did; None: not shown
    oracle_python: str | None = None  # the oracle's interpreter (None: the machine's python3)
    verbose: bool = False  # every check, the raw output and the trace
    sandbox: execute.Sandbox = execute.DEFAULT_SANDBOX


@dataclass
class Result:
    case: object  # cases.Case
    adapter: str
    verdict: Verdict
    seconds: float = 0.0
    text: str = ""  # the report block: a head line, and for a failure its explanation
    observation: execute.Observation | None = None
    checks: list = field(default_factory=list)

    reason: str = ""  # why the adapter is expected to fail the case, if it is listed

    def record(self):
        """The result as one entry of a results file (the matrix's input); `summary` is the
        first line that says what went wrong."""
        lines = [] if self.verdict == Verdict.PASS else self.text.splitlines()[1:]
        return {"case": self.case.id, "adapter": self.adapter, "verdict": str(self.verdict),
                "seconds": round(self.seconds, 3), "reason": self.reason,
                "summary": lines[0].strip() if lines else "",
                "details": "" if self.verdict == Verdict.PASS else self.text}


def run_case(case, adapter, options):
    """Plays `case` on `adapter` and judges it. Never raises for a fault of the harness."""
    try:
        obs = execute.play(case, adapter.path, options.unit, options.python, options.sandbox)
        checks = judged(case, obs, options.unit)
        verdict = decide(case, obs, checks, adapter.expected, adapter.may_fail)
        text = describe(case, adapter, obs, checks, verdict, options)
        return Result(case, adapter.name, verdict, obs.seconds, text, obs, checks,
                      adapter.expected.get(case.id) or adapter.may_fail.get(case.id, ""))
    except Exception as e:  # noqa: BLE001 - whatever broke, this case's verdict says so
        return harness_fault(case, adapter, e)


def judged(case, obs, unit):
    """The case's checks, and the trace against the kernel's view where the run had one."""
    if obs.outcome != "ran":
        return []
    kernel = crosscheck.check(obs)
    return Judge(case, obs, unit).run() + ([kernel] if kernel else [])


def decide(case, obs, checks, expected, may_fail=()):
    if obs.outcome == "ran":
        failed = any(not c.ok for c in checks)
        verdict = (Verdict.PASS if not failed else
                   Verdict.OPTIONAL if case.level == "MAY" else Verdict.FAIL)
    else:
        verdict = {"timeout": Verdict.TIMEOUT, "unsupported": Verdict.UNSUPPORTED,
                   "harness": Verdict.HARNESS}.get(obs.outcome, Verdict.ERROR)
    if case.id in expected and verdict != Verdict.HARNESS:
        verdict = Verdict.XPASS if verdict == Verdict.PASS else Verdict.XFAIL
    elif case.id in may_fail and verdict not in (Verdict.PASS, Verdict.HARNESS):
        verdict = Verdict.XFAIL
    return verdict


def head_line(case, adapter_name, verdict, seconds):
    return f"{verdict:<8} {case.id}  [{adapter_name}]  {seconds:.1f}s"


def describe(case, adapter, obs, checks, verdict, options):
    lines = [head_line(case, adapter.name, verdict, obs.seconds)]
    if verdict == Verdict.XPASS:
        lines.append(f"  unexpected pass: the case is listed as an expected failure "
                     f"({adapter.expected[case.id]}); remove it from the list")
    if verdict in (Verdict.PASS, Verdict.XPASS) and not options.verbose:
        return "\n".join(lines)
    lines += explain.claim_lines(case, obs, checks, options.verbose)
    if verdict == Verdict.XFAIL:
        why = adapter.expected.get(case.id) or f"on some runs: {adapter.may_fail[case.id]}"
        lines.insert(1, f"  expected failure: {why}")
    if verdict == Verdict.HARNESS:
        lines.append("  this is a fault of the test harness, not of the implementation")
    elif verdict not in (Verdict.PASS, Verdict.XPASS):
        # (the oracle's runs are not traced: it has no view of the kernel to show)
        failed = [c for c in checks if not c.ok and c.name != crosscheck.NAME]
        lines += oracle_lines(case, adapter, options, failed) if failed or not checks else []
    if verdict not in (Verdict.PASS, Verdict.XPASS):
        named = execute.find_adapter(adapter.name) == adapter.path
        lines.append("  reproduce: " + explain.reproduce(case, adapter, named, options.unit,
                                                         options.python))
    return "\n".join(lines)


def oracle_lines(case, adapter, options, failed):
    """What the oracle (CPython) did on the same case, beside the failed checks."""
    if adapter.name.startswith("cpython-") and options.python == options.oracle_python:
        return [f"  CPython:  this adapter is CPython itself ({options.python or 'python3'}); "
                "if CPython disagrees with the case, the case is wrong"]
    path = execute.find_adapter(options.oracle) if options.oracle else None
    if path is None:
        return []
    obs = execute.play(case, path, options.unit, options.oracle_python)
    if obs.outcome != "ran":
        return [f"  CPython:  ({options.oracle}) {obs.outcome}: {obs.note}"]
    checks = Judge(case, obs, options.unit).run()
    if not failed:  # the run did not get as far as checks: say what CPython's run did
        verdict = "passes" if all(c.ok for c in checks) else "fails"
        return [f"  CPython ({options.oracle}) {verdict} this case; its stdout: "
                f"{explain.brief(obs.stdout)}"]
    by_name = {c.name: c for c in checks}
    out = [f"  CPython ({options.oracle}) observed:"]
    width = max(len(c.name) for c in failed)
    for c in failed:
        o = by_name.get(c.name)
        out.append(f"    {c.name:<{width}} {show(o.observed) if o else '(no such check)'}")
    return out


def harness_fault(case, adapter, error):
    """The result of a case whose run the harness itself broke."""
    text = "\n".join([head_line(case, adapter.name, Verdict.HARNESS, 0.0),
                      f"  harness fault: {fault_text(error)}",
                      "  this is a fault of the test harness, not of the implementation"])
    return Result(case, adapter.name, Verdict.HARNESS, 0.0, text)


def fault_text(error):
    """An exception of the harness in one line: its type, message and where it was raised."""
    where = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    at = f" (at {Path(where.filename).name}:{where.lineno})" if where else ""
    return f"{type(error).__name__}: {error}{at}"


def not_run(case, adapter, reason):
    text = f"{Verdict.ERROR:<8} {case.id}  [{adapter.name}]  not run: {reason}"
    return Result(case, adapter.name, Verdict.ERROR, 0.0, text)


def run_cases(cases, adapter, options, jobs=2, on_result=None, stop_after=None):
    """A result per case, in the order of `cases`, `jobs` at a time. `on_result(result)` is
    called as each ends; `stop_after(result)` may return a reason to run no further case
    (those not yet started get an ERROR result naming it)."""
    stop = []

    def one(case):
        if stop:
            return not_run(case, adapter, stop[0])
        result = run_case(case, adapter, options)
        reason = stop_after(result) if stop_after else None
        if reason and not stop:
            stop.append(reason)
        return result

    results = {}
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs))
    futures = [pool.submit(one, c) for c in cases]
    try:
        for fut in concurrent.futures.as_completed(futures):
            result = fut.result()
            results[result.case.id] = result
            if on_result:
                on_result(result)
    except BaseException:
        execute.stop_all_runs()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return [results[c.id] for c in cases]


def interrupt_on_sigterm():
    """SIGTERM (a CI timeout, `kill`) ends a batch as Ctrl-C does: runs stopped, cleaned up."""
    def handler(_signum, _frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, handler)


def expectations(adapter_name, source=None, given=None):
    """({case id: reason} an adapter is known to fail, {case id: reason} it fails on some runs
    only: a race inside the library): kept outside the cases, per adapter in
    conformance/expected-failures/NAME.toml, in a sample's sample.toml, or in `given`; the
    tables [expected_failures] and [may_fail]."""
    if given:
        path = Path(given)
        if not path.exists():
            raise FileNotFoundError(f"no expected-failures file {given}")
    elif source and samples.is_sample(source):
        path = Path(source) / "sample.toml"
    else:
        path = EXPECTED_FAILURES / f"{adapter_name}.toml"
    if not path.exists():
        return {}, {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return data.get("expected_failures", {}), data.get("may_fail", {})


def version(adapter, python=None):
    """What a declared Python adapter says it is (`ADAPTER --version`: the module and the
    interpreter, with full versions), for the matrix's column; "" for any other adapter
    (a built driver is a submission's code: it is not run outside the sandbox)."""
    if adapter.path.parent != execute.DRIVERS / "cpython":
        return ""
    try:
        out = subprocess.run([str(adapter.path), "--version"], env=execute.clean_env(python),
                             capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = out.stdout.strip().splitlines()
    return lines[0] if out.returncode == 0 and lines else ""


def results_document(cases, adapters, results, unit, python=None):
    """Every verdict of a run, as the matrix and the grader read them back."""
    return {"unit": unit, "isolation": execute.isolation(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "adapters": [{"name": a.name, "path": str(a.path), "version": version(a, python)}
                         for a in adapters],
            "cases": [{"id": c.id, "section": c.data.get("section", ""), "level": c.level,
                       "weight": c.weight, "claim": c.data.get("claim", ""), "rel": c.rel,
                       "example": c.data.get("example", "")} for c in cases],
            "results": [r.record() for r in results]}

