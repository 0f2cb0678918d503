"""A run of many cases as one results document: every verdict, as the matrix and the grader
read them back (`run_case.py --results`)."""
import datetime

from ..sandbox.isolation import isolation
from .adapters import version


def results_document(cases, adapters, results, unit, python=None):
    """Every verdict of a run, as the matrix and the grader read them back."""
    return {"unit": unit, "isolation": isolation(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "adapters": [{"name": a.name, "path": str(a.path), "version": version(a, python)}
                         for a in adapters],
            "cases": [{"id": c.id, "section": c.data.get("section", ""), "level": c.level,
                       "weight": c.weight, "claim": c.data.get("claim", ""), "rel": c.rel,
                       "example": c.data.get("example", "")} for c in cases],
            "results": [r.record() for r in results]}
