"""`tools/mpspec bench grading`: how long the project's own jobs take on this machine, timed
side by side in one run, so that a before and an after compare like with like.

    tools/mpspec bench grading [--out DIR] [--batch N] [--skip-main-job]

Times, one after the other, with the machine (cores, model) and its load average before
each:
- a warm grading of the reference (`tools/mpspec grade reference`, sanitizer run included,
  after one untimed grading has filled the build folder and the caches);
- a cold one: the reference with every file of it salted, so ccache has none of them, in an
  empty build folder (the grader's own files stay cached, as on a grading machine);
- `ctest -L conformance` on the reference and CPython's fork, spawn and forkserver;
- the main job (`tools/mpspec run --no-setup`: the reference and CPython);
- a batch of N sample submissions at `-P 2`, projected to a class of 300.
Each grading's phases (build, cases, sanitizer) come from its own `--json` line.

Writes DIR/grading.json and DIR/grading.md (default out/bench); `--out bench/results`
replaces the copy the README quotes (tools/tests/test_bench_grading.py checks the quote)."""
import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from ..checkout import ROOT, SAMPLES
from ..grading import samples

MPSPEC = [sys.executable, str(ROOT / "tools" / "mpspec")]
FOUR_ADAPTERS = r"^conformance/(calibrate|calibrate-done|(reference|cpython-fork|cpython-spawn|cpython-forkserver)/)"
CLASS = 300


def parse(argv):
    ap = argparse.ArgumentParser(prog="tools/mpspec bench grading", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="out/bench", help="where grading.json and grading.md go")
    ap.add_argument("--batch", type=int, default=20,
                    help="sample submissions graded at -P 2 for the class projection "
                         "(default 20; 0 leaves it out)")
    ap.add_argument("--skip-main-job", action="store_true", help="leave out the main job")
    return ap.parse_args(argv)


def machine():
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "model": model, "kernel": platform.release(),
            "python": platform.python_version()}


def timed(name, cmd, ok=(0,)):
    """{name, seconds, load, exit, grades}: `cmd` run to its end; grades are its --json lines.
    `ok`: the exit statuses that mean it did its job (a batch of samples exits 1, since some
    samples do not build on purpose)."""
    load = round(os.getloadavg()[0], 2)
    print(f"bench grading: {name} (load {load}) ...", flush=True)
    t0 = time.monotonic()
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = round(time.monotonic() - t0, 1)
    grades = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    print(f"bench grading: {name}: {seconds} s (exit {r.returncode})", flush=True)
    if r.returncode not in ok:
        sys.stderr.write(r.stdout[-3000:] + r.stderr[-3000:])
    return {"name": name, "seconds": seconds, "load": load,
            "exit": 0 if r.returncode in ok else r.returncode,
            "grades": [{k: g.get(k) for k in ("name", "score", "seconds", "phases", "unit")}
                       for g in grades]}


def grade_cmd(submissions, scratch, build_root, *extra):
    return [*MPSPEC, "grade", *map(str, submissions), "--json", "--out", str(scratch / "grades"),
            "--build-root", str(build_root), *extra]


def salted_reference(dest):
    """The reference, each file with a comment of its own: none of them is in ccache."""
    impl = samples.materialize_reference(dest)
    salt = f"// bench grading {time.time_ns()}\n"
    for f in sorted(p for p in impl.rglob("*") if p.is_file()):
        f.write_text(salt + f.read_text())
    return impl


def run_all(opts, scratch):
    rows = []
    warm_root = scratch / "build-warm"
    subprocess.run(grade_cmd(["reference"], scratch, warm_root), cwd=ROOT, capture_output=True,
                   check=False)  # fills the build folder and the caches: untimed
    rows.append(timed("one warm grading of the reference",
                      grade_cmd(["reference"], scratch, warm_root)))
    cold = salted_reference(scratch / "cold" / "submission")
    rows.append(timed("one cold grading (every file of the reference compiled anew)",
                      grade_cmd([cold], scratch, scratch / "build-cold")))
    rows.append(timed("ctest -L conformance, the reference and CPython's three methods",
                      ["ctest", "--preset", "default", "-L", "^conformance$", "-R",
                       FOUR_ADAPTERS, "-j", str(os.cpu_count() or 2)]))
    if not opts.skip_main_job:
        rows.append(timed("the main job (tools/mpspec run: the reference and CPython, 6 columns)",
                          [*MPSPEC, "run", "--no-setup", "--out",
                           str(scratch / "matrix")]))
    if opts.batch:
        names = sorted(p.name for p in SAMPLES.iterdir() if (p / "sample.toml").exists()
                       and p.name != "fork-bomb")[:opts.batch]
        row = timed(f"a batch of {len(names)} sample submissions at -P 2",
                    grade_cmd([SAMPLES / n for n in names], scratch, scratch / "build-batch",
                              "-P", "2"), ok=(0, 1))
        row["projected_class_minutes"] = round(row["seconds"] * CLASS / len(names) / 60, 1)
        rows.append(row)
    return rows


def markdown(doc):
    m = doc["machine"]
    lines = [f"# How long the jobs take ({doc['date']})", "",
             f"Measured by `tools/mpspec bench grading` in one run on {m['cores']} cores "
             f"({m['model'] or 'unknown model'}, Linux {m['kernel']}); the load average is "
             "the one-minute figure before each step.", "",
             "| what | seconds | load before | where the time went |", "| --- | --- | --- | --- |"]
    for row in doc["rows"]:
        detail = "; ".join(
            f"{g['name']}: " + ", ".join(f"{k} {v:.1f}" for k, v in (g["phases"] or {}).items()
                                         if v >= 0.05)
            for g in row["grades"][:1])
        if "projected_class_minutes" in row:
            detail = f"a class of {CLASS} projected: {row['projected_class_minutes']} min"
        status = "" if row["exit"] == 0 else f" (exit {row['exit']})"
        lines.append(f"| {row['name']} | {row['seconds']}{status} | {row['load']} | {detail} |")
    return "\n".join(lines) + "\n"


def main(argv):
    opts = parse(argv)
    out = Path(opts.out)
    if not out.is_absolute():
        out = ROOT / out
    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="mpspec-bench-grading-"))
    try:
        doc = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "machine": machine(),
               "rows": run_all(opts, scratch)}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    (out / "grading.json").write_text(json.dumps(doc, indent=1) + "\n")
    (out / "grading.md").write_text(markdown(doc))
    print(markdown(doc))
    print(f"bench grading: wrote {out / 'grading.md'} and grading.json")
    return 0 if all(r["exit"] == 0 for r in doc["rows"]) else 1
