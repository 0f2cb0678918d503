"""Results files (`run_case.py --results`) merged into one, and read as a table: a cell per
case and adapter, totals per adapter, cases by section, and what each adapter fails and why."""
from pathlib import Path

from ..judge import verdict


SYMBOL = {**verdict.SYMBOL, None: " "}
MEANING = {**verdict.MEANING, None: "not run"}


def merge(results_list):
    """One results dict from several: adapters appended, cases unioned by id (first wins)."""
    merged = {"unit": None, "isolation": None, "date": None, "adapters": [], "cases": [],
              "results": []}
    seen = set()
    for r in results_list:
        for key in ("unit", "isolation", "date"):
            merged[key] = merged[key] or r.get(key)
        merged["adapters"] += r.get("adapters", [])
        for c in r.get("cases", []):
            if c["id"] not in seen:
                seen.add(c["id"])
                merged["cases"].append(c)
        merged["results"] += r.get("results", [])
    return merged


def counted(results, name):
    """Column `name`'s results, less the cases about another start method than its own."""
    return [r for r in results["results"]
            if r["adapter"] == name and r["verdict"] != verdict.Verdict.NOT_APPLICABLE]


def table(results):
    """{(case id, adapter): result}, the adapters' names, and per adapter its totals: cases
    passed (a MAY case not met among them: not a failure), failed as its list expects, and
    failed otherwise, apart (an expected failure is no pass)."""
    cells = {(r["case"], r["adapter"]): r for r in results["results"]}
    names = [a["name"] for a in results["adapters"]]
    weight = {c["id"]: c.get("weight", 1) for c in results["cases"]}
    totals = {}
    for name in names:
        mine = counted(results, name)
        kinds = [verdict.Verdict(r["verdict"]) for r in mine]
        totals[name] = {"passed": sum(v.earns_credit for v in kinds),
                        "expected": kinds.count(verdict.Verdict.XFAIL),
                        "failed": sum(v.is_failure for v in kinds), "run": len(mine),
                        "earned": sum(weight.get(r["case"], 0) for r in mine if r["verdict"] == "PASS"),
                        "weight": sum(weight.get(r["case"], 0) for r in mine)}
    return cells, names, totals


def sections(results):
    groups = {}
    for c in results["cases"]:
        groups.setdefault(c.get("section", ""), []).append(c)
    return groups


def title(section, group):
    """'10.4.4 daemon' from the cases' folder (spec/10.4.4-daemon/), else the section."""
    rel = group[0].get("rel", "")
    folder = Path(rel).parent.name if rel else ""
    return folder.replace("-", " ", 1) if folder else section


def versions(results):
    """{adapter: what it says it is (module and interpreter, full versions) or ""}."""
    return {a["name"]: a.get("version", "") for a in results["adapters"]}


def differences(results):
    """{adapter: [(why, verdict, [case ids])]} for every case an adapter did not pass, the
    cases of one reason together (a reason is written once, not once per case): the listed
    reason of an expected failure, else the first line of what went wrong."""
    out = {}
    for r in results["results"]:
        if r["verdict"] not in ("PASS", "OPTIONAL", "NOT_APPLICABLE"):
            why = r.get("reason") or r.get("summary") or MEANING.get(r["verdict"], r["verdict"])
            out.setdefault(r["adapter"], {}).setdefault((why, r["verdict"]), []).append(r["case"])
    return {adapter: [(why, v, ids) for (why, v), ids in reasons.items()]
            for adapter, reasons in out.items()}


def unit_text(results):
    """The time unit the cases ran at: '0.150 s', or a range where it was measured again
    during the run (each column's is in results["adapters"])."""
    units = sorted({a["unit"] for a in results["adapters"] if a.get("unit")}
                   or ({results["unit"]} if results.get("unit") else set()))
    if not units:
        return "unknown"
    if len(units) == 1:
        return f"{units[0]:.3f} s"
    return f"{units[0]:.3f} s to {units[-1]:.3f} s (measured again during the run)"


def legend():
    return ", ".join(f"{SYMBOL[k]} {MEANING[k]}" for k in SYMBOL if k)
