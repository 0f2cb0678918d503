"""feedback.html, for the student: each failed (visible) claim with a timeline of what the
processes did, drawn from the kernel's record, and the indented tree beside it; feedback.md
holds the words. Everything the run wrote is escaped: it is the submission's."""
import html

from ...judge import causes
from .tally import cause_groups, failed, in_report_order

STYLE = """body{font:15px/1.45 system-ui,sans-serif;max-width:1060px;margin:1.5em auto;color:#222}
section{border:1px solid #d7dce4;border-radius:6px;padding:.2em 1em 1em;margin:1.2em 0}
pre{background:#f6f8fa;border:1px solid #e1e4e8;padding:.6em;overflow:auto;font-size:12.5px}
.legend{color:#555;font-size:.9em} svg{max-width:100%;height:auto}"""
LEGEND = ("Each lane is a process, from its birth (a green dot) to its end (■ exited, ✗ killed "
          "or never ended); a thin grey bar where it began to exit; blue ticks are lines it "
          "wrote to stdout, orange ones to stderr (hover for the line).")


def feedback_html(g):
    e = html.escape
    out = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Feedback: "
           f"{e(g.name)}</title><style>{STYLE}</style></head><body>",
           f"<h1>Feedback: {e(g.name)}</h1><p><strong>Score: {g.score:g} / {g.max_score:g}"
           "</strong> · the words are in <a href=\"feedback.md\">feedback.md</a></p>"]
    headline = causes.headline(cause_groups(g), len(failed(g)))
    if headline:
        out.append(f"<p><strong>Most likely cause:</strong> {e(headline)}</p>")
    shown = [r for r in in_report_order(failed(g)) if not r.hidden]
    if shown:
        out.append(f'<p class="legend">{e(LEGEND)}</p>')
    for r in shown:
        d = r.case.data
        out.append(f'<section id="{e(r.case.id)}"><h2>{e(r.case.id)}: '
                   f"-{r.max_points - r.points:.1f} points ({e(str(r.verdict).lower())})</h2>"
                   f"<p>{e(d.get('claim', ''))}</p>")
        out.append(r.timeline or "<p>(the run was not traced: no timeline)</p>")
        if r.oracle_timeline:
            out.append("<p>The same case on CPython, the oracle, beside it:</p>" + r.oracle_timeline)
        if r.tree:
            out.append("<pre>" + e("\n".join(r.tree)) + "</pre>")
        out.append("</section>")
    if not shown:
        out.append("<p>No visible claim failed.</p>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
