"""`tools/mpspec program`: a case as a standalone program, in C++ (only mp/process.hpp) or
as its CPython twin, to read, to compile against a library and to run without the harness.

  tools/mpspec program join.timeout-seed             the C++ program, on stdout
  tools/mpspec program join.timeout-seed --python    its Python twin
  tools/mpspec program --out DIR [CASE ...]          both, for every case (or those named),
                                                     as DIR/cpp/ID.cpp and DIR/python/ID.py
  tools/mpspec program --check [--impl DIR] [CASE ...]
        build every C++ program against the reference (or DIR's include/ and src/), run it
        with fork, spawn and forkserver, run every Python twin under CPython, and judge each
        output by its case; exits 1 when one does not do what its case says

A program prints the case's own lines, and each result the case checks as `=> label = value`
on stderr. Timings and the kernel's record (a process left behind) are the harness's: a
program's output does not show them, so --check does not judge them.
"""
import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from ..checkout import REFERENCE, SPEC
from ..programs import check, cpp, python
from ..programs.shape import CaseShapeError
from ..sandbox.calibrate import calibrate
from ..sandbox.environment import interpreter
from ..spec import cases as casemod

METHODS = ["fork", "spawn", "forkserver"]


def pick(ids):
    cases = [casemod.load(p) for p in casemod.discover([SPEC])]
    if not ids:
        return cases
    by_id = {c.id: c for c in cases}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        sys.exit(f"tools/mpspec program: no case {', '.join(unknown)} (see spec/)")
    return [by_id[i] for i in ids]


def run_check(cases, impl, cxx, methods, jobs):
    """Builds and runs every program; prints what failed; 0 when none did."""
    if not (impl / "include" / "mp" / "process.hpp").is_file():
        print(f"tools/mpspec program: {impl} holds no include/mp/process.hpp: name your "
              "implementation's folder with --impl", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="mpspec-programs-") as tmp:
        folder = Path(tmp)
        check.write_programs(cases, folder)
        sources = sorted(str(p) for p in (impl / "src").glob("*.cpp"))
        exe, complaint = check.build_cpp(cases, folder, cxx, impl / "include", sources)
        if exe is None:
            print(f"the programs do not build against {impl}:\n{complaint}", file=sys.stderr)
            return 1
        unit = calibrate()
        commands = check.runs(exe, folder, interpreter(), methods, methods)
        failures = check.check_all(cases, commands, unit, jobs)
        runs = sum(len(commands(c)) for c in cases)
        for (case_id, what), problems in sorted(failures.items()):
            print(f"FAIL {case_id} ({what}): `tools/mpspec program {case_id}"
                  f"{' --python' if what.startswith('Python') else ''}` shows the program")
            for p in problems:
                print(f"    {p}")
        print(f"{runs - len(failures)} of {runs} runs did what their case says "
              f"({len(cases)} cases, unit {unit} s)")
        return 1 if failures else 0


def main(argv):
    ap = argparse.ArgumentParser(prog="tools/mpspec program", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cases", nargs="*", metavar="CASE", help="case ids (default: every case)")
    ap.add_argument("--python", action="store_true", help="the Python twin, not the C++ program")
    ap.add_argument("--out", metavar="DIR", help="write both programs of each case under DIR")
    ap.add_argument("--check", action="store_true", help="build, run and judge every program")
    ap.add_argument("--impl", metavar="DIR", default=str(REFERENCE),
                    help="with --check: the implementation (include/ and src/; default: the reference)")
    ap.add_argument("--cxx", default=shutil.which("g++") or "c++", help="with --check: the compiler")
    ap.add_argument("--methods", default=",".join(METHODS),
                    help="with --check: start methods, comma-separated (default: all three)")
    ap.add_argument("-j", "--jobs", type=int, default=4, help="with --check: programs at a time")
    args = ap.parse_args(argv)
    try:
        if args.check:
            return run_check(pick(args.cases), Path(args.impl).resolve(), args.cxx,
                             args.methods.split(","), args.jobs)
        if args.out:
            cases = pick(args.cases)
            check.write_programs(cases, Path(args.out))
            print(f"wrote {len(cases)} C++ programs to {Path(args.out) / 'cpp'} and their "
                  f"Python twins to {Path(args.out) / 'python'}")
            return 0
        if len(args.cases) != 1:
            ap.error("name one case (or use --out DIR for several)")
        case = pick(args.cases)[0]
        print((python if args.python else cpp).write(case), end="")
        return 0
    except CaseShapeError as e:
        print(f"tools/mpspec program: {e}", file=sys.stderr)
        return 1
