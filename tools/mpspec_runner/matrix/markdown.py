"""The matrix as Markdown (matrix.md), and the per-adapter summary the README shows."""
from .results import (SYMBOL, differences, legend, sections, table, title,
                      unit_text, versions)


def markdown(results):
    cells, names, totals = table(results)
    label = versions(results)
    out = ["# mpspec conformance matrix", "",
           f"{results.get('date') or ''} · 1 time unit = {unit_text(results)} · "
           f"isolation: {results.get('isolation')}", "", "Legend: " + legend(), "",
           "Columns: " + "; ".join(f"`{n}` = {label[n]}" for n in names if label.get(n)), "",
           "| case | level | " + " | ".join(names) + " |",
           "| --- | --- | " + " | ".join("---" for _ in names) + " |"]
    for section, group in sections(results).items():
        out.append(f"| **{title(section, group)}** | | " + " | ".join("" for _ in names) + " |")
        for c in group:
            row = [SYMBOL[cells.get((c["id"], n), {}).get("verdict")] for n in names]
            out.append(f"| `{c['id']}` | {c.get('level', '')} | " + " | ".join(row) + " |")
    for key, label_ in (("passed", "passed"), ("expected", "failed as expected"),
                        ("failed", "failed")):
        out.append(f"| **{label_}** | | " + " | ".join(
            f"{totals[n][key]}/{totals[n]['run']}" for n in names) + " |")
    out.append("| **weight** | | " + " | ".join(
        f"{totals[n]['earned']}/{totals[n]['weight']}" for n in names) + " |")
    out += ["", "## What differs, and why", ""]
    for name, rows in differences(results).items():
        out += [f"### {name}" + (f" ({label[name]})" if label.get(name) else ""), ""]
        out += [f"- {SYMBOL[verdict]} {why}: " + ", ".join(f"`{case}`" for case in ids)
                for why, verdict, ids in rows] + [""]
    return "\n".join(out)


def summary(results):
    """A row per column: what it is, and how many cases it passed, failed as listed (the
    reasons are in matrix.md) and failed otherwise; the README shows this table."""
    _, names, totals = table(results)
    label = versions(results)
    out = ["| adapter | implementation | passed | expected failures | other failures |",
           "| --- | --- | --- | --- | --- |"]
    for n in names:
        t = totals[n]
        out.append(f"| `{n}` | {label.get(n) or ''} | {t['passed']}/{t['run']} | "
                   f"{t['expected']} | {t['failed']} |")
    return "\n".join(out) + "\n"
