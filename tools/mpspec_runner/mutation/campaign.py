"""One mutation campaign: the implementation copied to a scratch folder, then each mutant
written into it, built and run on every case by tools/run_case.py (the grader's witness on,
no sanitizer), and put back. A baseline run of the unmutated copy comes first: a case it
fails kills nothing."""
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..checkout import ROOT
from .mutants import apply

KILLING = {"FAIL", "ERROR", "TIMEOUT", "UNSUPPORTED"}
# A mutant is killed by its first failed case; the cases after the third are not run (a
# mutant that hangs would otherwise wait out every case's timeout), so each mutant lists up
# to three killers (two jobs may finish one more), and a full campaign fits in an hour.
STOP_AFTER = 3
NOT_RUN = "not run: "


def argued(why):
    """A survivor's status: as equivalent.toml argues it (no behaviour differs, or only on a
    path no case can take here), or plainly survived."""
    if why is None:
        return "survived"
    return "unreachable" if why.startswith("unreachable") else "equivalent"


@dataclass
class Outcome:
    mutant: object  # mutants.Mutant
    status: str  # killed, survived, timed out, not built, equivalent, unreachable
    killed_by: list = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class Campaign:
    impl: Path  # the implementation as given (never written)
    out: Path  # out/mutate: the scratch copy, its build, each run's results
    limit: float = 900.0  # seconds for one mutant's build and run
    cases: list = field(default_factory=list)  # case paths; empty: every case

    def __post_init__(self):
        self.scratch = self.out / "impl"
        self.unit_file = self.out / "unit"
        self.baseline_failures = set()

    def prepare(self):
        """The scratch copy, the time unit (measured once for all runs), and the baseline."""
        if self.scratch.exists():
            shutil.rmtree(self.scratch)
        shutil.copytree(self.impl, self.scratch, ignore=shutil.ignore_patterns("build", ".git"))
        # Copied with their old times, the sources would look older than objects an earlier
        # campaign left in the build folder from its mutants: the baseline would run one.
        now = time.time()
        for path in self.scratch.rglob("*"):
            os.utime(path, (now, now))
        self.out.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(ROOT / "tools" / "run_case.py"), "--save-unit",
                        str(self.unit_file)], check=True, capture_output=True)
        status, failed, output = self.run("baseline")
        if status != "ran":
            raise RuntimeError(f"the unmutated implementation does not build or run:\n{output}")
        self.baseline_failures = set(failed)
        return failed

    def run(self, name, stop_after=None):
        """(ran|not built|timed out, the cases that failed, the runner's output); with
        `stop_after`, no case runs once that many have failed."""
        results = self.out / "results" / f"{name}.json"
        results.parent.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, str(ROOT / "tools" / "run_case.py"), "--impl", str(self.scratch),
               "--oracle", "none", "--witness", "--results", str(results),
               *(["--stop-after", str(stop_after)] if stop_after else []),
               *(self.cases or ["--all"])]
        env = dict(os.environ, MPSPEC_IMPL_BUILD=str(self.out / "build"),
                   MPSPEC_TIME_UNIT_FILE=str(self.unit_file))
        try:
            done = subprocess.run(cmd, env=env, capture_output=True, text=True,
                                  timeout=self.limit, start_new_session=True)
        except subprocess.TimeoutExpired as e:
            return "timed out", [], str(e.output or "")
        if not results.exists():
            return ("not built" if "does not build" in done.stderr + done.stdout else "error",
                    [], done.stdout + done.stderr)
        verdicts = json.loads(results.read_text(encoding="utf-8"))["results"]
        return "ran", sorted(r["case"] for r in verdicts if r["verdict"] in KILLING
                             and NOT_RUN not in r.get("details", "").split("\n", 1)[0]), \
            done.stdout

    def try_mutant(self, mutant, equivalent):
        """The mutant's outcome; the scratch copy is as before afterwards."""
        original = apply(self.scratch, mutant)
        began = time.monotonic()
        try:
            # The baseline's failures kill nothing, so they do not count towards the stop.
            status, failed, _ = self.run("mutant", STOP_AFTER + len(self.baseline_failures))
        finally:
            (self.scratch / mutant.file).write_text(original, encoding="utf-8")
        seconds = time.monotonic() - began
        killers = [c for c in failed if c not in self.baseline_failures]
        if status == "ran":
            status = "killed" if killers else argued(equivalent.get(mutant.key))
        return Outcome(mutant, status, killers, seconds)
