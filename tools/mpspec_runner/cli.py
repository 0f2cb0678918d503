"""The command line: run cases on an adapter, print verdicts, end with "N passed, N failed"."""
import argparse
import concurrent.futures
import datetime
import json
import os
import shlex
import sys
import textwrap
import tomllib
from pathlib import Path

from . import build
from . import cases as casemod
from . import execute
from . import samples
from .judge import Judge, show

ORACLE = "cpython-fork"
IMPLS = {}  # adapter name -> the --impl directory it was built from, for reproduce lines


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
    ap.add_argument("--list", action="store_true",
                    help="print id, section, level and file of each case, tab-separated")
    ap.add_argument("--all", action="store_true", help="every case under spec/")
    ap.add_argument("--lint", action="store_true", help="check every case file against spec/vocabulary.toml")
    ap.add_argument("--python", help="interpreter for the cpython-* adapters (default: python3)")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="cases run in parallel (default 2)")
    ap.add_argument("-k", dest="keyword", help="only cases whose id or path contains this")
    ap.add_argument("--oracle", default=ORACLE, help=f"adapter shown as 'what CPython did' (default {ORACLE})")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every check and the raw output")
    return ap.parse_args(argv)


def main(argv):
    args = parse(argv)
    paths = args.paths or ([str(casemod.SPEC)] if args.all or args.lint else [])
    if not paths:
        print("nothing to run: name case files or folders, or --all", file=sys.stderr)
        return 2
    loaded, problems = [], []
    for f in casemod.discover(paths):
        try:
            loaded.append(casemod.load(f))
        except Exception as e:  # noqa: BLE001 - a broken file is a lint finding
            problems.append(f"{f}: cannot read: {e}")
    if args.keyword:
        loaded = [c for c in loaded if args.keyword in c.id or args.keyword in c.rel]
    problems += casemod.lint(loaded)
    if args.lint:
        for p in problems:
            print(p)
        print(f"{len(loaded)} case files, {len(problems)} problems")
        return 1 if problems else 0
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        print("the cases do not pass the lint; fix them first (--lint)", file=sys.stderr)
        return 2
    if args.list:
        for c in loaded:
            print(f"{c.id}\t{c.data.get('section', '')}\t{c.level}\t{c.rel}")
        return 0
    adapters = []
    for spec in args.adapter or ([] if args.impl else [ORACLE]):
        name, _, given = spec.partition("=") if "=" in spec else (None, None, spec)
        path = execute.find_adapter(given)
        if path is None:
            print(f"no adapter {given!r} (looked in {execute.DRIVERS}/*/)", file=sys.stderr)
            return 2
        adapters.append((name or Path(given).name, path))
    for given in args.impl:
        name = Path(given).resolve().name
        built = build_impl(given, name)
        if built is None:
            return 2
        adapters.append((name, built))
        IMPLS[name] = given
    execute.no_core_dumps()
    unit = execute.calibrate(args.python)
    print(f"mpspec: {len(loaded)} cases, adapters {', '.join(n for n, _ in adapters)}, "
          f"1 unit = {unit:.3f} s, isolation {execute.isolation()}, {args.jobs} jobs", flush=True)
    totals = {"pass": 0, "fail": 0, "optional": 0, "xfail": 0, "weight": 0, "earned": 0}
    records = []
    for name, path in adapters:
        known = expected_failures(args.expected_failures, name)
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = [pool.submit(run_one, c, name, path, unit, args, known) for c in loaded]
            for fut in concurrent.futures.as_completed(futures):
                verdict, case, text, seconds = fut.result()
                print(text, flush=True)
                records.append({"case": case.id, "adapter": name, "verdict": verdict,
                                "seconds": round(seconds, 3),
                                "details": "" if verdict == "PASS" else text})
                totals["weight"] += case.weight
                if verdict == "PASS":
                    totals["pass"] += 1
                    totals["earned"] += case.weight
                elif verdict == "OPTIONAL":
                    totals["optional"] += 1
                elif verdict == "XFAIL":
                    totals["xfail"] += 1
                else:
                    totals["fail"] += 1
    if args.results:
        write_results(args.results, loaded, adapters, records, unit)
    if totals["optional"] or len(adapters) > 1 or len(loaded) > 1:
        print(f"weight {totals['earned']}/{totals['weight']}, "
              f"{totals['optional']} MAY cases not met (not failures)")
    xfail = f", {totals['xfail']} failed as expected" if totals["xfail"] else ""
    print(f"{totals['pass']} passed, {totals['fail']} failed{xfail}")
    return 1 if totals["fail"] else 0


def build_impl(given, name):
    """The driver built against an implementation or sample directory, or None (reported)."""
    scratch = Path(os.environ.get("MPSPEC_IMPL_BUILD", casemod.ROOT / "build" / "impl")) / name
    print(f"mpspec: building the C++ driver against {given} in {scratch}", flush=True)
    try:
        impl_dir = build.implementation_dir(given, scratch)
    except (OSError, RuntimeError) as e:
        print(f"cannot use {given}: {e}", file=sys.stderr)
        return None
    built = build.build_driver(impl_dir, scratch / "build")
    if not built.ok:
        print(built.output[-4000:], file=sys.stderr)
        print(f"{given} does not build; the compiler's output is above", file=sys.stderr)
        return None
    return built.driver


def expected_failures(given, adapter_name):
    """{case id: reason} an adapter is known to fail: kept outside the cases, per adapter (or,
    for a sample, in its sample.toml)."""
    sample_meta = Path(IMPLS.get(adapter_name, "/nonexistent")) / "sample.toml"
    path = Path(given) if given else (
        sample_meta if sample_meta.exists()
        else execute.DRIVERS.parent / "expected-failures" / f"{adapter_name}.toml")
    if not path.exists():
        if given:
            raise SystemExit(f"no expected-failures file {given}")
        return {}
    return tomllib.loads(path.read_text(encoding="utf-8")).get("expected_failures", {})


def write_results(path, loaded, adapters, records, unit):
    cases = [{"id": c.id, "section": c.data.get("section", ""), "level": c.level,
              "weight": c.weight, "claim": c.data.get("claim", ""), "rel": c.rel,
              "example": c.data.get("example", "")} for c in loaded]
    data = {"unit": unit, "isolation": execute.isolation(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "adapters": [{"name": n, "path": str(p)} for n, p in adapters],
            "cases": cases, "results": records}
    Path(path).write_text(json.dumps(data, indent=1), encoding="utf-8")


def run_one(case, adapter_name, adapter_path, unit, args, known=None):
    obs = execute.play(case, adapter_path, unit, args.python,
                       getattr(args, "sandbox", execute.DEFAULT_SANDBOX))
    checks = Judge(case, obs, unit).run() if obs.outcome == "ran" else []
    if getattr(args, "observations", None) is not None:
        args.observations[case.id] = (obs, checks)
    failed = [c for c in checks if not c.ok]
    if obs.outcome == "ran" and not failed:
        verdict = "PASS"
    elif obs.outcome == "ran" and case.level == "MAY":
        verdict = "OPTIONAL"
    else:
        verdict = {"ran": "FAIL", "timeout": "TIMEOUT", "unsupported": "UNSUPPORTED"}.get(obs.outcome, "ERROR")
    if known and case.id in known:
        verdict = "XPASS" if verdict == "PASS" else "XFAIL"
    head = f"{verdict:<8} {case.id}  [{adapter_name}]  {obs.seconds:.1f}s"
    if verdict == "XPASS":
        head += (f"\n  unexpected pass: the case is listed as an expected failure "
                 f"({known[case.id]}); remove it from the list")
    if verdict in ("PASS", "XPASS") and not args.verbose:
        return verdict, case, head, obs.seconds
    lines = [head, *explain(case, obs, checks, args.verbose)]
    if verdict == "XFAIL":
        lines.insert(1, f"  expected failure: {known[case.id]}")
    if verdict not in ("PASS", "XPASS"):
        lines += oracle_lines(case, adapter_name, unit, args, failed)
        lines.append("  reproduce: " + reproduce(case, adapter_name, adapter_path, unit, args))
    return verdict, case, "\n".join(lines), obs.seconds


def explain(case, obs, checks, verbose):
    d = case.data
    out = [f"  claim:    {d.get('claim', '')} ({case.level}, weight {case.weight}, {case.rel})"]
    if d.get("quote"):
        out.append(f"  seed:     \"{' '.join(d['quote'].split())}\"" + (f" ({d['example']})" if d.get("example") else ""))
    elif d.get("example"):
        out.append(f"  seed:     {d['example']}")
    if d.get("note"):
        out.append(f"  note:     {d['note']}")
    if obs.note:
        out.append(f"  outcome:  {obs.outcome}: {obs.note}")
    shown = checks if verbose else [c for c in checks if not c.ok]
    if shown:
        out.append(f"  {'check':<34} {'expected':<44} observed")
        for c in shown:
            exp, got = fmt(c.expected), fmt(c.observed)
            mark = "  " if c.ok else "✗ "
            first = True
            for e_line, o_line in zip_longest(exp, got):
                label = (mark + c.name) if first else ""
                out.append(f"  {label:<34} {e_line:<44} {o_line}")
                first = False
    if verbose or obs.outcome != "ran":
        out.append("  stdout:   " + brief(obs.stdout, verbose))
        out.append("  stderr:   " + brief(obs.stderr, verbose))
    if verbose:
        for ev in obs.trace:
            out.append(f"  trace:    {ev}")
        out.append(f"  report:   {obs.report}")
    return out


def brief(lines, verbose=False, most=12, width=1000):
    """Output lines joined for one row of the report: a flood must not become the report."""
    if verbose:
        return " | ".join(lines) or "(nothing)"
    text = " | ".join(lines[:most])
    if len(text) > width:
        text = text[:width] + "…"
    more = f" … ({len(lines) - most} more lines)" if len(lines) > most else ""
    return (text + more) or "(nothing)"


def fmt(value):
    if isinstance(value, list):
        return [show(v) for v in value] or ["(nothing)"]
    return textwrap.wrap(show(value), 100) or [""]


def zip_longest(a, b):
    n = max(len(a), len(b))
    return [(a[i] if i < len(a) else "", b[i] if i < len(b) else "") for i in range(n)]


def oracle_lines(case, adapter_name, unit, args, failed):
    if adapter_name.startswith("cpython-"):
        return [f"  CPython:  this adapter is CPython itself ({args.python or 'python3'}); "
                "if CPython disagrees with the case, the case is wrong"]
    path = execute.find_adapter(args.oracle)
    if path is None:
        return []
    obs = execute.play(case, path, unit, args.python)
    if obs.outcome != "ran":
        return [f"  CPython:  ({args.oracle}) {obs.outcome}: {obs.note}"]
    checks = Judge(case, obs, unit).run()
    if not failed:  # the run did not get as far as checks: say what CPython's run did
        verdict = "passes" if all(c.ok for c in checks) else "fails"
        return [f"  CPython ({args.oracle}) {verdict} this case; its stdout: {brief(obs.stdout)}"]
    by_name = {c.name: c for c in checks}
    out = [f"  CPython ({args.oracle}) observed:"]
    for c in failed:
        o = by_name.get(c.name)
        out.append(f"    {c.name:<32} {show(o.observed) if o else '(no such check)'}")
    return out


def reproduce(case, adapter_name, adapter_path, unit, args):
    named = execute.find_adapter(adapter_name) == adapter_path
    if adapter_name in IMPLS:
        cmd = ["python3", "tools/run_case.py", "--impl", IMPLS[adapter_name]]
    else:
        cmd = ["python3", "tools/run_case.py", "--adapter",
               adapter_name if named else f"{adapter_name}={adapter_path}"]
    if args.python:
        cmd += ["--python", args.python]
    cmd.append(case.rel)
    return f"MPSPEC_TIME_UNIT={unit:.3f} " + " ".join(shlex.quote(c) for c in cmd)
