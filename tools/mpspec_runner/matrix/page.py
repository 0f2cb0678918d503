"""The matrix as one self-contained HTML page, cases down and implementations across, in the
manner of the Test262 and web-platform-tests dashboards: the claim on hover, a failed cell's
output on click."""
import html

from .results import (MEANING, SYMBOL, differences, legend, sections, table, title,
                      unit_text, versions)


STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em;margin:0 0 .2em} .meta{color:#666;margin-bottom:1em}
.frame{overflow:auto;max-height:80vh;max-width:100%;border:1px solid #ddd}
table{border-collapse:collapse} th,td{border:1px solid #ddd;padding:3px 8px;text-align:center}
thead th{position:sticky;top:0;background:#f4f4f4;z-index:2}
td.case{text-align:left;font-family:ui-monospace,monospace;cursor:help;white-space:nowrap;
position:sticky;left:0;background:#fff;z-index:1} thead th:first-child{left:0;z-index:3}
tr.section td{background:#eef2f8;font-weight:600;text-align:left}
td.PASS{background:#dff3e0;color:#1b5e20} td.FAIL,td.XPASS{background:#fbdcdc;color:#b71c1c}
td.TIMEOUT{background:#fde8c8;color:#8a4b00} td.ERROR{background:#f3d0f0;color:#6a1b6a}
td.OPTIONAL,td.XFAIL,td.UNSUPPORTED,td.NOT_APPLICABLE{background:#eee;color:#555} td.none{background:#fafafa}
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
    foot = "".join(
        f"<tr><td class=\"case\">{label_}</td><td></td>" + "".join(
            f"<td>{totals[n][key]}/{totals[n]['run']}</td>" for n in names) + "</tr>"
        for key, label_ in (("passed", "passed"), ("expected", "failed as expected"),
                            ("failed", "failed"))) + (
            "<tr><td class=\"case\">weight</td><td></td>" + "".join(
        f"<td>{totals[n]['earned']}/{totals[n]['weight']}</td>" for n in names) + "</tr>")
    differs = "".join(
        f"<h3>{e(name)} <span class=\"version\">{e(label.get(name, ''))}</span></h3><ul>"
        + "".join(f"<li>{e(SYMBOL[verdict])} {e(why)}: "
                  + ", ".join(f"<code>{e(case)}</code>" for case in ids) + "</li>"
                  for why, verdict, ids in rows) + "</ul>"
        for name, rows in differences(results).items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>mpspec conformance matrix</title>
<style>{STYLE}</style></head><body>
<h1>mpspec conformance matrix</h1>
<div class="meta">{e(str(results.get('date') or ''))} · 1 time unit = {e(unit_text(results))} ·
isolation: {e(str(results.get('isolation')))} · {len(results['cases'])} cases · hover a case for its claim;
click a failed cell for its output</div>
<p class="meta">Legend: {e(legend())}</p>
<input id="filter" placeholder="filter cases by id or claim">
<div class="frame"><table><thead><tr><th>case</th><th>level</th>{head}</tr></thead>
<tbody>{''.join(rows)}</tbody><tfoot>{foot}</tfoot></table></div>
<h2>What differs, and why</h2>{differs or '<p>Nothing: every column passes every case.</p>'}
<h2>Failures</h2>{''.join(details) or '<p>None.</p>'}
<script>{SCRIPT}</script>
</body></html>
"""
