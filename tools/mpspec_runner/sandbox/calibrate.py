"""The time unit: seconds per unit of a case's sleeps, timeouts and timing claims, measured
from this machine (or fixed) so that a loaded machine stretches the unit, not the verdict."""
import os
import statistics
import subprocess
import time
from pathlib import Path

from .environment import clean_env, interpreter

def calibrate(python=None):
    """Seconds per time unit: MPSPEC_TIME_UNIT if set, else the unit saved in the file
    MPSPEC_TIME_UNIT_FILE names (CTest's calibration fixture: once per run, not per case),
    else measured from this machine (3x the median start of an interpreter importing
    multiprocessing, at least 0.1 s), times MPSPEC_TIME_SCALE."""
    if os.environ.get("MPSPEC_TIME_UNIT"):
        return float(os.environ["MPSPEC_TIME_UNIT"])
    saved = os.environ.get("MPSPEC_TIME_UNIT_FILE")
    if saved:
        try:
            return float(Path(saved).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass  # run alone (ctest -R without its fixture, a copied command): measure here
    # The interpreter itself, never a version manager's shim: run as CTest runs the harness
    # (by the interpreter's real path, so that pyenv has not put that path first on PATH),
    # `python3` was pyenv's shell script, whose 0.3 s start made the unit 1.1 s, not 0.25.
    exe = interpreter(python or "python3")
    samples = []
    for _ in range(5):
        t0 = time.monotonic()
        subprocess.run([exe, "-c", "import multiprocessing, json"], env=clean_env(),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        samples.append(time.monotonic() - t0)
    unit = max(0.1, 3 * statistics.median(samples))
    return round(unit * float(os.environ.get("MPSPEC_TIME_SCALE", "1")), 3)
