"""`tools/mpspec mutate`: mutants of an implementation (conditions negated, comparisons and
logic changed, a signal, flag or boolean swapped, a call dropped), each built and run on
every case; writes out/mutate/report.md and mutants.json. The default is the reference's
fork path (src/ files a submission must also write)."""
import argparse
import sys
from pathlib import Path

from ..checkout import REFERENCE, ROOT
from ..mutation import report
from ..mutation.campaign import Campaign, argued
from ..mutation.mutants import FORK_PATH, choose, enumerate_mutants


def parse(argv):
    ap = argparse.ArgumentParser(prog="tools/mpspec mutate", description=__doc__)
    ap.add_argument("--impl", default=str(REFERENCE), help="implementation directory (the "
                    "API.md layout; default: the reference)")
    ap.add_argument("--file", action="append", default=[], metavar="REL",
                    help="a source file to mutate, relative to --impl; repeatable (default: "
                         "the reference's fork path, or every src/*.cpp of another --impl)")
    ap.add_argument("--budget", type=int, help="mutate at most this many sites, drawn evenly "
                    "(the same ones for the same --seed)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--match", metavar="TEXT", help="only mutants whose name contains TEXT "
                    "(e.g. 'process.cpp:157')")
    ap.add_argument("--list", action="store_true", help="only list the mutants")
    ap.add_argument("--case", action="append", default=[], metavar="PATH",
                    help="run only these case files (default: every case)")
    ap.add_argument("--rerun", metavar="MUTANTS_JSON",
                    help="a previous campaign's mutants.json: keep its outcomes (a survivor "
                         "argued since in equivalent.toml takes its argument) and run again only "
                         "the mutants it left surviving unargued (after new cases)")
    ap.add_argument("--out", default=str(ROOT / "out" / "mutate"))
    return ap.parse_args(argv)


def main(argv):
    args = parse(argv)
    impl = Path(args.impl).resolve()
    files = args.file or (FORK_PATH if impl == REFERENCE.resolve()
                          else sorted(str(p.relative_to(impl)) for p in impl.glob("src/*.cpp")))
    mutants = [m for m in enumerate_mutants(impl, files) if (args.match or "") in m.name]
    mutants = choose(mutants, args.budget, args.seed)
    if args.list:
        print(*(f"{m.name}\t{m.mutated.strip()}" for m in mutants), sep="\n")
        return 0
    kept = report.load_outcomes(args.rerun, mutants) if args.rerun else {}
    equivalent = report.load_equivalent()
    for o in kept.values():  # a survivor argued since keeps its run, with its argument
        if o.status == "survived" and o.mutant.key in equivalent:
            o.status = argued(equivalent[o.mutant.key])
    todo = [m for m in mutants if report.ident(m) not in kept
            or kept[report.ident(m)].status == "survived"]
    campaign = Campaign(impl, Path(args.out), cases=args.case)
    print(f"mpspec mutate: {len(todo)} mutants of {impl} to run"
          + (f" ({len(mutants) - len(todo)} kept from {args.rerun})" if kept else "")
          + "; baseline run first", flush=True)
    baseline = campaign.prepare()
    for i, m in enumerate(todo, 1):
        o = campaign.try_mutant(m, equivalent)
        kept[report.ident(m)] = o
        print(f"[{i}/{len(todo)}] {o.status:<10} {m.name}  {', '.join(o.killed_by[:3])}",
              flush=True)
    outcomes = [kept[report.ident(m)] for m in mutants if report.ident(m) in kept]
    out = Path(args.out)
    # A report of the checkout's own implementation is committed: no path of this machine.
    shown = f"{impl.relative_to(ROOT)}/" if impl.is_relative_to(ROOT) else str(impl)
    (out / "report.md").write_text(report.markdown(outcomes, shown, baseline), encoding="utf-8")
    (out / "mutants.json").write_text(report.as_json(outcomes), encoding="utf-8")
    killed, counted = report.score(outcomes)
    print(f"{killed} of {counted} mutants killed; report: {out / 'report.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
