#!/usr/bin/env python3
"""Run mpspec conformance cases: `tools/run_case.py --adapter cpython-fork CASE.toml...`,
`--all`, `--lint`. See spec/README.md and conformance/PROTOCOL.md; the code is
tools/mpspec_runner/cli/run_case.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mpspec_runner.cli import until_the_reader_stops  # noqa: E402
from mpspec_runner.cli.run_case import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(until_the_reader_stops(main, sys.argv[1:]))
