#!/usr/bin/env python3
"""CPython's multiprocessing.Process, measured the way bench/impl_bench.cpp measures mp::Process.

For each start method (fork, forkserver, spawn), in one interpreter, many iterations of:
  start_join      start and join a process whose target does nothing
  wakeup          child stamps time.monotonic() just before returning; parent's join() returns
  terminate_join  terminate and join a child that is running its target (sleeping)

Prints a table of medians and, with --json, writes every sample (seconds) for the report.
Standard library only.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import statistics
import sys
import time


def noop() -> None:
    pass


def stamp_and_exit(stamp) -> None:
    time.sleep(0.002)  # let the parent block in join() first
    stamp.value = time.monotonic()


def sleep_forever(ready) -> None:
    ready.set()
    time.sleep(3600)


def measure(ctx: multiprocessing.context.BaseContext, iterations: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {"start_join": [], "wakeup": [], "terminate_join": []}
    stamp = ctx.Value("d", 0.0, lock=False)
    for _ in range(iterations):
        start = time.perf_counter()
        p = ctx.Process(target=noop)
        p.start()
        p.join()
        samples["start_join"].append(time.perf_counter() - start)

        p = ctx.Process(target=stamp_and_exit, args=(stamp,))
        p.start()
        p.join()
        samples["wakeup"].append(time.monotonic() - stamp.value)

        ready = ctx.Event()
        p = ctx.Process(target=sleep_forever, args=(ready,))
        p.start()
        ready.wait()
        start = time.perf_counter()
        p.terminate()
        p.join()
        samples["terminate_join"].append(time.perf_counter() - start)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--methods", default="fork,forkserver,spawn")
    parser.add_argument("--json", help="write all samples to this file")
    args = parser.parse_args()

    results = {}
    for method in args.methods.split(","):
        ctx = multiprocessing.get_context(method)
        measure(ctx, 1)  # warm-up: forkserver's server, spawn's first imports
        results[method] = measure(ctx, args.iterations)
        medians = {k: statistics.median(v) for k, v in results[method].items()}
        print(f"cpython-{method:<10} " + "  ".join(
            f"{k}={v * 1e3:8.3f} ms" for k, v in medians.items()), flush=True)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"python": platform.python_version(), "executable": sys.executable,
                       "iterations": args.iterations, "samples": results}, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
