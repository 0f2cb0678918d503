"""The harness's own tests: `python3 -m unittest discover -s tools/tests -t .` from the root."""
import sys
from pathlib import Path

# The harness package lives in tools/ and is not installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
