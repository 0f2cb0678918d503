#!/usr/bin/env python3
"""`ctest -L conformance` works in a build tree anywhere, under /tmp outside the checkout
too (CTest label `conformance`): configures a fresh tree in a new folder under /tmp, builds
the reference's driver alone, and runs one conformance test (a section's cases of one level)
on every adapter of the tree.

A run hides the machine's /tmp behind one of its own and binds back only its folder, the
adapter's folder and the checkout (sandbox/reaper.py); an adapter that execs a program from
elsewhere under /tmp finds nothing there. The reference-spawn and -forkserver wrappers once
did (1 of 87 cases passed in such a tree).

    check_build_tree_anywhere.py [SECTION/LEVEL]   (default: 10.4.1-basics/SHOULD, one case)
"""
import os
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
    group = sys.argv[1] if len(sys.argv) > 1 else "10.4.1-basics/SHOULD"
    tree = Path(tempfile.mkdtemp(prefix="mpspec-tree-", dir="/tmp"))
    try:
        # The project's own ccache launcher (paths hashed relative to the checkout, the build
        # folder not hashed), with the MP_WERROR of the tree this test belongs to: a rerun
        # in the same checkout reuses the objects of the last (10 s instead of 50). A fresh
        # clone compiles them once: ccache's relative paths go from the build folder, so a
        # tree under /tmp shares nothing with build/default.
        werror = [f"-DMP_WERROR={os.environ['MP_WERROR']}"] if os.environ.get("MP_WERROR") else []
        run(["cmake", "-S", ROOT, "-B", tree, "-DCMAKE_BUILD_TYPE=RelWithDebInfo", *werror])
        run(["cmake", "--build", tree, "--target", "mpspec_driver_reference",
             "-j", str(os.cpu_count() or 1)])
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
