"""Adapters: a named way to run a driver (conformance/drivers/*/NAME, a path, or a driver
built against an implementation), what each is known to fail, and what it says it is."""
import os
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..checkout import DRIVERS, EXPECTED_FAILURES
from ..sandbox.environment import clean_env

ORACLE = "cpython-fork"  # the adapter whose runs show "what CPython did"


@dataclass(frozen=True)
class Adapter:
    """An adapter under test: its name, the program that plays a scenario, the implementation
    directory it was built from (for reproduce lines) and the cases it is known to fail."""

    name: str
    path: Path
    source: str | None = None
    expected: dict = field(default_factory=dict)  # case id -> why it fails
    may_fail: dict = field(default_factory=dict)  # case id -> why it fails on some runs only


def find_adapter(name):
    if "/" in name:
        path = Path(name).resolve()
        return path if path.exists() else None
    for candidate in sorted(DRIVERS.glob(f"*/{name}")):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def expectations(path):
    """({case id: reason} an adapter is known to fail, {case id: reason} it fails on some runs
    only: a race inside the library), from the tables [expected_failures] and [may_fail] of
    `path` (conformance/expected-failures/NAME.toml, a sample's sample.toml, or a file the
    user names); ({}, {}) when there is no such file."""
    path = Path(path)
    if not path.exists():
        return {}, {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return data.get("expected_failures", {}), data.get("may_fail", {})


def expected_failures_file(adapter_name):
    """Where an adapter's own list of known failures is kept."""
    return EXPECTED_FAILURES / f"{adapter_name}.toml"


def version(adapter, python=None):
    """What a declared Python adapter says it is (`ADAPTER --version`: the module and the
    interpreter, with full versions), for the matrix's column; "" for any other adapter
    (a built driver is a submission's code: it is not run outside the sandbox)."""
    if adapter.path.parent != DRIVERS / "cpython":
        return ""
    try:
        out = subprocess.run([str(adapter.path), "--version"], env=clean_env(python),
                             capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = out.stdout.strip().splitlines()
    return lines[0] if out.returncode == 0 and lines else ""
