"""mpspec: the project's one command line (`tools/mpspec`).

  tools/mpspec run      set up, build, and run the main job: the seed's examples, then the
                        conformance matrix (every case on the reference and on CPython, each
                        with fork, spawn and forkserver, and on PyPy, billiard and multiprocess),
                        written to out/matrix/
  tools/mpspec matrix   only the conformance matrix (--python PY adds an interpreter's columns,
                        --impl DIR a student's)
  tools/mpspec test     build and run every test: all CTest labels, then unit, examples and
                        the reference's conformance cases (all three start methods) again
                        under AddressSanitizer + UndefinedBehaviorSanitizer
  tools/mpspec setup    install the Debian packages of tools/debian-packages.txt that are missing
  tools/mpspec build    configure and build one CMake preset
  tools/mpspec grade    grade student submissions: score, feedback.md, Gradescope JSON, JUnit
  tools/mpspec export   write an autograder bundle for Gradescope or PrairieLearn
  tools/mpspec coverage clauses of API.md and the seed to the cases that test them, and the
                        clauses no case tests (spec/clauses.toml)
  tools/mpspec program  a case as a standalone C++ program (only mp/process.hpp) and its
                        Python twin; --check builds, runs and judges every one
  tools/mpspec book     the spec as a static site (out/book/): every case with its programs,
                        expectations and verdicts, the clause index, the samples, the docs
  tools/mpspec mutate   mutants of an implementation, each run on every case: which the suite
                        kills, which survive (out/mutate/report.md)
  tools/mpspec bench    run the benchmarks and write the report (tools/bench_report.py)

Standard library only (argparse): the harness must run on a machine with no PyPI.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..book.build import build as build_book
from ..checkout import DRIVERS, ROOT
from ..matrix.markdown import summary
from ..matrix.results import merge
from ..matrix.write import write
from . import bench_grading, book, coverage, export, grade, mutate, program

PACKAGES = ROOT / "tools" / "debian-packages.txt"


def say(message: str) -> None:
    print(f"mpspec: {message}", flush=True)


def run(cmd: list[str], **kwargs) -> None:
    say("$ " + " ".join(cmd))
    result = subprocess.run(cmd, cwd=ROOT, **kwargs)
    if result.returncode != 0:
        say(f"failed ({result.returncode}): {' '.join(cmd)}")
        sys.exit(result.returncode)


def wanted_packages() -> list[str]:
    lines = PACKAGES.read_text().splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def missing_packages(names: list[str]) -> list[str]:
    if shutil.which("dpkg-query") is None:
        return []
    missing = []
    for name in names:
        probe = subprocess.run(["dpkg-query", "-W", "-f=${Status}", name],
                               capture_output=True, text=True)
        if "install ok installed" not in probe.stdout:
            missing.append(name)
    return missing


def cmd_setup(_args: argparse.Namespace) -> None:
    missing = missing_packages(wanted_packages())
    if not missing:
        say("setup: every Debian package in tools/debian-packages.txt is installed")
        return
    if os.geteuid() != 0:
        say("setup: these packages are missing; install them as root: " + " ".join(missing))
        sys.exit(1)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(["apt-get", "update", "-q"], env=env)
    run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing], env=env)


def jobs() -> str:
    return str(max(1, os.cpu_count() or 1))


def build(preset: str) -> None:
    env = dict(os.environ)
    if os.environ.get("CI"):
        env["MP_WERROR"] = "ON"  # warnings fail CI, not a newcomer's first build
    run(["cmake", "--preset", preset], env=env)
    run(["cmake", "--build", "--preset", preset, "-j", jobs()])


def cmd_build(args: argparse.Namespace) -> None:
    build(args.preset)


def ctest(preset: str, *extra: str, parallel: str | None = None) -> None:
    run(["ctest", "--preset", preset, "-j", parallel or jobs(), *extra])


def tests_beside_each_other() -> str:
    """One test more than cores: the tests wait a fifth of their time (cases' sleeps and
    timeouts, traced children's stops, builds' I/O), and at one per core CI's plain pass kept
    the cores 80 % busy (53.8 CPU-minutes in 33.8 minutes on 2 cores)."""
    return str(int(jobs()) + 1)


def cmd_run(args: argparse.Namespace) -> None:
    if not args.no_setup:
        cmd_setup(args)
    build("default")
    bindir = ROOT / "build" / "default" / "reference" / "examples"
    run([sys.executable, str(ROOT / "reference" / "examples" / "check_example.py"),
         "--all", str(bindir)])
    cmd_matrix(args)


CPYTHON_ADAPTERS = ("cpython-fork", "cpython-spawn", "cpython-forkserver")
REFERENCE_ADAPTERS = ("reference", "reference-spawn", "reference-forkserver")
PYTHON_DRIVERS = DRIVERS / "cpython"


def python_label(python: str) -> str:
    """The interpreter's full version for a column name: 3.11.7, or pypy3.9.16."""
    probe = subprocess.run([python, "-c", "import platform as p; print("
                            "('' if p.python_implementation() == 'CPython' else "
                            "p.python_implementation().lower()) + p.python_version())"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        say(f"matrix: cannot run {python}")
        sys.exit(2)
    return probe.stdout.strip()


def alternatives() -> list[str]:
    """The declared adapters of other implementations (PyPy, billiard, multiprocess: see
    conformance/drivers/cpython/README.md) whose interpreter and module are installed: each
    answers `--version` only then."""
    found = []
    for script in sorted(PYTHON_DRIVERS.iterdir()):
        if script.name in CPYTHON_ADAPTERS or not script.is_file() or script.suffix \
                or not os.access(script, os.X_OK):
            continue
        probe = subprocess.run([str(script), "--version"], capture_output=True, text=True)
        if probe.returncode == 0:
            found.append(script.name)
        else:
            say(f"matrix: {script.name} is not installed here (tools/mpspec setup installs it)")
    return found


def pyenv_pythons() -> list[str]:
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    return [str(p) for p in sorted(root.glob("*/bin/python3")) if os.access(p, os.X_OK)]


def cmd_matrix(args: argparse.Namespace) -> None:
    out = (ROOT / args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    runner = [sys.executable, str(ROOT / "tools" / "run_case.py"), "--all"]
    # One runner per interpreter, since --python applies to every cpython-* adapter of a run;
    # the oracle stays the machine's python3 whatever --python is.
    main = [*REFERENCE_ADAPTERS, *CPYTHON_ADAPTERS,
            *(alternatives() if args.all else [])]
    groups = [([a for n in main for a in ("--adapter", n)], out / "results-main.json")]
    for python in [*args.python, *(pyenv_pythons() if args.all_pyenv else [])]:
        version = python_label(python)
        named = [a for n in CPYTHON_ADAPTERS
                 for a in ("--adapter", f"{n}@{version}=conformance/drivers/cpython/{n}")]
        groups.append(([*named, "--python", python], out / f"results-{version}.json"))
    for i, impl in enumerate(args.impl):
        groups.append((["--impl", impl], out / f"results-impl-{i}.json"))
    failed = False
    for adapters, results in groups:
        say("$ " + " ".join([*runner, *adapters, "--results", str(results)]))
        code = subprocess.run([*runner, *adapters, "--results", str(results)], cwd=ROOT).returncode
        failed |= code != 0
    merged = merge([json.loads(r.read_text()) for _, r in groups if r.exists()])
    (out / "results.json").write_text(json.dumps(merged, indent=1))
    md, html = write(merged, out)
    print("\n" + summary(merged), flush=True)
    say(f"matrix: {md} and {html}")
    pages, broken = build_book(out.parent / "book", out / "results.json")
    say(f"book: {out.parent / 'book' / 'index.html'} ({len(pages)} pages"
        + (f"; {len(broken)} broken links: tools/mpspec book names them)" if broken else ")"))
    if failed:
        say("matrix: some cases failed; their details are in the page and above")
        sys.exit(1)


# Commands with options of their own: what follows the command's name goes to its main().
PASSED_ON = {
    "grade": (grade.main, "grade student submissions"),
    "export": (export.main, "write an autograder for Gradescope or PrairieLearn, or a student kit"),
    "coverage": (coverage.main, "clauses of API.md and the seed to the cases that test them"),
    "program": (program.main, "a case as a standalone C++ program and its Python twin"),
    "book": (book.main, "write the spec as a book: out/book/"),
    "mutate": (mutate.main, "measure the suite by the mutants of an implementation it kills"),
}


def passed_on(args: argparse.Namespace) -> None:
    sys.exit(PASSED_ON[args.command][0](args.rest))


def cmd_test(args: argparse.Namespace) -> None:
    if not args.no_setup:
        cmd_setup(args)
    build("default")
    ctest("default", parallel=tests_beside_each_other())
    if args.quick:
        return
    build("asan")
    # The sanitizer build's own code: the reference, its examples and driver. The harness's
    # Python tests and the case lint read no build, and ran above (40 s again in CI).
    ctest("asan", "-L", "^(unit|examples|adapter:reference(-spawn|-forkserver)?)$",
          "-E", "^(tools/unittest|spec/lint)$")


def cmd_bench(args: argparse.Namespace) -> None:
    if args.rest[:1] == ["grading"]:
        sys.exit(bench_grading.main(args.rest[1:]))
    run([sys.executable, str(ROOT / "tools" / "bench_report.py"), *args.rest])


def matrix_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--python", action="append", default=[],
                   help="another interpreter whose fork/spawn/forkserver columns to add")
    p.add_argument("--all-pyenv", action="store_true",
                   help="add the columns of every CPython that pyenv has installed")
    p.add_argument("--impl", action="append", default=[], metavar="DIR",
                   help="add a column for an implementation directory (a student's, in the "
                        "layout of shared/API.md), built against the C++ driver; repeatable")
    p.add_argument("--all", action="store_true",
                   help="add the alternatives' columns: PyPy, billiard and multiprocess, each "
                        "with the three start methods (about 45 minutes more on 2 cores)")
    p.add_argument("--out", default="out/matrix", help="where the matrix goes (default out/matrix)")


def main() -> None:
    parser = argparse.ArgumentParser(prog="mpspec", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="set up, build and run the main job")
    p.add_argument("--no-setup", action="store_true", help="skip the Debian package check")
    matrix_options(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("matrix", help="run every case on every adapter; write out/matrix/")
    matrix_options(p)
    p.set_defaults(func=cmd_matrix)

    for name, (_, what) in PASSED_ON.items():
        p = sub.add_parser(name, add_help=False, help=f"{what} (tools/mpspec {name} --help)")
        p.set_defaults(func=passed_on)

    p = sub.add_parser("test", help="build and run every test (as CI does)")
    p.add_argument("--no-setup", action="store_true", help="skip the Debian package check")
    p.add_argument("--quick", action="store_true", help="skip the sanitizer build")
    p.set_defaults(func=cmd_test)

    p = sub.add_parser("setup", help="install missing Debian packages")
    p.set_defaults(func=cmd_setup)

    p = sub.add_parser("build", help="configure and build a CMake preset")
    p.add_argument("--preset", default="default", choices=["default", "debug", "asan"])
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("bench", add_help=False, help="run the benchmarks and write the report; other options "
                                      "go to tools/bench_report.py (--profile, --impl, ...); "
                                      "`bench grading` times the grader, CTest and the main job")
    p.set_defaults(func=cmd_bench)

    # The bench command passes what it does not know to bench_report.py; the others reject it.
    args, rest = parser.parse_known_args()
    if rest and args.command != "bench" and args.command not in PASSED_ON:
        parser.error("unrecognized arguments: " + " ".join(rest))
    args.rest = rest
    args.func(args)

