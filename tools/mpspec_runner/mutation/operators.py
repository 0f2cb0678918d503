"""Mutation operators: each finds the places in one line of C++ where it applies and says
what the line becomes. Lines are code with comments and string literals left alone."""
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Site:
    operator: str  # the operator's name
    start: int  # the span of the line that changes
    end: int
    replacement: str
    describe: str  # "== -> !=", for the report


def code_spans(line):
    """(start, end) of the parts of `line` outside string/char literals and a // comment."""
    spans, i, start, quote = [], 0, 0, None
    while i < len(line):
        c = line[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote, start = None, i + 1
        elif c in "\"'":
            spans.append((start, i))
            quote = c
        elif line.startswith("//", i):
            spans.append((start, i))
            return [s for s in spans if s[1] > s[0]]
        i += 1
    if not quote:
        spans.append((start, len(line)))
    return [s for s in spans if s[1] > s[0]]


def _regex_sites(line, name, pattern, replace, describe):
    out = []
    for a, b in code_spans(line):
        for m in re.finditer(pattern, line[a:b]):
            out.append(Site(name, a + m.start(), a + m.end(), replace(m), describe(m)))
    return out


SWAP = {"==": "!=", "!=": "==", "<=": "<", ">=": ">", "<": "<=", ">": ">=",
        "&&": "||", "||": "&&"}
# A comparison between operands, not a template bracket, a stream (<<, >>) or an arrow (->).
RELATIONAL = r"(?<=[\w)\]]\s)(==|!=|<=|>=|<|>)(?=\s)"
LOGICAL = r"(?<=\s)(&&|\|\|)(?=\s)"
CONSTANTS = {"SIGTERM": "SIGKILL", "SIGKILL": "SIGTERM", "WNOHANG": "0", "O_CLOEXEC": "0",
             "true": "false", "false": "true", "EINTR": "EAGAIN"}
CALL = re.compile(r"^(\s*)((?:[\w:]+(?:\.|->))*[\w:~]+\(.*\);)\s*(//.*)?$")
NOT_A_CALL = ("return", "throw", "if", "while", "for", "switch", "case", "using", "static_assert",
              "delete", "new", "co_return")


def relational(line):
    return _regex_sites(line, "relational", RELATIONAL, lambda m: SWAP[m.group(1)],
                        lambda m: f"{m.group(1)} -> {SWAP[m.group(1)]}")


def logical(line):
    return _regex_sites(line, "logical", LOGICAL, lambda m: SWAP[m.group(1)],
                        lambda m: f"{m.group(1)} -> {SWAP[m.group(1)]}")


def constant(line):
    pattern = r"\b(" + "|".join(CONSTANTS) + r")\b"
    return _regex_sites(line, "constant", pattern, lambda m: CONSTANTS[m.group(1)],
                        lambda m: f"{m.group(1)} -> {CONSTANTS[m.group(1)]}")


def negate_condition(line):
    """`if (X)` and `while (X)` with X on this line: `if (!(X))`."""
    out = []
    for m in re.finditer(r"\b(if|while) \(", line):
        open_at = m.end() - 1
        depth, i = 0, open_at
        while i < len(line):
            depth += {"(": 1, ")": -1}.get(line[i], 0)
            if depth == 0:
                break
            i += 1
        if i == len(line) or not any(a <= open_at < b for a, b in code_spans(line)):
            continue
        inner = line[open_at + 1:i]
        out.append(Site("negate", open_at, i + 1, f"(!({inner}))", f"{m.group(1)} (X) -> (!(X))"))
    return out


def drop_call(line):
    """A statement that is only a call (`close(fd);`, `s.flush();`): removed."""
    m = CALL.match(line)
    callee = m.group(2).split("(")[0] if m else ""
    if not m or callee.split("::")[-1] in NOT_A_CALL or "=" in callee:
        return []
    return [Site("drop-call", len(m.group(1)), len(m.group(1)) + len(m.group(2)),
                 "static_cast<void>(0);", f"{callee}(...) removed")]


def return_value(line):
    """`return X;` of a bool-like or optional result: true/false swapped, nullopt kept."""
    m = re.match(r"^(\s*)return (true|false);", line)
    if not m:
        return []
    other = "false" if m.group(2) == "true" else "true"
    start = len(m.group(1)) + len("return ")
    return [Site("return", start, start + len(m.group(2)), other,
                 f"return {m.group(2)} -> {other}")]


OPERATORS = [negate_condition, relational, logical, return_value, constant, drop_call]


def sites(line):
    """Every mutation of one line, in a fixed order; a `return true` counts once (as a
    return), not again as a constant."""
    found, seen = [], set()
    for op in OPERATORS:
        for s in op(line):
            if (s.start, s.end) in seen:
                continue
            seen.add((s.start, s.end))
            found.append(s)
    return found
