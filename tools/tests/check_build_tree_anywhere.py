#!/usr/bin/env python3
"""`ctest -L conformance` works in a build tree anywhere, under /tmp outside the checkout
too (CTest label `conformance`): configures a fresh tree in a new folder under /tmp, puts
the reference's driver in it, and runs one conformance test (a section's cases of one level)
on every adapter of the tree.

A run hides the machine's /tmp behind one of its own and binds back only its folder, the
adapter's folder and the checkout (sandbox/reaper.py); an adapter that execs a program from
elsewhere under /tmp finds nothing there. The reference-spawn and -forkserver wrappers once
did (1 of 87 cases passed in such a tree).

    check_build_tree_anywhere.py --driver BUILT --built-in TREE [SECTION/LEVEL]
        (default: 10.4.1-basics/SHOULD, one case)

The driver is not compiled again in the new tree: it is the one this test's own tree built
(BUILT, under TREE), copied to the same place in the new one. It holds no path of the tree
it was built in (the reference finds itself through /proc/self/exe, the wrappers are written
by the new tree's configure), so the copy is what a build there would make; compiling it
there cost about 60 CPU-seconds of every CI run, since ccache shares no object between
trees at different depths from the checkout (its paths are relative to the build folder).
"""
import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ADAPTERS = ("reference", "reference-spawn", "reference-forkserver",
            "cpython-fork", "cpython-spawn", "cpython-forkserver")


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, check=False, **kw)
    if r.returncode != 0:
        sys.exit(f"FAIL: {' '.join(map(str, cmd))} (exit {r.returncode}):\n{r.stdout}{r.stderr}")
    return r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", type=Path, required=True, help="the built reference driver")
    ap.add_argument("--built-in", type=Path, required=True, help="the tree that built it")
    ap.add_argument("group", nargs="?", default="10.4.1-basics/SHOULD")
    args = ap.parse_args()
    group, place = args.group, args.driver.resolve().relative_to(args.built_in.resolve())
    tree = Path(tempfile.mkdtemp(prefix="mpspec-tree-", dir="/tmp"))
    try:
        run(["cmake", "-S", ROOT, "-B", tree, "-DCMAKE_BUILD_TYPE=RelWithDebInfo"])
        (tree / place).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(args.driver, tree / place)
        pattern = f"^conformance/({'|'.join(ADAPTERS)})/{re.escape(group)}$"
        out = run(["ctest", "--test-dir", tree, "-L", "^conformance$", "-R", pattern,
                   "--output-on-failure"])
        ran = re.findall(r"Test\s+#\d+: conformance/([\w-]+)/", out)
        missing = [a for a in ADAPTERS if a not in ran]
        if missing:  # (a failed test has failed ctest, and run() already)
            sys.exit(f"FAIL: no test of {missing} for {group} in {tree}:\n{out}")
        print(f"OK: {group} passed on {len(ran)} adapters in a build tree at {tree}")
    finally:
        shutil.rmtree(tree, ignore_errors=True)


if __name__ == "__main__":
    main()
