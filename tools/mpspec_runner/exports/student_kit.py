"""`tools/mpspec export student-kit`: what an instructor hands a class.

    tools/mpspec export student-kit [--out DIR] [--rubric FILE]

DIR (default out/export/student-kit/) holds:
  README.md     what the kit is and the one command
  check         `./check [FOLDER]` grades FOLDER (default submission/) as the course's grader
                does on the visible cases: the same cases, rubric, sandbox and feedback
  submission/   include/mp/process.hpp, the declarations of API.md and no implementation, and
                an empty src/: the student's work goes there
  shared/       API.md (the contract) and seed/ (the chapter the cases come from)
  mpspec/       the grader: the checkout's tracked files but the reference implementation,
                the samples, the benchmarks, the harness's own tests, the mutation analysis's
                arguments (which quote the reference's lines), the alternatives' expected
                failures and the matrix (which name every case) and the rubric's hidden cases;
                its spec/rubric.toml is the rubric given, with no case hidden (none is there)
Nothing in it holds a line of the reference: `check_kit` refuses a kit that does.
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from ..checkout import REFERENCE, ROOT, SPEC, shared_file
from ..grading.rubric import load_rubric
from ..spec import cases
from .sources import CHECKS, Refused, export, parse

OUT = Path("out") / "export" / "student-kit"
MARK = ".mpspec-student-kit"  # what makes DIR a kit, which a new export replaces
SOURCES = "mpspec"
# Beyond what every export leaves out (sources.LEFT_OUT): the harness's tests (they test the
# reference), the mutation arguments (each quotes a line of the reference), the alternatives'
# expected failures and the matrix (they name every case, hidden ones too) and the front page
# (the kit has its own README).
KIT_LEFT_OUT = ("tools/tests/", "conformance/mutants/", "conformance/expected-failures/",
                "conformance/MATRIX.md", "README.md")
RUN, SHORTEST_RUN = 3, 60  # consecutive code lines shared with the reference that are a leak

CHECK = '''#!/usr/bin/env python3
"""./check [FOLDER] [-k ID] [--no-sanitize]: grades FOLDER (default submission/) as the
course's grader does, on the cases of this kit; the feedback goes to out/check/."""
import os
import sys
from pathlib import Path

kit = Path(__file__).resolve().parent
args = sys.argv[1:]
if not [a for i, a in enumerate(args) if not a.startswith("-") and args[i - 1:i] != ["-k"]]:
    args.append(str(kit / "submission"))
grade = [sys.executable, str(kit / "mpspec" / "tools" / "mpspec"), "grade",
         "--rubric", str(kit / "mpspec" / "spec" / "rubric.toml"),
         "--out", str(kit / "out" / "check"), "--build-root", str(kit / "out" / "build"), *args]
os.execv(sys.executable, grade)
'''

README = """# The `mp` process library: your kit

You write `mp::Process`, the C++ form of Python's `multiprocessing.Process`, as
`shared/API.md` describes it. The seed chapter the behaviour comes from is in
`shared/seed/`.

1. Install what the grader needs, once (Debian or Ubuntu; asks for sudo):
   `python3 mpspec/tools/mpspec setup`
2. Write your library in `submission/`: `include/mp/process.hpp` (the declarations
   are there; you may add private members and includes) and any number of
   `src/*.cpp` files.
3. Grade it: `./check`. It builds your library, runs every case of this kit on it
   as the course's grader does (same rubric, same sandbox, same feedback), and
   writes `out/check/`: `feedback.md` opens with what failed and why, with the
   command that replays a single case; `feedback.html` draws what your processes
   did in each failed case.
4. Watch a case without the grader: `python3 mpspec/tools/mpspec program ID` prints
   the case as a short C++ program using only `mp/process.hpp` (`--python`: the same
   program with CPython's multiprocessing); build it with your library, e.g.
   `g++ -std=c++20 -I submission/include case.cpp submission/src/*.cpp -o case`.
   `python3 mpspec/tools/mpspec program --check --impl submission` builds, runs and
   judges every case's program.

`./check -k ID` runs only the cases whose id contains ID; `./check --no-sanitize`
skips the second, sanitized build. The course may grade with cases this kit does
not hold.
"""


def main(argv):
    opts = parse(argv, "student-kit", __doc__, OUT, "kit")
    written = export("student-kit", opts, write_kit, "kit", ROOT)
    if written is None:
        return 2
    out, _ = written
    print(f"{out}: the student kit ({count_files(out)} files); hand out the folder, then "
          f"`./check` in it grades submission/")
    return 0


def count_files(folder):
    return sum(1 for p in Path(folder).rglob("*") if p.is_file())


def hidden_case_files(rubric):
    """The spec's case files of the cases the rubric hides (by id), relative to the
    checkout."""
    hidden = set(rubric["hidden"].get("cases", []))
    found = []
    for path in cases.discover([SPEC]):
        try:
            case_id = cases.load(path).id
        except tomllib.TOMLDecodeError:
            continue  # the lint says what is wrong with it; it is no hidden case
        if case_id in hidden:
            found.append(path.relative_to(ROOT).as_posix())
    return found


def kit_files(files, rubric):
    """Of the files every export ships, those a student may have."""
    hidden = set(hidden_case_files(rubric))
    return [n for n in files
            if not n.startswith(KIT_LEFT_OUT) and n not in hidden and n != "spec/rubric.toml"]


def toml_value(value):
    # JSON's strings, numbers and arrays are TOML's too; booleans differ only in spelling.
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


def rubric_toml(rubric):
    """The rubric as TOML, its hidden list emptied. Written by hand, deliberately: a rubric is
    scalars and tables of scalars or string lists, and the standard library reads TOML but
    does not write it (no PyPI here; the harness uses the standard library alone)."""
    rubric = dict(rubric, hidden={"cases": []})
    lines = ["# The course's rubric, as `tools/mpspec export student-kit` wrote it: the same",
             "# points per case; the cases it hides are not in this kit.", ""]
    lines += [f"{k} = {toml_value(v)}" for k, v in rubric.items() if not isinstance(v, dict)]
    for table, values in rubric.items():
        if isinstance(values, dict):
            lines += ["", f"[{table}]"]
            lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


def starter_header(api_text):
    """include/mp/process.hpp for a student: API.md's declarations, with the includes they
    need and nothing else (the reference's header holds its implementation's templates)."""
    block = api_text.split("```cpp", 1)[1].split("```", 1)[0]
    body = "\n".join(line for line in block.strip("\n").splitlines()
                     if not line.startswith("#include <mp/process.hpp>"))
    includes = ["chrono", "optional", "ostream", "stdexcept", "string", "string_view", "vector"]
    return ("// The mp API (shared/API.md): the declarations every submission provides. Add\n"
            "// what your implementation needs (private members, includes, the templates'\n"
            "// definitions); the names and signatures must stay as they are.\n"
            "#pragma once\n\n#include <sys/types.h>\n\n"
            + "".join(f"#include <{h}>\n" for h in includes) + "\n" + body.strip() + "\n")


def write_kit(out, root, files, rubric_path):
    """Writes the kit to a folder beside `out`, checks it, then puts it in place."""
    rubric = load_rubric(rubric_path)
    files = kit_files(files, rubric)
    api = shared_file("API.md")
    seed = shared_file("seed")
    if api is None or seed is None:
        raise Refused("API.md and the seed are not beside the checkout (../shared): the kit "
                      "hands them to the students")
    if out.exists() and not (out / MARK).exists():
        raise Refused(f"{out} exists and is not a student kit: choose another --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name in files:
            target = tmp / SOURCES / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(root) / name, target)
        (tmp / SOURCES / "spec" / "rubric.toml").write_text(rubric_toml(rubric), encoding="utf-8")
        (tmp / "shared").mkdir()
        shutil.copy2(api, tmp / "shared" / "API.md")
        shutil.copytree(seed, tmp / "shared" / "seed")
        include = tmp / "submission" / "include" / "mp"
        include.mkdir(parents=True)
        (include / "process.hpp").write_text(starter_header(api.read_text(encoding="utf-8")),
                                             encoding="utf-8")
        (tmp / "submission" / "src").mkdir()
        (tmp / "README.md").write_text(README, encoding="utf-8")
        (tmp / "check").write_text(CHECK, encoding="utf-8")
        (tmp / "check").chmod(0o755)
        (tmp / MARK).write_text("written by tools/mpspec export student-kit\n")
        check_kit(tmp)
        os.chmod(tmp, 0o755)  # mkdtemp's 0700 would keep the class out
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return out


def runs_of_code(text):
    """Every run of RUN consecutive code lines of `text` (stripped; blank lines and comments
    left out) that is at least SHORTEST_RUN characters long: one line alone is often an idiom
    the harness shares with the reference (a pollfd, a loop), three in a row are a copy."""
    code = [s for s in (line.strip() for line in text.splitlines())
            if s and not s.startswith(("//", "#include"))]
    return {tuple(code[i:i + RUN]) for i in range(len(code) - RUN + 1)
            if sum(map(len, code[i:i + RUN])) >= SHORTEST_RUN}


def reference_runs(reference, api_text):
    """The runs of the reference's sources and header, but those API.md itself shows."""
    found = set()
    for path in sorted((reference / "src").glob("*")) + [reference / "include/mp/process.hpp"]:
        found |= runs_of_code(path.read_text(encoding="utf-8", errors="replace"))
    return found - runs_of_code(api_text)


def check_kit(kit):
    """Refused if the kit holds three lines in a row of the reference, or if its grader does
    not start."""
    api_text = (kit / "shared" / "API.md").read_text(encoding="utf-8")
    if REFERENCE.exists():
        quoted = reference_runs(REFERENCE, api_text)
        for path in sorted(p for p in kit.rglob("*") if p.is_file()):
            leaks = quoted & runs_of_code(path.read_text(encoding="utf-8", errors="replace"))
            if leaks:
                raise Refused(f"{path.relative_to(kit)} holds lines of the reference: "
                              + " / ".join(sorted(leaks)[0]))
    for cmd in CHECKS:
        ran = subprocess.run([sys.executable, *cmd], cwd=kit / SOURCES, capture_output=True,
                             text=True, check=False)
        if ran.returncode != 0:
            raise Refused(f"the kit's grader does not start ({' '.join(cmd)} exits with "
                          f"{ran.returncode}):\n{(ran.stderr or ran.stdout)[-2000:]}")
    if not os.access(kit / "check", os.X_OK) or not stat.S_ISREG((kit / "check").stat().st_mode):
        raise Refused("the kit's ./check is not an executable file")
