"""Each implementation's verdict on a case, from the latest matrix's results: its first failed
check, and the reason of an expected failure written once per reason, not per column."""
from ..judge.verdict import MEANING, SYMBOL, Verdict
from .layout import esc


def by_case(results):
    """{case id: [result]} of a results document (None: no matrix run yet)."""
    out = {}
    for r in (results or {}).get("results", []):
        out.setdefault(r["case"], []).append(r)
    return out


def cell(verdict):
    v = Verdict(verdict)
    return f'<span class="{v.name}">{esc(SYMBOL[v])} {esc(MEANING[v].split(" (")[0])}</span>'


def table(results_of_case):
    """The case's verdicts as HTML: one row per implementation, reasons once below."""
    if not results_of_case:
        return ('<p class="note">No verdicts yet: <code>tools/mpspec run</code> writes the '
                "matrix this book reads.</p>")
    rows, reasons = [], {}
    for r in results_of_case:
        seen = ""
        if r["verdict"] == Verdict.XFAIL and r.get("reason"):
            reasons.setdefault(r["reason"], []).append(r["adapter"])
            seen = f"reason {list(reasons).index(r['reason']) + 1} below"
        elif r["verdict"] not in (Verdict.PASS, Verdict.NOT_APPLICABLE):
            seen = r.get("summary", "")
        rows.append(f"<tr><td><code>{esc(r['adapter'])}</code></td><td>{cell(r['verdict'])}</td>"
                    f"<td>{esc(seen)}</td></tr>")
    out = ["<table><tr><th>implementation</th><th>verdict</th><th>first failed check</th></tr>",
           *rows, "</table>"]
    if reasons:
        out.append("<ol class=\"note\">" + "".join(
            f"<li>expected failure of {esc(', '.join(names))}: {esc(reason)}</li>"
            for reason, names in reasons.items()) + "</ol>")
    return "\n".join(out)
