"""Merge results files into a matrix:

    python3 -m mpspec_runner.matrix RESULTS.json... --out DIR     (from tools/)
"""
import argparse
import json
import sys
from pathlib import Path

from .results import merge
from .write import write


def main(argv):
    ap = argparse.ArgumentParser(prog="python3 -m mpspec_runner.matrix", description=__doc__)
    ap.add_argument("results", nargs="+", help="results files of run_case.py --results")
    ap.add_argument("--out", default="out/matrix")
    args = ap.parse_args(argv)
    merged = merge([json.loads(Path(p).read_text(encoding="utf-8")) for p in args.results])
    for path in write(merged, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
