"""Where things are in the checkout: the one module every package may import, and that
imports nothing of the harness."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec"
CONFORMANCE = ROOT / "conformance"
DRIVERS = CONFORMANCE / "drivers"
DRIVER_SOURCE = DRIVERS / "cpp"
EXPECTED_FAILURES = CONFORMANCE / "expected-failures"
SAMPLES = CONFORMANCE / "samples"
REFERENCE = ROOT / "reference"

# API.md and the seed are not in the checkout: they sit beside it, in ../shared, as the
# project's brief keeps them (the student kit copies them in).
SHARED_CANDIDATES = [ROOT.parent / "shared", Path("/work/shared")]


def shared_file(name):
    """The path of `name` (API.md, seed/...) in the first shared folder that has it, or None."""
    for folder in SHARED_CANDIDATES:
        if (folder / name).exists():
            return folder / name
    return None
