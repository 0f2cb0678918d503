"""The clause map (spec/clauses.toml): every clause of API.md and every behavioural sentence
of the seed, with a stable id; which cases test each; and what the map gets wrong (a quote
no longer in its source, a sentence of API.md in no clause, a MUST clause nothing tests)."""
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..checkout import ROOT, SPEC, shared_file

MAP = SPEC / "clauses.toml"
SOURCES = {"API.md": "API.md", "seed": "seed/pymotw-multiprocessing-basics.md"}
LEVELS = ("MUST", "SHOULD", "MAY", "NOTE")
# What may stay of a behaviour row once every clause's quote is cut out of it: the `·`
# between items, punctuation, and the little words that join two clauses.
RESIDUE = re.compile(r"(?:[\s·.,;:()]|\band\b|\bor\b|\bthen\b)*")


@dataclass
class Clause:
    id: str
    source: str
    row: str
    level: str
    quote: str
    elsewhere: dict | None = None
    why: str = ""
    uncovered: str = ""
    cases: list = field(default_factory=list)


def words(text):
    return " ".join(text.split())


def load(path=MAP):
    with open(path, "rb") as f:
        data = tomllib.load(f)
    return [Clause(**c) for c in data.get("clause", [])]


def source_texts():
    """Each source's text as it is, or None where it is not here."""
    out = {}
    for name, rel in SOURCES.items():
        path = shared_file(rel)
        out[name] = path.read_text(encoding="utf-8") if path else None
    return out


def behaviour_rows(api_text):
    """(topic, behaviour) for every row of API.md's behaviour tables, from its raw text."""
    rows = []
    for line in api_text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if not line.startswith("| ") or len(cells) != 2 or cells[0] in ("topic", "---"):
            continue
        rows.append((cells[0], words(cells[1])))
    return rows


def attach(clauses, cases):
    """Fills each clause's `cases` from the cases' `clauses` lists; returns the problems of
    the cases' side (an unknown id, a case naming none)."""
    by_id = {c.id: c for c in clauses}
    problems = []
    for case in cases:
        named = case.data.get("clauses", [])
        if not named:
            problems.append(f"{case.rel}: names no clause (add `clauses = [...]`)")
        for cid in named:
            if cid in by_id:
                by_id[cid].cases.append(case.id)
            else:
                problems.append(f"{case.rel}: names {cid!r}, which spec/clauses.toml lacks")
    return problems


def check_map(clauses, texts, api_raw=None):
    """What is wrong with the map itself, against its sources' texts."""
    problems, seen = [], set()
    for c in clauses:
        where = f"clause {c.id}"
        if c.id in seen:
            problems.append(f"{where}: id used twice")
        seen.add(c.id)
        if c.level not in LEVELS:
            problems.append(f"{where}: level must be one of {LEVELS}")
        if c.source not in SOURCES:
            problems.append(f"{where}: source must be one of {sorted(SOURCES)}")
        elif texts.get(c.source) is not None and words(c.quote) not in texts[c.source]:
            problems.append(f"{where}: quote not in {c.source} word for word: {c.quote!r}")
        problems += _check_elsewhere(c, where)
    if api_raw is not None:
        problems += _check_rows(clauses, api_raw)
    return problems


def _check_elsewhere(c, where):
    if c.elsewhere is None:
        return []
    if not c.why:
        return [f"{where}: `elsewhere` needs a `why` (why no case can test it)"]
    path = ROOT / c.elsewhere.get("file", "")
    if not path.is_file():
        return [f"{where}: elsewhere names {c.elsewhere.get('file')!r}, which is not a file"]
    if c.elsewhere.get("test", "") not in path.read_text(encoding="utf-8"):
        return [f"{where}: {c.elsewhere.get('file')} has no {c.elsewhere.get('test')!r}"]
    return []


def _check_rows(clauses, api_raw):
    """Every word of every behaviour row is in some clause of that row."""
    problems = []
    for topic, text in behaviour_rows(api_raw):
        rest = text
        for c in clauses:
            if c.source == "API.md" and c.row == topic:
                rest = rest.replace(words(c.quote), " ")
        if not RESIDUE.fullmatch(rest):
            problems.append(f"API.md row {topic!r}: in no clause: {words(rest)!r}")
    return problems


def check_coverage(clauses):
    """MUST clauses nothing tests; reasons that no longer hold. Call after attach()."""
    problems = []
    for c in clauses:
        if c.cases and c.uncovered:
            problems.append(f"clause {c.id}: says uncovered, but {', '.join(c.cases)} test it")
        if c.cases or c.elsewhere:
            continue
        if c.level == "MUST":
            problems.append(f"clause {c.id} (MUST) has no case: {c.quote!r}")
        elif not c.uncovered:
            problems.append(f"clause {c.id} ({c.level}) has no case and no `uncovered` reason")
    return problems


def all_problems(clauses, cases):
    """Everything the unit test and `tools/mpspec coverage` report, in one list."""
    raw = source_texts()
    texts = {name: words(text) if text is not None else None for name, text in raw.items()}
    problems = attach(clauses, cases)
    problems += check_map(clauses, texts, raw["API.md"])
    return problems + check_coverage(clauses)


def report(clauses, uncovered_only=False):
    """Clauses to cases as Markdown, then every clause no case tests, with its reason."""
    lines = ["| clause | level | cases |", "| --- | --- | --- |"]
    for c in clauses:
        if uncovered_only and c.cases:
            continue
        lines.append(f"| `{c.id}` | {c.level} | {', '.join(f'`{x}`' for x in c.cases) or '-'} |")
    lines += ["", "## Clauses no case tests", ""]
    for c in clauses:
        if c.cases:
            continue
        if c.elsewhere:
            reason = f"tested by {c.elsewhere['file']} ({c.elsewhere['test']}): {c.why}"
        else:
            reason = c.uncovered or "NO REASON GIVEN"
        lines.append(f"- `{c.id}` ({c.level}, {c.source} '{c.row}'): {reason}")
    tested = sum(1 for c in clauses if c.cases)
    lines += ["", f"{tested} of {len(clauses)} clauses have a case; "
              f"{sum(1 for c in clauses if not c.cases and c.elsewhere)} are tested elsewhere; "
              f"{sum(1 for c in clauses if not c.cases and not c.elsewhere)} are not tested."]
    return "\n".join(lines) + "\n"


def ids(path=MAP):
    return {c.id for c in load(path)} if Path(path).exists() else set()
