"""Case files: loading, `repeat` expansion, and the scenario a driver receives."""
import copy
import tomllib
from pathlib import Path

from ..checkout import ROOT, SPEC
from .vocabulary import VOCABULARY


class Case:
    def __init__(self, path, data):
        self.path = Path(path)
        self.data = data
        self.id = data.get("id", self.path.stem)
        self.level = data.get("level", "MUST")
        self.weight = data.get("weight", 1)
        self.expect = data.get("expect", {})

    @property
    def rel(self):
        try:
            return str(self.path.resolve().relative_to(ROOT))
        except ValueError:
            return str(self.path)

    def timeout_units(self):
        return VOCABULARY["case"]["timeout_classes"].get(self.data.get("timeout_class"), 100)

    def scenario(self, unit):
        """The JSON object a driver receives (PROTOCOL.md): repeats expanded, metadata (the
        case's id among it) dropped: a driver needs nothing but the steps, and the start
        methods the case is about where it names them."""
        targets = {name: {k: (expand(v) if k == "steps" else v) for k, v in t.items()}
                   for name, t in self.data.get("targets", {}).items()}
        out = {"unit": unit, "vars": self.data.get("vars", {}),
               "targets": targets, "main": expand(self.data.get("main", []))}
        if "start_methods" in self.data:
            out["start_methods"] = self.data["start_methods"]
        return out


def load(path):
    with open(path, "rb") as f:
        return Case(path, tomllib.load(f))


def discover(paths):
    files = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            # Case files live in section folders; spec/'s own files (vocabulary, rubric) do not.
            files += sorted(q for q in p.rglob("*.toml") if q.parent.resolve() != SPEC.resolve())
        else:
            files.append(p)
    return files


def _subst_i(value, i):
    if value == "{i}":
        return i
    if isinstance(value, str):
        return value.replace("{i}", str(i))
    if isinstance(value, list):
        return [_subst_i(v, i) for v in value]
    if isinstance(value, dict):
        return {k: _subst_i(v, i) for k, v in value.items()}
    return value


def expand(steps):
    out = []
    for step in steps:
        if step.get("do") == "repeat":
            for i in range(step["times"]):
                out += expand(_subst_i(copy.deepcopy(step["steps"]), i))
        else:
            out.append(step)
    return out
