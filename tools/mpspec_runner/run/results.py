"""A run of many cases as one results document: every verdict, as the matrix and the grader
read them back (`run_case.py --results`)."""
import datetime

from ..sandbox.isolation import isolation
from .adapters import version


def results_document(cases, adapters, results, unit, python=None):
    """Every verdict of a run, as the matrix and the grader read them back. `unit`: the
    run's time unit, or {adapter name: the unit its cases ran at} (measured again for a
    column that started long after the last measurement)."""
    units = unit if isinstance(unit, dict) else {a.name: unit for a in adapters}
    return {"unit": next(iter(units.values()), None), "isolation": isolation(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "adapters": [{"name": a.name, "path": str(a.path), "version": version(a, python),
                          "unit": units.get(a.name)} for a in adapters],
            "cases": [{"id": c.id, "section": c.data.get("section", ""), "level": c.level,
                       "weight": c.weight, "claim": c.data.get("claim", ""), "rel": c.rel,
                       "example": c.data.get("example", "")} for c in cases],
            "results": [r.record() for r in results]}
