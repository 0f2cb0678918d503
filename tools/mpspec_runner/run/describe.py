"""The text of one result: its head line and, for a failure, the claim, the failed checks,
what the oracle (CPython) did on the same case (oracle_view.py plays it, once per case), and
the command that reproduces it."""
from ..judge import crosscheck, explain, kernel
from ..judge.verdict import Verdict
from . import oracle_view
from .adapters import find_adapter

# Checks only a traced run has: the oracle's run, not traced, has none to show beside them.
WITNESSED = (crosscheck.NAME, kernel.CHILDREN, kernel.VALUES, kernel.OUTPUT)


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
        failed = [c for c in checks if not c.ok and c.name not in WITNESSED]
        lines += oracle_lines(case, adapter, options, failed) if failed or not checks else []
    if verdict not in (Verdict.PASS, Verdict.XPASS):
        named = find_adapter(adapter.name) == adapter.path
        lines.append("  reproduce: " + explain.reproduce(case, adapter, named, options.unit,
                                                         options.python))
    return "\n".join(lines)


def oracle_lines(case, adapter, options, failed):
    """What the oracle (CPython) did on the same case, beside the failed checks."""
    if adapter.name.startswith("cpython-") and options.python == options.oracle_python:
        return [f"  CPython:  this adapter is CPython itself ({options.python or 'python3'}); "
                "if CPython disagrees with the case, the case is wrong"]
    path = find_adapter(options.oracle) if options.oracle else None
    if path is None:
        return []
    seen = oracle_view.view(case, path, options.unit, options.oracle_python)
    if seen.outcome != "ran":
        return [f"  CPython:  ({options.oracle}) {seen.outcome}: {seen.note}"]
    if not failed:  # the run did not get as far as checks: say what CPython's run did
        verdict = "passes" if seen.passes else "fails"
        return [f"  CPython ({options.oracle}) {verdict} this case; its stdout: {seen.stdout}"]
    out = [f"  CPython ({options.oracle}) observed:"]
    width = max(len(c.name) for c in failed)
    for c in failed:
        out.append(f"    {c.name:<{width}} {seen.observed.get(c.name, '(no such check)')}")
    return out
