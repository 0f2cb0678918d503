"""What a grading found: a Grade per submission, a CaseResult per case, and where its time
went."""
import contextlib
import time
from dataclasses import dataclass, field

from ..spec.cases import Case


@dataclass
class CaseResult:
    case: Case
    verdict: str
    points: float
    max_points: float
    details: str
    hidden: bool
    symptom: str = ""  # the key of its likely cause (causes.py), for a failed case
    tree: tuple = ()  # what its processes did, as the kernel saw it (judge/process_tree.py)
    timeline: str = ""  # the same, drawn (judge/timeline.py): an SVG image
    oracle_timeline: str = ""  # CPython's run of the case, drawn (the first failed claim only)


@dataclass
class Grade:
    name: str
    source: str
    score: float = 0.0
    max_score: float = 0.0
    build_ok: bool = False
    build_output: str = ""
    warnings: list = field(default_factory=list)
    sanitizer: list = field(default_factory=list)  # (case id, report line)
    results: list = field(default_factory=list)
    seconds: float = 0.0
    problem: str = ""  # why the submission could not be graded at all
    harness: str = ""  # a fault of the grader itself: no grade is given, the instructor is told
    notes: list = field(default_factory=list)  # for the student, beside the score
    flags: list = field(default_factory=list)  # for the instructor only: lines naming the harness
    verdicts: dict | None = None  # the run as a results document: a column of the class matrix
    unit: float = 0.0  # seconds per time unit of its runs (the batch's one unit)
    phases: dict = field(default_factory=dict)  # where the grading's time went, in seconds


@contextlib.contextmanager
def phase(g, name):
    """Adds the block's wall time to g.phases[name]: the breakdown a slow grading is
    explained by (the terminal and --json show it)."""
    t0 = time.monotonic()
    try:
        yield
    finally:
        g.phases[name] = round(g.phases.get(name, 0.0) + time.monotonic() - t0, 2)
