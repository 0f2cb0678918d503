"""The conformance matrix: results files (`run_case.py --results`) become a Markdown table
and one self-contained HTML page, cases down and implementations across, in the manner of
the Test262 and web-platform-tests dashboards.

    python3 -m mpspec_runner.matrix RESULTS.json... --out DIR     (from tools/)
"""
import argparse
import html
import json
import sys
from pathlib import Path

from . import verdict

SYMBOL = {**verdict.SYMBOL, None: " "}
MEANING = {**verdict.MEANING, None: "not run"}
OK = tuple(v for v in verdict.Verdict if not v.is_failure)


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


def table(results):
    """{(case id, adapter): result}, the adapters' names, and per adapter its totals."""
    cells = {(r["case"], r["adapter"]): r for r in results["results"]}
    names = [a["name"] for a in results["adapters"]]
    weight = {c["id"]: c.get("weight", 1) for c in results["cases"]}
    totals = {}
    for name in names:
        mine = [r for r in results["results"] if r["adapter"] == name]
        totals[name] = {"passed": sum(r["verdict"] in OK for r in mine), "run": len(mine),
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
    """{adapter: [(case id, why)]} for every case an adapter did not pass: the listed reason
    of an expected failure, else the first line of what went wrong."""
    out = {}
    for r in results["results"]:
        if r["verdict"] not in ("PASS", "OPTIONAL"):
            why = r.get("reason") or r.get("summary") or MEANING.get(r["verdict"], r["verdict"])
            out.setdefault(r["adapter"], []).append((r["case"], r["verdict"], why))
    return out


def legend():
    return ", ".join(f"{SYMBOL[k]} {MEANING[k]}" for k in SYMBOL if k)


def markdown(results):
    cells, names, totals = table(results)
    label = versions(results)
    out = ["# mpspec conformance matrix", "",
           f"{results.get('date') or ''} · 1 time unit = {results.get('unit')} s · "
           f"isolation: {results.get('isolation')}", "", "Legend: " + legend(), "",
           "Columns: " + "; ".join(f"`{n}` = {label[n]}" for n in names if label.get(n)), "",
           "| case | level | " + " | ".join(names) + " |",
           "| --- | --- | " + " | ".join("---" for _ in names) + " |"]
    for section, group in sections(results).items():
        out.append(f"| **{title(section, group)}** | | " + " | ".join("" for _ in names) + " |")
        for c in group:
            row = [SYMBOL[cells.get((c["id"], n), {}).get("verdict")] for n in names]
            out.append(f"| `{c['id']}` | {c.get('level', '')} | " + " | ".join(row) + " |")
    out.append("| **passed** | | " + " | ".join(
        f"{totals[n]['passed']}/{totals[n]['run']}" for n in names) + " |")
    out.append("| **weight** | | " + " | ".join(
        f"{totals[n]['earned']}/{totals[n]['weight']}" for n in names) + " |")
    out += ["", "## What differs, and why", ""]
    for name, rows in differences(results).items():
        out += [f"### {name}" + (f" ({label[name]})" if label.get(name) else ""), ""]
        out += [f"- `{case}` ({SYMBOL[verdict]}): {why}" for case, verdict, why in rows] + [""]
    return "\n".join(out)


STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em;margin:0 0 .2em} .meta{color:#666;margin-bottom:1em}
table{border-collapse:collapse} th,td{border:1px solid #ddd;padding:3px 8px;text-align:center}
thead th{position:sticky;top:0;background:#f4f4f4;z-index:1}
td.case{text-align:left;font-family:ui-monospace,monospace;cursor:help;white-space:nowrap}
tr.section td{background:#eef2f8;font-weight:600;text-align:left}
td.PASS{background:#dff3e0;color:#1b5e20} td.FAIL,td.XPASS{background:#fbdcdc;color:#b71c1c}
td.TIMEOUT{background:#fde8c8;color:#8a4b00} td.ERROR{background:#f3d0f0;color:#6a1b6a}
td.OPTIONAL,td.XFAIL,td.UNSUPPORTED{background:#eee;color:#555} td.none{background:#fafafa}
td a{color:inherit;text-decoration:none;font-weight:700}
tfoot td{font-weight:600;background:#f4f4f4}
pre{background:#f7f7f7;border:1px solid #ddd;padding:.6em;white-space:pre-wrap}
#filter{margin-bottom:.8em;padding:4px 8px;width:24em}
.version{font-weight:400;font-size:.8em;color:#666}
"""
SCRIPT = """
document.getElementById('filter').addEventListener('input', function (e) {
  var q = e.target.value.toLowerCase();
  document.querySelectorAll('tbody tr.row').forEach(function (tr) {
    tr.style.display = tr.textContent.toLowerCase().indexOf(q) < 0 &&
        (tr.getAttribute('data-claim') || '').toLowerCase().indexOf(q) < 0 ? 'none' : '';
  });
});
"""


def anchor(case_id, adapter):
    return "r-" + "".join(ch if ch.isalnum() else "-" for ch in f"{adapter}-{case_id}")


def page(results):
    cells, names, totals = table(results)
    e = html.escape
    label = versions(results)
    head = "".join(f'<th>{e(n)}<div class="version">{e(label.get(n, ""))}</div></th>'
                   for n in names)
    rows, details = [], []
    for section, group in sections(results).items():
        rows.append(f'<tr class="section"><td colspan="{len(names) + 2}">'
                    f'{e(title(section, group))}</td></tr>')
        for c in group:
            hover = f"{c.get('claim', '')} ({c.get('level', '')}, {c.get('rel', '')})"
            tds = []
            for n in names:
                r = cells.get((c["id"], n))
                verdict = r["verdict"] if r else None
                mark = e(SYMBOL[verdict])
                if r and verdict != "PASS" and r.get("details"):
                    a = anchor(c["id"], n)
                    mark = f'<a href="#{a}">{mark}</a>'
                    details.append(f'<h3 id="{a}">{e(c["id"])} on {e(n)}: {e(MEANING[verdict])}'
                                   f'</h3><pre>{e(r["details"])}</pre>')
                tip = MEANING[verdict] + (f": {r.get('reason') or r.get('summary')}"
                                          if r and (r.get("reason") or r.get("summary")) else "")
                tds.append(f'<td class="{verdict or "none"}" title="{e(tip)}">{mark}</td>')
            rows.append(f'<tr class="row" data-claim="{e(hover)}"><td class="case" '
                        f'title="{e(hover)}">{e(c["id"])}</td><td>{e(c.get("level", ""))}</td>'
                        + "".join(tds) + "</tr>")
    foot = ("<tr><td>passed</td><td></td>" + "".join(
        f"<td>{totals[n]['passed']}/{totals[n]['run']}</td>" for n in names) + "</tr>"
            "<tr><td>weight</td><td></td>" + "".join(
        f"<td>{totals[n]['earned']}/{totals[n]['weight']}</td>" for n in names) + "</tr>")
    differs = "".join(
        f"<h3>{e(name)} <span class=\"version\">{e(label.get(name, ''))}</span></h3><ul>"
        + "".join(f"<li><code>{e(case)}</code> ({e(SYMBOL[verdict])}): {e(why)}</li>"
                  for case, verdict, why in rows) + "</ul>"
        for name, rows in differences(results).items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>mpspec conformance matrix</title>
<style>{STYLE}</style></head><body>
<h1>mpspec conformance matrix</h1>
<div class="meta">{e(str(results.get('date') or ''))} · 1 time unit = {e(str(results.get('unit')))} s ·
isolation: {e(str(results.get('isolation')))} · {len(results['cases'])} cases · hover a case for its claim;
click a failed cell for its output</div>
<p class="meta">Legend: {e(legend())}</p>
<input id="filter" placeholder="filter cases by id or claim">
<table><thead><tr><th>case</th><th>level</th>{head}</tr></thead>
<tbody>{''.join(rows)}</tbody><tfoot>{foot}</tfoot></table>
<h2>What differs, and why</h2>{differs or '<p>Nothing: every column passes every case.</p>'}
<h2>Failures</h2>{''.join(details) or '<p>None.</p>'}
<script>{SCRIPT}</script>
</body></html>
"""


def summary(results):
    """A row per column: what it is, and how many cases it passed, failed as listed (the
    reasons are in matrix.md) and failed otherwise; the README shows this table."""
    _, names, totals = table(results)
    label = versions(results)
    out = ["| adapter | implementation | passed | expected failures | other failures |",
           "| --- | --- | --- | --- | --- |"]
    for n in names:
        mine = [r["verdict"] for r in results["results"] if r["adapter"] == n]
        xfail = mine.count("XFAIL")
        other = sum(1 for v in mine if v not in ("PASS", "OPTIONAL", "XFAIL"))
        out.append(f"| `{n}` | {label.get(n) or ''} | {totals[n]['passed'] - xfail}/"
                   f"{totals[n]['run']} | {xfail} | {other} |")
    return "\n".join(out) + "\n"


def write(results, out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    md, page_path = out / "matrix.md", out / "matrix.html"
    md.write_text(markdown(results), encoding="utf-8")
    (out / "summary.md").write_text(summary(results), encoding="utf-8")
    page_path.write_text(page(results), encoding="utf-8")
    return md, page_path


def main(argv):
    ap = argparse.ArgumentParser(prog="python3 -m mpspec_runner.matrix", description=__doc__)
    ap.add_argument("results", nargs="+", help="results files of run_case.py --results")
    ap.add_argument("--out", default="out/matrix")
    args = ap.parse_args(argv)
    merged = merge([json.loads(Path(p).read_text(encoding="utf-8")) for p in args.results])
    for path in write(merged, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
