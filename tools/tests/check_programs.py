#!/usr/bin/env python3
"""Every case as a standalone program (CTest `conformance/programs`; tools/mpspec program):
each case's C++ program builds against the reference and does what its case says with fork,
spawn and forkserver, and so does its Python twin under CPython (the oracle) with fork (the
twins under spawn and forkserver pass too, `tools/mpspec program --check`, but double this
test's time); and the programs see bugs: built against single-bug samples, the programs of
the cases each sample is written to fail do fail.

    check_programs.py --library LIBMP.a [--cxx C++] [--python PY]
"""
import argparse
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from mpspec_runner.checkout import REFERENCE, SAMPLES, SPEC  # noqa: E402
from mpspec_runner.grading import samples  # noqa: E402
from mpspec_runner.programs import check  # noqa: E402
from mpspec_runner.sandbox.calibrate import calibrate  # noqa: E402
from mpspec_runner.spec import cases as casemod  # noqa: E402

METHODS = ["fork", "spawn", "forkserver"]
# Samples whose bug a program must show, and the case of each whose program must then fail:
# the two sentences of API.md that single-bug submissions broke unseen for two rounds
# (issue 22). Each is built from its sources (about 20 s), so two, not all.
SAMPLES_SEEN = {
    "child-exit-runs-atexit": ["beyond.child-runs-no-exit-handler"],
    # its other case fails on a timing the harness measures, which a program does not print
    "exit-rules-only-on-return": ["daemon.child-error-terminates-its-daemon"],
}


def reference_runs(cases, folder, args, unit):
    exe, complaint = check.build_cpp(cases, folder, args.cxx, REFERENCE / "include",
                                     [Path(args.library).resolve()], strict=True)
    if exe is None:
        return [f"the C++ programs do not build against the reference:\n{complaint}"]

    commands = check.runs(exe, folder, args.python, METHODS, ["fork"])
    failures = check.check_all(cases, commands, unit)
    runs = sum(len(commands(c)) for c in cases)
    print(f"{runs - len(failures)} of {runs} runs of {len(cases)} cases' programs did what "
          f"their case says (C++ against the reference, Python under {args.python}; unit {unit} s)")
    return [f"{case_id} ({what}): " + "; ".join(problems)
            for (case_id, what), problems in sorted(failures.items())]


def sample_inputs(sample, impl, library):
    """What a sample's library is built from: the source files its bug.patch changes, before
    the reference's archive (whose members for those files the linker then leaves out), or
    every source when the patch changes a header."""
    touched = [line.split("/", 1)[1].strip() for line in
               (sample / "bug.patch").read_text(encoding="utf-8").splitlines()
               if line.startswith("+++ b/")]
    if touched and all(t.startswith("src/") and t.endswith(".cpp") for t in touched):
        return [impl / t for t in touched] + [Path(library).resolve()]
    return sorted((impl / "src").glob("*.cpp"))


def sample_runs(by_id, root, args, unit):
    problems = []
    for name, wanted in SAMPLES_SEEN.items():
        meta = tomllib.loads((SAMPLES / name / "sample.toml").read_text(encoding="utf-8"))
        cases = [by_id[i] for i in wanted]
        folder = root / name
        impl = samples.materialize(SAMPLES / name, folder / "impl")
        check.write_programs(cases, folder)
        exe, complaint = check.build_cpp(cases, folder, args.cxx, impl / "include",
                                         sample_inputs(SAMPLES / name, impl, args.library))
        if exe is None:
            problems.append(f"sample {name}: the programs do not build:\n{complaint}")
            continue
        failures = check.check_all(cases, check.runs(exe, folder, args.python, ["fork"], []), unit)
        unseen = [c.id for c in cases if (c.id, "C++ fork") not in failures]
        print(f"sample {name} ({meta['bug']}): {len(cases) - len(unseen)} of {len(cases)} "
              "programs fail, as its sample.toml says")
        problems += [f"sample {name}: the program of {i} does what the case says, though the "
                     "sample's bug breaks it" for i in unseen]
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--library", required=True, help="the reference's built library (libmp_reference.a)")
    ap.add_argument("--cxx", default="g++")
    ap.add_argument("--python", default=sys.executable)
    args = ap.parse_args()
    cases = [casemod.load(p) for p in casemod.discover([SPEC])]
    unit = calibrate()
    with tempfile.TemporaryDirectory(prefix="mpspec-programs-") as tmp:
        folder = Path(tmp)
        check.write_programs(cases, folder)
        problems = reference_runs(cases, folder, args, unit)
        problems += sample_runs({c.id: c for c in cases}, folder / "samples", args, unit)
    for p in problems:
        print("FAIL", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
