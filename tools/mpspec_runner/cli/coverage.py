"""`tools/mpspec coverage`: which cases test each clause of API.md and the seed
(spec/clauses.toml), every clause no case tests with its reason, and what is wrong with the
map. Exits 1 when something is (a MUST clause with no case among it), as the unit test does."""
import argparse
import sys
from pathlib import Path

from ..checkout import SPEC
from ..spec import cases as casemod
from ..spec import clauses as clausemod


def main(argv):
    ap = argparse.ArgumentParser(prog="tools/mpspec coverage", description=__doc__)
    ap.add_argument("--uncovered", action="store_true",
                    help="list only the clauses no case tests")
    ap.add_argument("--out", metavar="FILE", help="also write the report to FILE (Markdown)")
    args = ap.parse_args(argv)
    cases = [casemod.load(p) for p in casemod.discover([SPEC])]
    clauses = clausemod.load()
    problems = clausemod.all_problems(clauses, cases)
    text = clausemod.report(clauses, uncovered_only=args.uncovered)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text, encoding="utf-8")
    print(text, end="")
    if problems:
        print(f"\n{len(problems)} problems:", *problems, sep="\n", file=sys.stderr)
    return 1 if problems else 0
