"""What the oracle (CPython) did on a case, as a failure's text shows it beside the failed
checks: its outcome, its stdout in brief, and what each of its checks observed.

The oracle's run costs about 0.4 s of CPU, and a grading ran it once per failed case: in CI,
the sample gradings, the alternatives' expected failures and a class batch fail the same
cases again and again (a submission that never starts a child fails 93). So a view is played
once per case, oracle and interpreter, then kept: in memory for the process (a batch), and on
disk in the folder MPSPEC_ORACLE_CACHE names (CTest's presets name one in the build tree).

What the view shows is counted in units, so a view measured at another unit is reused when
the two units are within a quarter of each other; else the case is played again. The key holds
everything the view is made of: the case file, the oracle's adapter and driver files, the
interpreter (path, size, time) and the harness's own sources. Only the grader writes the
folder, and nothing a submission supplies is in a view: the oracle plays the spec's case."""
import functools
import hashlib
import json
import os
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..judge import explain
from ..judge.checks import Judge, show
from ..sandbox.environment import interpreter
from ..sandbox.play import play

HARNESS = Path(__file__).resolve().parents[1]
UNIT_TOLERANCE = 0.25  # a view is reused at a unit within this fraction of its own


@dataclass(frozen=True)
class OracleView:
    outcome: str  # "ran", or why the run did not end as a run (play.py)
    note: str
    stdout: str  # in brief (explain.brief)
    passes: bool  # every check of the case held on the oracle
    observed: dict = field(default_factory=dict)  # check name -> what it observed, shown


_memory: dict[str, tuple[float, OracleView]] = {}
_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()


def view(case, adapter_path, unit, python=None):
    """The oracle's view of `case` at `unit`: from memory, from the disk cache, or played."""
    python = python or os.environ.get("MPSPEC_PYTHON") or interpreter()
    key = _key(case, Path(adapter_path), python)
    with _guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:  # two gradings of a batch failing the same case play it once
        folder = _folder()
        kept = _memory.get(key) or _read(folder, key)
        if kept and _close(kept[0], unit):
            return kept[1]
        played = _played(case, adapter_path, unit, python)
        if played.passes:  # a run the oracle failed (a machine too loaded?) is not kept
            _memory[key] = (unit, played)
            _write(folder, key, unit, played)
        return played


def _played(case, adapter_path, unit, python):
    obs = play(case, adapter_path, unit, python)
    if obs.outcome != "ran":
        return OracleView(obs.outcome, obs.note, explain.brief(obs.stdout), False)
    checks = Judge(case, obs, unit).run()
    return OracleView("ran", obs.note, explain.brief(obs.stdout), all(c.ok for c in checks),
                      {c.name: show(c.observed) for c in checks})


def _close(a, b):
    return abs(a - b) <= UNIT_TOLERANCE * max(a, b)


def _key(case, adapter_path, python):
    h = hashlib.sha256()
    real = Path(python if os.path.isabs(python) else interpreter(python)).resolve()
    try:
        info = real.stat()
        h.update(f"{real}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    except OSError:
        h.update(f"{python}\0".encode())
    oracle_files = [adapter_path.resolve(), *sorted(adapter_path.resolve().parent.glob("*.py"))]
    for path in [Path(case.path), *oracle_files]:
        h.update(str(path.name).encode() + b"\0" + path.read_bytes())
    h.update(_harness_digest().encode())
    return h.hexdigest()[:32]


@functools.cache
def _harness_digest():
    h = hashlib.sha256()
    for path in sorted(HARNESS.rglob("*.py")):
        h.update(str(path.relative_to(HARNESS)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _folder():
    """The disk cache, if one is named and only its owner (the grader) can write it."""
    given = os.environ.get("MPSPEC_ORACLE_CACHE")
    if not given:
        return None
    folder = Path(given)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
    except OSError:
        return None
    return folder if info.st_uid == os.geteuid() and not info.st_mode & 0o022 else None


def _read(folder, key):
    if folder is None:
        return None
    try:
        data = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        return float(data["unit"]), OracleView(**data["view"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent, or written by another version: played again


def _write(folder, key, unit, played):
    if folder is None:
        return
    try:
        with tempfile.NamedTemporaryFile("w", dir=folder, suffix=".tmp", delete=False,
                                         encoding="utf-8") as f:
            json.dump({"unit": unit, "view": asdict(played)}, f)
        os.replace(f.name, folder / f"{key}.json")  # a reader never sees half a file
    except OSError:
        pass  # a cache that cannot be written costs time, never a result
