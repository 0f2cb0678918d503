"""`tools/mpspec book [--out DIR] [--results FILE]`: writes the spec as a static site that works
offline (default out/book/), with the verdicts of the latest matrix run (out/matrix/results.json,
written by `tools/mpspec run`); exits 1 when a link inside it leads nowhere."""
import argparse
import sys
from pathlib import Path

from ..book import render
from ..book.build import build


def main(argv):
    ap = argparse.ArgumentParser(prog="tools/mpspec book", description=__doc__)
    ap.add_argument("--out", default="out/book", help="where the book goes (default out/book)")
    ap.add_argument("--results", default="out/matrix/results.json",
                    help="the matrix results to show (default out/matrix/results.json)")
    ap.add_argument("--screenshot", nargs=2, metavar=("PAGE", "PNG"),
                    help="then render PAGE (e.g. 10.4.5.html) with headless Chromium into PNG")
    ap.add_argument("--height", type=int, default=1000, help="the screenshot's height in pixels")
    args = ap.parse_args(argv)
    pages, broken = build(args.out, args.results)
    if args.screenshot:
        page, png = args.screenshot
        print(f"book: {render.screenshot(Path(args.out) / page, png, height=args.height)}")
    for b in broken:
        print(f"broken link: {b}", file=sys.stderr)
    print(f"book: {len(pages)} pages in {Path(args.out)}/ (open {Path(args.out) / 'index.html'})")
    return 1 if broken else 0
