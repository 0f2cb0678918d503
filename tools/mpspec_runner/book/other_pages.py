"""The book's pages around the sections: contents, the clause index, the matrix, the samples
and the documentation."""
import tomllib

from ..matrix.results import table as matrix_table
from .layout import esc, page
from .sections import SECTIONS, file_of
from .verdicts import cell


def case_link(case_id, section_of):
    section = section_of.get(case_id)
    target = f"{file_of(section)}#{case_id}" if section else "index.html"
    return f'<a href="{esc(target)}"><code>{esc(case_id)}</code></a>'


def contents(cases, results, docs):
    counts = {}
    for c in cases:
        counts[c.data.get("section")] = counts.get(c.data.get("section"), 0) + 1
    sections = "".join(f'<li><a href="{file_of(s)}">{esc(t if s == "beyond" else s + " " + t)}'
                       f'</a> ({counts.get(s, 0)} cases)</li>' for s, t in SECTIONS.items())
    ran = (f"The verdicts are the matrix run of {esc(results.get('date'))}."
           if results else "No matrix run yet: <code>tools/mpspec run</code> adds the verdicts.")
    doc_list = "".join(f'<li><a href="{esc(f)}">{esc(t)}</a></li>' for f, t, _ in docs)
    return page("Contents", f"""<h1>mpspec: the spec as a book</h1>
<p>Each documented behaviour of Python's <code>multiprocessing.Process</code> in the seed chapter
(Python Module of the Week, 10.4) and in the C++ contract (API.md), as an executable case: its
claim, its scenario as a C++ program using only <code>mp/process.hpp</code> and as the same
program in Python, what it expects, and how each implementation fared. {ran}</p>
<p>A program prints the case's own lines, and each result the case checks as
<code>=&gt; label = value</code> on stderr; <code>tools/mpspec program ID</code> prints it,
<code>tools/mpspec program --check</code> builds, runs and judges them all.</p>
<h2>The cases, by the seed's sections</h2><ul>{sections}</ul>
<h2>Around them</h2><ul><li><a href="clauses.html">API.md and the seed, clause by clause</a></li>
<li><a href="matrix.html">The matrix</a></li><li><a href="samples.html">The samples: single-bug implementations</a></li></ul>
<h2>Documentation</h2><ul>{doc_list}</ul>""")


def clauses_page(clauses, section_of):
    rows = []
    for c in clauses:
        cases = ", ".join(case_link(i, section_of) for i in c.cases)
        if not cases:
            cases = (f'<span class="uncovered">no case: {esc(c.uncovered)}</span>' if c.uncovered
                     else f"checked elsewhere: {esc(c.why)}" if c.elsewhere else "")
        rows.append(f'<tr id="{esc(c.id)}"><td><code>{esc(c.id)}</code></td><td>{esc(c.source)}'
                    f" {esc(c.row)}</td><td>{esc(c.level)}</td><td>{esc(c.quote)}</td>"
                    f"<td>{cases}</td></tr>")
    covered = sum(1 for c in clauses if c.cases)
    return page("Clauses", f"""<h1>The contract, clause by clause</h1>
<p>Every clause of API.md and every sentence of the seed that states behaviour
(<code>spec/clauses.toml</code>), with the cases that test it: {covered} of {len(clauses)}
clauses have a case.</p>
<table><tr><th>clause</th><th>where</th><th>level</th><th>text</th><th>cases</th></tr>
{''.join(rows)}</table>""")


def matrix_page(results, section_of):
    if not results:
        return page("Matrix", "<h1>The matrix</h1><p>No matrix run yet: <code>tools/mpspec "
                    "run</code> writes it, and this page after it.</p>")
    cells, names, totals = matrix_table(results)
    head = "".join(f"<th>{esc(n)}</th>" for n in names)
    rows = []
    for c in results["cases"]:
        tds = "".join(f"<td>{cell(cells[(c['id'], n)]['verdict'])}</td>" if (c["id"], n) in cells
                      else "<td>not run</td>" for n in names)
        rows.append(f"<tr><td>{case_link(c['id'], section_of)}</td>{tds}</tr>")
    foot = "".join(f"<td>{t['passed']} passed, {t['expected']} expected failures, "
                   f"{t['failed']} failed (of {t['run']})</td>"
                   for t in (totals[n] for n in names))
    return page("Matrix", f"""<h1>The matrix</h1><p>Run of {esc(results.get('date'))}. Each
cell says its verdict in words; a case's page has each column's first failed check.</p>
<div class="frame"><table><tr><th>case</th>{head}</tr>{''.join(rows)}
<tr><th>totals</th>{foot}</tr></table></div>""")


def samples_page(sample_dirs, section_of):
    blocks = []
    for d in sample_dirs:
        meta = tomllib.loads((d / "sample.toml").read_text(encoding="utf-8"))
        fails = "".join(f"<li>{case_link(i, section_of)}: {esc(why)}</li>"
                        for i, why in meta.get("expected_failures", {}).items())
        blocks.append(f'<section class="case" id="{esc(d.name)}"><h3>{esc(d.name)}</h3>'
                      f"<p>{esc(meta.get('bug', ''))}</p><ul>{fails}</ul></section>")
    return page("Samples", f"""<h1>The samples</h1><p>Single-bug implementations kept as
fixtures (<code>conformance/samples/</code>): each is the reference with one deliberate bug,
and must fail the cases listed here.</p>{''.join(blocks)}""")


def docs_page(docs):
    items = "".join(f'<li><a href="{esc(f)}">{esc(t)}</a> (<code>{esc(src)}</code>)</li>'
                    for f, t, src in docs)
    return page("Documentation", f"<h1>Documentation</h1><ul>{items}</ul>")

