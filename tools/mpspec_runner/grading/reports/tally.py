"""What every report of a grade says alike: points by section, the failed cases, their
likely causes, and the numbers hidden cases go by."""
import hashlib
from collections import defaultdict

from ...judge import causes


HIDDEN = "hidden"  # the one row of every hidden case in the sections' table


def by_section(g):
    """{section: [earned, most, passed, cases]}; hidden cases in a row of their own, last,
    so that the table places none of them in its section."""
    table = defaultdict(lambda: [0.0, 0.0, 0, 0])  # earned, max, passed, cases
    for r in g.results:
        row = table[HIDDEN if r.hidden else r.case.data.get("section", "")]
        row[0] += r.points
        row[1] += r.max_points
        row[2] += r.verdict.earns_credit
        row[3] += 1
    return dict(sorted(table.items(), key=lambda kv: (kv[0] == HIDDEN, kv[0])))


def failed(g):
    return [r for r in g.results if not r.verdict.earns_credit]


def cause_groups(g):
    return causes.likely_causes(failed(g), key=lambda r: r.symptom)


def cause_lines(g, most=None):
    """The likely causes, largest first, with the cases each covers (hidden cases counted,
    not named; `most` ids at most); for the feedback and the terminal alike."""
    lines = []
    for cause, members in cause_groups(g):
        shown = [r.case.id for r in members if not r.hidden]
        hidden = len(members) - len(shown)
        more = len(shown) - most if most is not None and len(shown) > most else 0
        cases = ", ".join(shown[:len(shown) - more]) + (f", … ({more} more)" if more else "")
        cases += (f" and {hidden} hidden" if hidden and shown else
                  f"{hidden} hidden" if hidden else "")
        lines.append(f"{len(members)} × {cause.summary} ({cause.api}): {cases}")
    return lines


def hidden_numbers(g):
    """case id -> N of "hidden case N", the same in every report. Numbered in the order of a
    hash of the id, not the cases' order, so that a number says nothing of where the case
    stands among the visible ones."""
    hidden = sorted((r.case.id for r in g.results if r.hidden),
                    key=lambda cid: hashlib.sha256(cid.encode()).hexdigest())
    return {cid: n for n, cid in enumerate(hidden, 1)}


def in_report_order(results):
    """The visible results in the cases' order, then the hidden ones by number."""
    return [r for r in results if not r.hidden] + sorted(
        (r for r in results if r.hidden), key=lambda r: hashlib.sha256(
            r.case.id.encode()).hexdigest())
