"""The command line: run cases on an adapter, print verdicts, end with "N passed, N failed"."""
import argparse
import concurrent.futures
import os
import shlex
import sys
import textwrap

from . import cases as casemod
from . import execute
from .judge import Judge, show

ORACLE = "cpython-fork"


def parse(argv):
    ap = argparse.ArgumentParser(prog="tools/run_case.py", description=__doc__)
    ap.add_argument("paths", nargs="*", help="case files or folders (default with --all: spec/)")
    ap.add_argument("--adapter", action="append", default=[],
                    help="adapter name (conformance/drivers/*/NAME) or path; repeatable")
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
    adapters = args.adapter or [ORACLE]
    execute.no_core_dumps()
    unit = execute.calibrate(args.python)
    print(f"mpspec: {len(loaded)} cases, adapters {', '.join(adapters)}, 1 unit = {unit:.3f} s, "
          f"isolation {execute.isolation()}, {args.jobs} jobs", flush=True)
    totals = {"pass": 0, "fail": 0, "optional": 0, "weight": 0, "earned": 0}
    for name in adapters:
        path = execute.find_adapter(name)
        if path is None:
            print(f"no adapter {name!r} (looked in {execute.DRIVERS}/*/)", file=sys.stderr)
            return 2
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = [pool.submit(run_one, c, name, path, unit, args) for c in loaded]
            for fut in concurrent.futures.as_completed(futures):
                verdict, case, text = fut.result()
                print(text, flush=True)
                totals["weight"] += case.weight
                if verdict == "PASS":
                    totals["pass"] += 1
                    totals["earned"] += case.weight
                elif verdict == "OPTIONAL":
                    totals["optional"] += 1
                else:
                    totals["fail"] += 1
    if totals["optional"] or len(adapters) > 1 or len(loaded) > 1:
        print(f"weight {totals['earned']}/{totals['weight']}, "
              f"{totals['optional']} MAY cases not met (not failures)")
    print(f"{totals['pass']} passed, {totals['fail']} failed")
    return 1 if totals["fail"] else 0


def run_one(case, adapter_name, adapter_path, unit, args):
    obs = execute.play(case, adapter_path, unit, args.python)
    checks = Judge(case, obs, unit).run() if obs.outcome == "ran" else []
    failed = [c for c in checks if not c.ok]
    if obs.outcome == "ran" and not failed:
        verdict = "PASS"
    elif obs.outcome == "ran" and case.level == "MAY":
        verdict = "OPTIONAL"
    else:
        verdict = {"ran": "FAIL", "timeout": "TIMEOUT", "unsupported": "UNSUPPORTED"}.get(obs.outcome, "ERROR")
    head = f"{verdict:<8} {case.id}  [{adapter_name}]  {obs.seconds:.1f}s"
    if verdict == "PASS" and not args.verbose:
        return verdict, case, head
    lines = [head, *explain(case, obs, checks, args.verbose)]
    if verdict != "PASS":
        lines += oracle_lines(case, adapter_name, unit, args, failed)
        lines.append("  reproduce: " + reproduce(case, adapter_name, unit, args))
    return verdict, case, "\n".join(lines)


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
        out.append("  stdout:   " + (" | ".join(obs.stdout) or "(nothing)"))
        out.append("  stderr:   " + (" | ".join(obs.stderr[-12:]) or "(nothing)"))
    if verbose:
        for ev in obs.trace:
            out.append(f"  trace:    {ev}")
        out.append(f"  report:   {obs.report}")
    return out


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
    by_name = {c.name: c for c in Judge(case, obs, unit).run()}
    out = [f"  CPython ({args.oracle}) observed:"]
    for c in failed:
        o = by_name.get(c.name)
        out.append(f"    {c.name:<32} {show(o.observed) if o else '(no such check)'}")
    return out


def reproduce(case, adapter_name, unit, args):
    cmd = ["python3", "tools/run_case.py", "--adapter", adapter_name]
    if args.python:
        cmd += ["--python", args.python]
    cmd.append(case.rel)
    return f"MPSPEC_TIME_UNIT={unit:.3f} " + " ".join(shlex.quote(c) for c in cmd)
