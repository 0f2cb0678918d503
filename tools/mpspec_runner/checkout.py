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
