"""The command line: run cases on adapters, print verdicts, end with "N passed, N failed".
It only parses and prints; `run.runner` runs and judges."""
import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

from ..checkout import DRIVERS, ROOT, SPEC
from ..grading import build, samples
from ..judge.verdict import Verdict
from ..run.adapters import ORACLE, Adapter, expectations, expected_failures_file, find_adapter
from ..run.results import results_document
from ..run.runner import RunOptions, interrupt_on_sigterm, run_cases
from ..sandbox.calibrate import calibrate
from ..sandbox.isolation import isolation
from ..sandbox.play import Sandbox, no_core_dumps
from ..spec import cases as casemod
from ..spec.clock import clock_units
from ..spec.lint import lint


def parse(argv):
    ap = argparse.ArgumentParser(prog="tools/run_case.py", description=__doc__)
    ap.add_argument("paths", nargs="*", help="case files or folders (default with --all: spec/)")
    ap.add_argument("--adapter", action="append", default=[],
                    help="adapter name (conformance/drivers/*/NAME), path, or NAME=PATH; repeatable")
    ap.add_argument("--expected-failures", metavar="FILE",
                    help="TOML file whose [expected_failures] table lists the case ids the "
                         "adapters are known to fail (default: conformance/expected-failures/"
                         "NAME.toml for each adapter, when it exists)")
    ap.add_argument("--impl", metavar="DIR", action="append", default=[],
                    help="build the C++ driver against this implementation directory (or a "
                         "conformance/samples/ folder) and run it as an adapter; repeatable")
    ap.add_argument("--results", metavar="FILE", help="also write every verdict as JSON "
                    "(the input of the matrix and the grader)")
    ap.add_argument("--clock", action="store_true",
                    help="print how many units each case waits on the clock (the critical path "
                         "of its sleeps and timeouts: spec/clock.py) and their total")
    ap.add_argument("--list", action="store_true",
                    help="print id, section, level and file of each case, tab-separated")
    ap.add_argument("--save-unit", metavar="FILE",
                    help="only measure the time unit and write it to FILE (runs that find it "
                         "through MPSPEC_TIME_UNIT_FILE then skip their own calibration)")
    ap.add_argument("--all", action="store_true", help="every case under spec/")
    ap.add_argument("--lint", action="store_true", help="check every case file against spec/vocabulary.toml")
    ap.add_argument("--python", help="interpreter for the cpython-* adapters (default: python3)")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="cases run in parallel (default 2)")
    ap.add_argument("--stop-after", type=int, metavar="N",
                    help="run no further case of an adapter once N of its cases have failed "
                         "(the rest are reported as not run: a verdict, not a measurement)")
    ap.add_argument("-k", dest="keyword", help="only cases whose id or path contains this")
    ap.add_argument("--oracle", default=ORACLE, help=f"adapter shown as 'what CPython did' (default {ORACLE})")
    ap.add_argument("--oracle-python", metavar="PY",
                    help="the oracle's interpreter (default: python3 on PATH, whatever --python is)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every check and the raw output")
    ap.add_argument("--witness", action="store_true",
                    help="trace every run, as the grader does: the judge then checks what the "
                         "library says against what the kernel saw (processes, exit statuses, "
                         "who wrote each line), and a forbidden system call stops the run")
    return ap.parse_args(argv)


REMEASURE_AFTER = 120  # s: a column that starts later than this after the last measurement
#                        measures the time unit again


def failures_limit(most):
    """run_cases's stop_after for --stop-after N: a reason once N cases have failed."""
    if not most:
        return None

    def stop_after(results):
        failed = sum(1 for r in results if r.verdict.is_failure)
        return f"{most} cases failed already (--stop-after)" if failed >= most else None
    return stop_after


def main(argv):
    args = parse(argv)
    if args.save_unit:
        unit = calibrate(args.python)
        Path(args.save_unit).write_text(f"{unit}\n", encoding="utf-8")
        print(f"mpspec: 1 unit = {unit:.3f} s, written to {args.save_unit}")
        return 0
    try:
        loaded, problems = load_cases(args)
        answered = answer_lint_or_list(args, loaded, problems)
        if answered is not None:
            return answered
        adapters = resolve_adapters(args)
    except UsageError as e:
        print(e, file=sys.stderr)
        return 2
    interrupt_on_sigterm()
    no_core_dumps()
    options = RunOptions(unit=calibrate(args.python), python=args.python,
                              oracle=args.oracle, oracle_python=args.oracle_python,
                              verbose=args.verbose,
                              sandbox=Sandbox(witness=args.witness))
    print(f"mpspec: {len(loaded)} cases, adapters {', '.join(a.name for a in adapters)}, "
          f"1 unit = {options.unit:.3f} s, isolation {isolation()}, {args.jobs} jobs",
          flush=True)
    results, units, measured = [], {}, time.monotonic()
    try:
        for adapter in adapters:
            if units and time.monotonic() - measured > REMEASURE_AFTER:
                # A unit measured under a load that has gone would slow every later column
                # (one run kept a 0.98 s unit for 25 minutes): each long stretch measures anew.
                options, measured = replace(options, unit=calibrate(args.python)), time.monotonic()
                print(f"mpspec: 1 unit = {options.unit:.3f} s from {adapter.name} on "
                      "(measured again)", flush=True)
            units[adapter.name] = options.unit
            results += run_cases(loaded, adapter, options, args.jobs,
                                 on_result=lambda r: print(shown(r, args.verbose), flush=True),
                                 stop_after=failures_limit(args.stop_after))
    except KeyboardInterrupt:
        print("mpspec: interrupted; every run under way was stopped and cleaned up",
              file=sys.stderr)
        return 130
    if args.results:
        document = results_document(loaded, adapters, results, units, args.python)
        Path(args.results).write_text(json.dumps(document, indent=1), encoding="utf-8")
    print_totals(results, many=len(adapters) > 1 or len(loaded) > 1)
    return 1 if any(r.verdict.is_failure for r in results) else 0


class UsageError(Exception):
    """Bad arguments or case files: printed, exit 2."""


def load_cases(args):
    """The cases to run, and the lint's findings about them."""
    paths = args.paths or ([str(SPEC)] if args.all or args.lint else [])
    if not paths:
        raise UsageError("nothing to run: name case files or folders, or --all")
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise UsageError(f"no such case file or folder: {', '.join(missing)}")
    loaded, problems = [], []
    for f in casemod.discover(paths):
        try:
            loaded.append(casemod.load(f))
        except Exception as e:  # noqa: BLE001 - a broken file is a lint finding
            problems.append(f"{f}: cannot read: {e}")
    if args.keyword:
        loaded = [c for c in loaded if args.keyword in c.id or args.keyword in c.rel]
    return loaded, problems + lint(loaded)


def answer_lint_or_list(args, loaded, problems):
    """The exit code when --lint or --list was asked (and answered here), else None."""
    if args.lint:
        print("\n".join([*problems, f"{len(loaded)} case files, {len(problems)} problems"]))
        return 1 if problems else 0
    if problems:
        raise UsageError("\n".join([*problems, "the cases do not pass the lint; fix them "
                                     "first (--lint)"]))
    if args.list:
        for c in loaded:
            print(f"{c.id}\t{c.data.get('section', '')}\t{c.level}\t{c.rel}")
        return 0
    if args.clock:
        waits = sorted(((clock_units(c), c.id) for c in loaded), reverse=True)
        print("\n".join(f"{units:6.2f}  {case_id}" for units, case_id in waits if units))
        print(f"{sum(units for units, _ in waits):.1f} units on the clock in {len(loaded)} cases "
              f"({sum(1 for units, _ in waits if units)} wait at all)")
        return 0
    return None


def resolve_adapters(args):
    """The adapters named by --adapter and built by --impl, with their expected failures."""
    adapters = []
    for spec in args.adapter or ([] if args.impl else [ORACLE]):
        name, _, given = spec.partition("=") if "=" in spec else (None, None, spec)
        path = find_adapter(given)
        if path is None:
            raise UsageError(f"no adapter {given!r} (looked in {DRIVERS}/*/)")
        adapters.append(Adapter(name or Path(given).name, path))
    for given in args.impl:
        name = Path(given).resolve().name
        adapters.append(Adapter(name, build_impl(given, name), source=given))
    try:
        return [Adapter(a.name, a.path, a.source,
                        *expectations(expectations_file(a, args.expected_failures)))
                for a in adapters]
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read the expected failures: {e}") from e


def expectations_file(adapter, given):
    """Where an adapter's known failures are listed: the file the user named (it must
    exist), a sample's sample.toml, or conformance/expected-failures/NAME.toml."""
    if given:
        if not Path(given).exists():
            raise FileNotFoundError(f"no expected-failures file {given}")
        return Path(given)
    if adapter.source and samples.is_sample(adapter.source):
        return Path(adapter.source) / "sample.toml"
    return expected_failures_file(adapter.name)


def shown(result, verbose):
    """What the terminal shows of a result: an expected failure, or a case about another start
    method, in one line (the write-up is in the matrix page; a run of every alternative
    printed thousands of lines of them)."""
    if result.verdict == Verdict.XFAIL and not verbose:
        return f"{result.text.splitlines()[0]}  expected: {result.reason}"
    if result.verdict == Verdict.NOT_APPLICABLE and not verbose:
        return f"{result.text.splitlines()[0]}  (the case is about another start method)"
    return result.text


def print_totals(results, many):
    count = {v: sum(1 for r in results if r.verdict == v) for v in Verdict}
    adapters = list(dict.fromkeys(r.adapter for r in results))
    if len(adapters) > 1:  # one adapter's weight means something; a sum of several, nothing
        for name in adapters:
            print(f"  {name}: " + totals_line([r for r in results if r.adapter == name]))
    elif count[Verdict.OPTIONAL] or many:
        earned = sum(r.case.weight for r in results if r.verdict == Verdict.PASS)
        weight = sum(r.case.weight for r in results)
        print(f"weight {earned}/{weight}, {count[Verdict.OPTIONAL]} MAY cases not met "
              "(not failures)")
    print(totals_line(results))


def totals_line(results):
    count = {v: sum(1 for r in results if r.verdict == v) for v in Verdict}
    xfail = f", {count[Verdict.XFAIL]} failed as expected" if count[Verdict.XFAIL] else ""
    harness = (f", {count[Verdict.HARNESS]} not judged (harness faults)"
               if count[Verdict.HARNESS] else "")
    other = (f", {count[Verdict.NOT_APPLICABLE]} not for this start method"
             if count[Verdict.NOT_APPLICABLE] else "")
    failed = sum(1 for r in results if r.verdict.is_failure)
    return f"{count[Verdict.PASS]} passed, {failed} failed{xfail}{harness}{other}"


def build_impl(given, name):
    """The driver built against an implementation or sample directory."""
    scratch = Path(os.environ.get("MPSPEC_IMPL_BUILD", ROOT / "build" / "impl")) / name
    print(f"mpspec: building the C++ driver against {given} in {scratch}", flush=True)
    try:
        impl_dir = build.implementation_dir(given, scratch)
    except (OSError, RuntimeError) as e:
        raise UsageError(f"cannot use {given}: {e}") from e
    built = build.build_driver(impl_dir, scratch / "build")
    if not built.ok:
        raise UsageError(f"{built.output[-4000:]}\n{given} does not build; the compiler's "
                         "output is above")
    return built.driver
