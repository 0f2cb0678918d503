#!/usr/bin/env python3
"""mpspec's Python driver: `driver.py [--module NAME] --start-method METHOD SCENARIO.json`
plays a scenario with NAME (default multiprocessing; billiard, multiprocess, ...);
`driver.py [--module NAME] --version` says which module and interpreter it would use.

The seed's shape on purpose: targets defined in the main module, the main program's
body guarded by `if __name__ == "__main__"`, so spawn and forkserver children import
this file without running the body again.
"""
import sys

import mpspec_play


def target(path, target_name, *args, unsendable=None):
    """Every child's target unless the scenario puts it in another module."""
    return mpspec_play.run_target(path, target_name, *args, unsendable=unsendable)


if __name__ == "__main__":
    sys.exit(mpspec_play.main(sys.argv[1:]))
