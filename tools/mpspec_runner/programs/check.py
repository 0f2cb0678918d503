"""Build the cases' programs and run them: each C++ program against a library, each Python
twin under an interpreter, every output judged by its case (judge.py).

The C++ programs are compiled as one translation unit, each in a namespace of its own, with
a main() that runs the one named on its command line: one compile of the shared headers
instead of one per case (about 2 s each here). Each program is still a complete program on
its own, as written to programs/cpp/ID.cpp beside it."""
import concurrent.futures
import os
import re
import signal
import subprocess

from ..sandbox.environment import clean_env
from . import cpp, python
from .cpp import HEADERS
from .judge import judge


def namespace(case_id):
    return "case_" + re.sub(r"\W", "_", case_id)


def write_programs(cases, folder):
    """Writes folder/cpp/ID.cpp and folder/python/ID.py for every case."""
    cpp.lay_out(cases)  # (one clang-format for all)
    for lang, writer, ext in (("cpp", cpp, "cpp"), ("python", python, "py")):
        (folder / lang).mkdir(parents=True, exist_ok=True)
        for case in cases:
            (folder / lang / f"{case.id}.{ext}").write_text(writer.write(case), encoding="utf-8")


def build_cpp(cases, folder, cxx, include, inputs, strict=False):
    """One executable that runs the C++ program named by its first argument, built with
    `inputs` (the library: its sources, or an archive); (path, None) or (None, the
    compiler's complaint). `strict`: warnings are errors (the programs' own test; a
    student's library is not held to it here)."""
    lines = [f"#include {h}" for h in HEADERS if h]
    for case in cases:
        lines += [f"namespace {namespace(case.id)} {{", f'#include "cpp/{case.id}.cpp"', "}"]
    lines += ["", "int main(int argc, char** argv) {",
              "  const std::string id = argc > 1 ? argv[1] : \"\";"]
    for case in cases:
        lines.append(f'  if (id == "{case.id}") return {namespace(case.id)}::main(argc - 1, argv + 1);')
    lines += ['  std::cerr << "no program " << id << "\\n";', "  return 2;", "}"]
    source = folder / "all_programs.cpp"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    exe = folder / "all_programs"
    r = subprocess.run([cxx, "-std=c++20", "-Wall", "-Wextra", *(["-Werror"] if strict else []),
                        "-I", str(include),
                        str(source), *map(str, inputs), "-o", str(exe), "-pthread"],
                       capture_output=True, text=True, cwd=folder, check=False)
    return (exe, None) if r.returncode == 0 else (None, r.stdout + r.stderr)


def run(cmd, unit, seconds):
    """(exit status, stdout, stderr) of a program run in a session of its own; whatever it
    leaves behind is killed with its process group. A run over `seconds` is killed: (None,
    ...)."""
    env = dict(clean_env(), MPSPEC_TIME_UNIT=str(unit))  # no PYTHONUNBUFFERED of the caller's
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True, errors="replace")
    try:
        out, err = proc.communicate(timeout=seconds)
        status = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        status = None
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return status, out, err


def check_one(case, cmd, unit):
    """[what failed] of one run of a case's program: empty when it did what the case says."""
    seconds = case.timeout_units() * unit
    status, out, err = run(cmd, unit, seconds)
    if status is None:
        return [f"did not end within {seconds:.0f} s"]
    failed = [c for c in judge(case, status, out, err) if not c.ok]
    return [f"{c.name}: expected {c.expected}, got {c.observed}" for c in failed]


def check_all(cases, commands, unit, jobs=4):
    """{(case id, what ran): [what failed]} for the runs that failed; `commands(case)` gives
    [(what, command)] for a case."""
    runs = [(case, what, cmd) for case in cases for what, cmd in commands(case)]
    failures = {}
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        futures = {pool.submit(check_one, case, cmd, unit): (case.id, what)
                   for case, what, cmd in runs}
        for future in concurrent.futures.as_completed(futures):
            problems = future.result()
            if problems:
                failures[futures[future]] = problems
    return failures


def runs(exe, folder, python, cpp_methods, python_methods):
    """`commands(case)` for check_all: the case's C++ program (in the executable `exe`) with
    each of `cpp_methods` it is about, and its Python twin (under `python`) with each of
    `python_methods` it is about."""
    def commands(case):
        return ([(f"C++ {m}", [str(exe), case.id, m]) for m in methods_of(case, cpp_methods)]
                + [(f"Python {m}", [python, str(folder / "python" / f"{case.id}.py"), m])
                   for m in methods_of(case, python_methods)])
    return commands


def methods_of(case, wanted):
    """The start methods of `wanted` the case is about (its start_methods, or all)."""
    return [m for m in wanted if m in case.data.get("start_methods", wanted)]
