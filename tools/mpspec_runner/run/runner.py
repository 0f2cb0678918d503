"""The runner: one case on one adapter becomes a `Result` with a `Verdict`; a batch of
cases runs in parallel and always ends with a result per case. The command line, the matrix
and the grader all go through `run_case` and `run_cases`.

Nothing here raises for a case: an exception inside the harness becomes that case's HARNESS
verdict and the batch goes on. Ctrl-C (or SIGTERM, see `interrupt_on_sigterm`) stops every run
under way, releases what they hold, and propagates."""
import concurrent.futures
import signal
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from ..judge import crosscheck, kernel
from ..judge.checks import Check, Judge
from ..judge.verdict import Verdict, decide
from ..sandbox.play import DEFAULT_SANDBOX, Observation, Sandbox, play
from ..sandbox.sessions import stop_all_runs
from ..spec.clock import clock_units
from .adapters import ORACLE
from .describe import describe, head_line


@dataclass(frozen=True)
class RunOptions:
    unit: float  # seconds per time unit
    python: str | None = None  # interpreter of the cpython-* adapters
    oracle: str | None = ORACLE  # adapter re-run to show what CPython did; None: not shown
    oracle_python: str | None = None  # the oracle's interpreter (None: the machine's python3)
    verbose: bool = False  # every check, the raw output and the trace
    sandbox: Sandbox = DEFAULT_SANDBOX
    # A run that fails nothing but an upper bound on time (Check.late) is played again, this
    # many times at most, and the last run is judged: a loaded machine delays a correct
    # implementation now and then, while one that is slow by design (a join that polls)
    # is slow on every run.
    replays: int = 2


@dataclass
class Result:
    case: object  # cases.Case
    adapter: str
    verdict: Verdict
    seconds: float = 0.0
    text: str = ""  # the report block: a head line, and for a failure its explanation
    observation: Observation | None = None
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
    """Plays `case` on `adapter` and judges it. Never raises: a fault of the harness is the
    case's HARNESS verdict, and a record of the run that the judge cannot read fails it."""
    try:
        for played in range(1, options.replays + 2):
            obs = play(case, adapter.path, options.unit, options.python, options.sandbox)
            checks = judged(case, obs, options.unit)
            late = only_late(checks)
            if not late:
                break
        verdict = decide(case, obs, checks, adapter.expected, adapter.may_fail)
        text = described(case, adapter, obs, checks, verdict, options)
        if played > 1:
            text += (f"\n  played {played} times: every run took longer than a bound on time "
                     "allows: the claim failed every time" if late else
                     f"\n  played {played} times: the earlier runs took longer than a bound on "
                     "time allows (a loaded machine?); this verdict is the last run's")
        return Result(case, adapter.name, verdict, obs.seconds, text, obs, checks,
                      adapter.expected.get(case.id) or adapter.may_fail.get(case.id, ""))
    except Exception as e:  # noqa: BLE001 - whatever broke, this case's verdict says so
        return harness_fault(case, adapter, e)


def only_late(checks):
    """Whether the run failed, and only by taking longer than a bound on time allows."""
    failed = [c for c in checks if not c.ok]
    return bool(failed) and all(c.late for c in failed)


UNREADABLE = "the run's trace could be read"


def judged(case, obs, unit):
    """The case's checks, and the trace against the kernel's view where the run had one. The
    run wrote the trace and the output: whatever in them breaks the judge fails the case."""
    if obs.outcome != "ran":
        return []
    try:
        tampered = crosscheck.check(obs)
        return (Judge(case, obs, unit).run() + ([tampered] if tampered else [])
                + kernel.checks(case, obs))
    except Exception as e:  # noqa: BLE001 - anything a hostile trace provokes
        return [Check(UNREADABLE, "readable",
                      f"the run's trace could not be read: {fault_text(e)}", False)]


def described(case, adapter, obs, checks, verdict, options):
    """The result's text; a record the text cannot show is said so, not raised."""
    try:
        return describe(case, adapter, obs, checks, verdict, options)
    except Exception as e:  # noqa: BLE001 - a value of the run's that will not format
        return (head_line(case, adapter.name, verdict, obs.seconds)
                + f"\n  the run's record could not be shown: {fault_text(e)}")


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


def not_run(case, adapter, reason, ran=False):
    """ERROR for a case the batch stopped before (`ran`: or whose run it does not count)."""
    what = "not counted" if ran else "not run"
    text = f"{Verdict.ERROR:<8} {case.id}  [{adapter.name}]  {what}: {reason}"
    return Result(case, adapter.name, Verdict.ERROR, 0.0, text)


def run_cases(cases, adapter, options, jobs=2, on_result=None, stop_after=None):
    """A result per case, in the order of `cases`, `jobs` at a time. `on_result(result)` is
    called as each ends. `stop_after(results)` may return a reason to run no further case; it
    must hold of any results that include ones it held of (a count reaching a limit). Once it
    does, no case starts, and the batch is cut where the run order first meets the reason:
    each case after that point is ERROR, whether it had not started or ran beside the cases
    that decided it. Which cases a batch loses then depends on the cases, never on which of
    two runs side by side ended first."""
    stop, ended, skipped = [], [], set()
    lock = threading.Lock()

    def one(case):
        if stop:
            skipped.add(case.id)
            return not_run(case, adapter, stop[0])
        result = run_case(case, adapter, options)
        with lock:
            ended.append(result)
            reason = stop_after(ended) if stop_after else None
            if reason and not stop:
                stop.append(reason)
        return result

    order = longest_first(cases)
    results = {}
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs))
    futures = [pool.submit(one, c) for c in order]
    try:
        for fut in concurrent.futures.as_completed(futures):
            result = fut.result()
            results[result.case.id] = result
            if on_result:
                on_result(result)
    except BaseException:
        stop_all_runs()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if stop:
        cut_at_stop([results[c.id] for c in order], results, adapter, stop_after, skipped)
    return [results[c.id] for c in cases]


def cut_at_stop(in_order, results, adapter, stop_after, skipped):
    """Every case of the run order after the first prefix that `stop_after` stops at becomes
    ERROR. Each case up to that point ran: the pool starts cases in order, and the reason
    held of cases that ended, all at most as late in the order as the last of them."""
    for i in range(len(in_order)):
        reason = stop_after(in_order[:i + 1])
        if reason:
            for later in in_order[i + 1:]:
                ran = later.case.id not in skipped
                results[later.case.id] = not_run(later.case, adapter, reason, ran)
            return


def longest_first(cases):
    """The cases that wait longest on the clock first, the others in their order: a long
    case started last would leave the other jobs idle while it ends."""
    def waits(case):
        try:
            return clock_units(case)
        except Exception:  # noqa: BLE001 - a case the clock cannot read is run, not sorted
            return 0.0
    return sorted(cases, key=lambda case: -waits(case))


def interrupt_on_sigterm():
    """SIGTERM (a CI timeout, `kill`) ends a batch as Ctrl-C does: runs stopped, cleaned up."""
    def handler(_signum, _frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, handler)
