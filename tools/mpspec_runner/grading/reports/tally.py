"""What every report of a grade says alike: points by section, the failed cases, their
likely causes, and the numbers hidden cases go by."""
from collections import defaultdict

from ...judge import causes


def by_section(g):
    table = defaultdict(lambda: [0.0, 0.0, 0, 0])  # earned, max, passed, cases
    for r in g.results:
        row = table[r.case.data.get("section", "")]
        row[0] += r.points
        row[1] += r.max_points
        row[2] += r.verdict.earns_credit
        row[3] += 1
    return dict(sorted(table.items()))


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
    """case id -> N of "hidden case N", the same in feedback.md and results.json."""
    return {r.case.id: n for n, r in enumerate((r for r in g.results if r.hidden), 1)}
