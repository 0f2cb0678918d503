"""The oracle's run of the first failed claim, traced and drawn: feedback.html shows what
CPython's processes did beside what the submission's did. One run more per grading that
fails a visible claim; never the reference (nothing handed to a student holds it)."""
from ..checkout import DRIVERS
from ..judge import timeline
from ..sandbox.play import Sandbox, play

ORACLE = DRIVERS / "cpython" / "cpython-fork"


def is_drawable(case):
    """Not a case of the long timeout class: many processes over many units, whose traced
    CPython run takes as long as the case allows and whose picture would be cut short."""
    return case.data.get("timeout_class") != "long"


def oracle_timeline(case, unit):
    """The case's run on CPython with fork, as a timeline (SVG); "" if it cannot be drawn.
    The caller picks a case that is_drawable."""
    try:
        obs = play(case, ORACLE, unit, None, Sandbox(witness=True, start_method="fork"))
        rows = timeline.lanes(obs.report, obs.trace, unit)
        return timeline.svg(rows, f"{case.id}: what CPython's processes did (the oracle, fork)")
    except Exception:  # noqa: BLE001 - a picture must never cost the student their grade
        return ""
