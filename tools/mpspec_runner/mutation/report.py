"""A campaign's report: each mutant's outcome, the score, and the survivors to argue about;
and conformance/mutants/equivalent.toml, the survivors argued to change nothing a program
can observe, or to lie on a path no case can take here (an OS failure, another start
method): neither counts in the score."""
import json
import tomllib
from pathlib import Path

from ..checkout import CONFORMANCE
from .campaign import Outcome

EQUIVALENT = CONFORMANCE / "mutants" / "equivalent.toml"


def load_equivalent(path=EQUIVALENT):
    """{mutant key: the one-line argument that no behaviour differs}."""
    if not Path(path).exists():
        return {}
    return dict(tomllib.loads(Path(path).read_text(encoding="utf-8")).get("equivalent", {}))


def ident(mutant):
    """One mutant among all: its key (what equivalent.toml names; two identical lines of a
    file share it) and its name (file, line and change; two changes of one line share it)."""
    return mutant.name, mutant.key


def load_outcomes(path, mutants):
    """{ident: Outcome} of a previous campaign's mutants.json, for the mutants still there."""
    # An entry holds the fields of as_json, not the name: matched field by field.
    by_fields = {(m.file, m.line, m.describe, m.key): m for m in mutants}
    found = {}
    for entry in json.loads(Path(path).read_text(encoding="utf-8")):
        m = by_fields.get((entry["file"], entry["line"], entry["change"], entry["key"]))
        if m is not None:
            found[ident(m)] = Outcome(m, entry["status"], entry.get("killed_by", []),
                                      entry.get("seconds", 0.0))
    return found


def score(outcomes):
    """Killed over the mutants that count: not equivalent, built, and not timed out (a
    timeout is listed apart: the mutant hung the whole run)."""
    counted = [o for o in outcomes if o.status in ("killed", "survived")]
    killed = sum(1 for o in counted if o.status == "killed")
    return killed, len(counted)


def samples_failing(samples=CONFORMANCE / "samples"):
    """{case id: [the samples whose sample.toml says they fail it]}."""
    found = {}
    for toml in sorted(Path(samples).glob("*/sample.toml")):
        failing = tomllib.loads(toml.read_text(encoding="utf-8")).get("expected_failures", {})
        for case in failing:
            found.setdefault(case, []).append(toml.parent.name)
    return found


def per_case(outcomes):
    """The table of what each case catches: the mutants it kills here, and the samples."""
    kills = {}
    for o in outcomes:
        for case in o.killed_by:
            kills.setdefault(case, []).append(o.mutant.name)
    samples = samples_failing()
    lines = ["## What each case catches", "", "| case | mutants killed | samples it fails |",
             "| --- | --- | --- |"]
    for case in sorted(set(kills) | set(samples)):
        lines.append(f"| `{case}` | {len(kills.get(case, []))} | "
                     f"{', '.join(samples.get(case, [])) or '-'} |")
    return lines


def markdown(outcomes, impl, baseline_failures):
    killed, counted = score(outcomes)
    by = {s: [o for o in outcomes if o.status == s]
          for s in ("survived", "killed", "timed out", "not built", "equivalent", "unreachable",
                    "error")}
    lines = [f"# Mutation analysis of {impl}", "",
             f"{len(outcomes)} mutants: {killed} killed of {counted} that count "
             f"({100 * killed / counted if counted else 0:.0f} %); "
             + ", ".join(f"{len(v)} {k}" for k, v in by.items() if v and k != "killed") + ".",
             ""]
    if baseline_failures:
        lines += [f"The unmutated implementation fails {', '.join(baseline_failures)}: "
                  "those cases kill nothing.", ""]
    lines += ["## Survivors (no case fails: a new case, or an argument in "
              "conformance/mutants/equivalent.toml)", ""]
    lines += [f"- `{o.mutant.name}`: `{o.mutant.mutated.strip()}`  \n  key: `{o.mutant.key}`"
              for o in by["survived"]] or ["(none)"]
    lines += [""] + per_case(outcomes)
    lines += ["", "## Every mutant", "", "| mutant | status | cases that failed | s |",
              "| --- | --- | --- | --- |"]
    lines += [f"| `{o.mutant.name}` | {o.status} | {', '.join(o.killed_by[:4])}"
              f"{' …' if len(o.killed_by) > 4 else ''} | {o.seconds:.0f} |" for o in outcomes]
    return "\n".join(lines) + "\n"


def as_json(outcomes):
    return json.dumps([{"file": o.mutant.file, "line": o.mutant.line,
                        "operator": o.mutant.operator, "change": o.mutant.describe,
                        "mutated": o.mutant.mutated.strip(), "key": o.mutant.key,
                        "status": o.status, "killed_by": o.killed_by,
                        "seconds": round(o.seconds, 1)} for o in outcomes], indent=1)
