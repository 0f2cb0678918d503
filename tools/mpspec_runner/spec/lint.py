"""The lint: every case file against spec/vocabulary.toml, and its seed quote against the
seed. A malformed file is a finding, never a traceback."""

from ..checkout import shared_file
from .cases import expand
from .clauses import SOURCES, words
from .clauses import ids as clause_ids
from .protocol import DRIVER_EXIT_RESERVED
from .vocabulary import (ID, PLACEHOLDER, PLACEHOLDER_OK, START_METHODS, TEMPLATE_REF,
                         VOCABULARY)

def _seed_text():
    path = shared_file(SOURCES["seed"])
    return words(path.read_text(encoding="utf-8")) if path else None


def lint(cases):
    """Every problem of every case, as 'path: message' strings."""
    problems, ids = [], {}
    seed, known = _seed_text(), clause_ids()
    for case in cases:
        try:
            found = lint_case(case, seed) + lint_clauses(case.data, known)
        except Exception as e:  # noqa: BLE001 - a shape the checks below missed: still a finding
            found = [f"the lint could not read it ({type(e).__name__}: {e}): a key has a "
                     "type the vocabulary does not allow"]
        problems += [f"{case.rel}: {m}" for m in found]
        if case.id in ids:
            problems.append(f"{case.rel}: id {case.id!r} also used by {ids[case.id]}")
        ids[case.id] = case.rel
    return problems


def lint_clauses(d, known):
    """The case names at least one clause, each in spec/clauses.toml."""
    if "clauses" not in d:
        return []  # the missing key is already a finding
    named = d["clauses"]
    if not isinstance(named, list) or not named:
        return ["clauses must name at least one clause of spec/clauses.toml"]
    return [f"clause {c!r} is not in spec/clauses.toml" for c in named if c not in known]


# The type of each table and array of a case file; the checks after the shape's rely on them.
SHAPE = {"id": str, "section": str, "claim": str, "quote": str, "example": str, "note": str,
         "level": str, "clauses": list, "timeout_class": str, "vars": dict, "targets": dict,
         "main": list, "expect": dict, "start_methods": list}
EXPECT_SHAPE = {"stdout": list, "stdout_has": list, "stdout_lacks": list, "stderr": list,
                "stderr_has": list, "stderr_lacks": list, "order": list, "stderr_order": list,
                "results": dict, "timing": list, "gone": list}
TYPE_NAMES = {str: "a string", dict: "a table", list: "an array"}


def shape(d):
    """What of case data `d` has the wrong type (a table where an array goes, ...)."""
    out = [f"{k} must be {TYPE_NAMES[t]}" for k, t in SHAPE.items()
           if k in d and not isinstance(d[k], t)]
    for name, t in d.get("targets", {}).items() if isinstance(d.get("targets"), dict) else ():
        if not isinstance(t, dict) or not isinstance(t.get("steps", []), list):
            out.append(f"target {name}: a table whose steps are an array")
    expect = d.get("expect", {}) if isinstance(d.get("expect"), dict) else {}
    out += [f"expect.{k} must be {TYPE_NAMES[t]}" for k, t in EXPECT_SHAPE.items()
            if k in expect and not isinstance(expect[k], t)]
    for t in expect.get("timing", []) if isinstance(expect.get("timing"), list) else ():
        if not isinstance(t, dict) or not all(isinstance(t.get(k, ""), str) for k in ("from", "to")):
            out.append("expect.timing: each entry is a table whose from and to are strings")
    gone = expect.get("gone", [])
    if isinstance(gone, list) and not all(isinstance(g, str) for g in gone):
        out.append("expect.gone: an array of labels")
    return out


def lint_case(case, seed):
    d, spec, out = case.data, VOCABULARY["case"], []
    allowed = set(spec["required"]) | set(spec["optional"])
    out += [f"missing key {k!r}" for k in spec["required"] if k not in d]
    out += [f"unknown key {k!r}" for k in d if k not in allowed]
    wrong = shape(d)
    if wrong:
        return out + wrong
    if not isinstance(d.get("id"), str) or not ID.fullmatch(d.get("id", "")):
        out.append("id must be lowercase letters, digits, dots and dashes")
    folder = spec["sections"].get(d.get("section"))
    if folder is None:
        out.append(f"section must be one of {sorted(spec['sections'])}")
    elif case.path.parent.name != folder:
        out.append(f"section {d['section']} belongs in spec/{folder}/")
    if d.get("level") not in spec["levels"]:
        out.append(f"level must be one of {spec['levels']}")
    if d.get("timeout_class") not in spec["timeout_classes"]:
        out.append(f"timeout_class must be one of {sorted(spec['timeout_classes'])}")
    if not isinstance(d.get("weight"), int) or d.get("weight", 0) < 1:
        out.append("weight must be an integer >= 1")
    if not isinstance(d.get("claim"), str) or not d.get("claim", "").strip():
        out.append("claim must be a sentence")
    if "start_methods" in d and not (d["start_methods"]
                                     and set(d["start_methods"]) < START_METHODS):
        out.append(f"start_methods must be some (not all) of {sorted(START_METHODS)}")
    if "example" in d and d["example"] not in spec["examples"]:
        out.append(f"example must name one of the seed's programs: {spec['examples']}")
    if "quote" in d and seed is not None and words(d["quote"]) not in seed:
        out.append(f"quote is not in the seed word for word: {d['quote']!r}")
    if d.get("section") == "beyond" and "quote" in d:
        out.append("a beyond-seed case has no seed quote (say where the claim comes from in note)")
    vars_ = d.get("vars", {})
    targets = d.get("targets", {})
    labels = {}  # label: the step that records it
    inherited = inherited_handles(d)
    for name, t in targets.items():
        if "main" in t:
            out.append(f"target {name}: holds 'main': write main = [...] above the first [table] header")
        elif set(t) - {"steps", "module"}:
            out.append(f"target {name}: only 'steps' and 'module' are allowed")
        if t.get("module", "other") != "other":
            out.append(f"target {name}: module must be \"other\"")
        out += [f"target {name}: {m}" for m in lint_steps(t.get("steps", []), "child", targets,
                                                           vars_, labels, set(inherited))]
    out += [f"main: {m}" for m in lint_steps(d.get("main", []), "main", targets, vars_, labels)]
    out += lint_points(d)
    out += lint_expect(case.expect, labels)
    return out


def lint_points(d):
    """Every point a step awaits is reached by some step of the case: an await of a point
    nothing reaches could only time out."""
    programs = [d.get("main", []), *[t.get("steps", []) for t in d.get("targets", {}).values()
                                      if isinstance(t, dict)]]
    steps = [s for p in programs if isinstance(p, list) for s in expand_quietly(p)
             if isinstance(s, dict)]
    reached = {s.get("point") for s in steps if s.get("do") == "reach"}
    return [f"await of point {p!r}, which no step reaches" for p in sorted(
        {s.get("point") for s in steps if s.get("do") == "await"} - reached, key=str)]


def expand_quietly(steps):
    """`repeat` expanded, or the steps as they are where the shape is wrong (the step checks
    say why)."""
    try:
        return expand(steps)
    except (KeyError, TypeError, ValueError):
        return steps


def inherited_handles(d):
    """A fork-only case's children may use their copy of a main program's handle as `^NAME`
    (PROTOCOL.md): every handle the main program creates, so named."""
    if d.get("start_methods") != ["fork"] or not isinstance(d.get("main"), list):
        return set()
    return {"^" + s["p"] for s in expand(d["main"])
            if isinstance(s, dict) and s.get("do") == "create" and isinstance(s.get("p"), str)}


def lint_steps(steps, where, targets, vars_, labels, handles=None):
    out, handles = [], set() if handles is None else handles
    if not isinstance(steps, list):
        return ["steps must be an array"]
    fields = VOCABULARY["fields"]
    for n, step in enumerate(steps):
        at = f"step {n + 1}"
        if not isinstance(step, dict) or "do" not in step:
            out.append(f"{at}: a step is a table with 'do'")
            continue
        do = step["do"]
        spec = VOCABULARY["steps"].get(do) if isinstance(do, str) else None
        if spec is None:
            out.append(f"{at}: unknown step {do!r}")
            continue
        at = f"{at} ({do})"
        if spec["where"] != "any" and spec["where"] != where:
            out.append(f"{at}: only allowed in the {spec['where']} program")
        out += [f"{at}: missing {k!r}" for k in spec["required"] if k not in step]
        out += [f"{at}: unexpected {k!r}" for k in step
                if k != "do" and k not in spec["required"] and k not in spec["optional"]]
        if spec["kind"] == "terminal" and n != len(steps) - 1:
            out.append(f"{at}: a terminal step must be the last one")
        if do == "repeat":
            times, inner = step.get("times"), step.get("steps")
            if not (isinstance(times, int) and not isinstance(times, bool) and times >= 0
                    and isinstance(inner, list) and all(isinstance(x, dict) for x in inner)):
                out.append(f"{at}: times is an integer >= 0 and steps an array of steps")
                continue
            out += lint_steps(expand([step]), where, targets, vars_, labels, handles)
            continue
        for key, value in step.items():
            kind = fields.get(key)
            if key == "do" or kind is None or (do == "create" and key == "p"):
                continue
            problem = check_field(kind, value, do, targets, vars_, handles)
            if problem:
                out.append(f"{at}: {key} {problem}")
        if do == "create" and isinstance(step.get("p"), str):
            handles.add(step["p"])
        if do == "copy" and isinstance(step.get("to"), str):
            handles.add(step["to"])
        if do == "drop" and isinstance(step.get("p"), str):
            handles.discard(step["p"])
        if isinstance(step.get("as"), str):
            labels[step["as"]] = do
        out += [f"{at}: {m}" for m in step_rules(step, where, targets, vars_)]
    return out


def step_rules(step, where, targets, vars_):
    """What one step gets wrong beyond its fields' kinds."""
    do, out = step["do"], []
    code = step.get("code", 0)
    if do == "exit" and where == "main" and isinstance(code, int) and not (
            0 <= code < DRIVER_EXIT_RESERVED):
        out.append("the main program's exit code must be 0..99 (100+ are the driver's)")
    if do == "exit" and "code" in step and "message" in step:
        out.append("code or message, not both")
    if "unsendable" in step and "target" not in step:
        out.append("unsendable needs a target")
    target = targets.get(step["target"], {}) if isinstance(step.get("target"), str) else {}
    if "unsendable" in step and target.get("module"):
        out.append("unsendable needs a target of the main module")
    if do == "set" and isinstance(step.get("var"), str) and step["var"] not in vars_:
        out.append(f"var {step.get('var')!r} is not declared in vars")
    return out


def check_field(kind, value, do, targets, vars_, handles):
    if kind in ("handle", "new_handle", "label", "target", "var", "point") and not isinstance(
            value, str):
        return "must be a name (a string)"
    if kind == "handle":
        if value in ("current", "parent"):
            # start of current_process() is misuse a case may test (in a child: not its
            # creator); of parent_process(), CPython has no answer but an AttributeError.
            refused = ("create", "set_daemon", "drop") + (("start",) if value == "parent" else ())
            return None if do not in refused else "must be a created handle"
        return None if value in handles else f"{value!r} is not created before this step"
    if kind in ("label", "point", "new_handle"):
        return None if isinstance(value, str) and ID.fullmatch(value.replace("_", "-")) else "must be a simple name"
    if kind == "target":
        return None if value in targets else f"{value!r} is not in [targets]"
    if kind == "args":
        ok = isinstance(value, list) and all(isinstance(a, (int, str)) and not isinstance(a, bool) for a in value)
        return None if ok else "must be an array of ints and strings"
    if kind in ("string", "text"):
        if not isinstance(value, str):
            return "must be a string"
        if kind == "text":
            bad = [m for m in PLACEHOLDER.findall(value) if not PLACEHOLDER_OK.fullmatch(m)]
            return f"has unknown placeholders {bad}" if bad else None
        return None
    if kind == "bool":
        return None if isinstance(value, bool) else "must be true or false"
    if kind in ("int",):
        return None if isinstance(value, int) and not isinstance(value, bool) else "must be an integer"
    if kind in ("number", "units"):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if ok and (kind == "number" or value >= 0) else "must be a number of units"
    if kind == "stream":
        return None if value in ("stdout", "stderr") else "must be stdout or stderr"
    if kind == "signal":
        signals = VOCABULARY["values"]["signal"]
        return None if value in signals else f"must be one of {signals}"
    if kind == "var":
        return None if value in vars_ else "is not declared in vars"
    if kind in VOCABULARY["values"]:  # unsendable, how, ...: a closed set of words
        kinds = VOCABULARY["values"][kind]
        return None if value in kinds else f"must be one of {kinds}"
    return None


def lint_when(m, where, labels):
    """`{when = LABEL, then = {VALUE = {matchers}, ...}}`: one expectation per value."""
    out = [] if isinstance(m["when"], str) else [f"{where}: when names a label"]
    if set(m) != {"when", "then"}:
        out.append(f"{where}: when and then go alone (put the matchers in each branch)")
    then = m.get("then")
    if not isinstance(then, dict) or not then:
        return out + [f"{where}: then is a table from each value of {m['when']!r} to matchers"]
    if labels.get(str(m["when"])) == "start_method" and set(then) != START_METHODS:
        out.append(f"{where}: then needs exactly one branch per start method "
                   f"{sorted(START_METHODS)}, not {sorted(then)}")
    return out


def lint_matcher(m, where):
    if not isinstance(m, dict) or not m:
        return [f"{where}: a table of matchers"]
    out = [f"{where}: unknown matcher {k!r}" for k in m
           if k not in VOCABULARY["expect"]["matchers"]]
    out += [f"{where}: {k} goes only at the top of a label's table, with "
            f"{'then' if k == 'when' else 'when'}" for k in m if k in ("when", "then")]
    if "count" in m and not (isinstance(m["count"], int) and m["count"] >= 0):
        out.append(f"{where}: count must be an integer >= 0")
    out += [f"{where}: {k} names a label" for k in ("same_as", "differs_from")
            if k in m and not isinstance(m[k], str)]
    return out


def matcher_refs(m):
    """The labels a matcher's templates and comparisons name."""
    if not isinstance(m, dict):
        return set()
    refs = set()
    for like in (m["like"] if isinstance(m.get("like"), list) else [m.get("like")]):
        if isinstance(like, str):
            refs |= set(TEMPLATE_REF.findall(like))
    return refs | {m[k] for k in ("same_as", "differs_from") if isinstance(m.get(k), str)}


def lint_expect(expect, labels):
    out, spec = [], VOCABULARY["expect"]
    out += [f"expect: unknown key {k!r}" for k in expect if k not in spec["optional"]]
    refs = set()
    for key in ("stdout", "stdout_has", "stdout_lacks", "stderr", "stderr_has", "stderr_lacks"):
        for line in expect.get(key, []):
            if isinstance(line, str):
                refs |= set(TEMPLATE_REF.findall(line))
            elif not (isinstance(line, dict) and set(line) == {"re"}):
                out.append(f"expect.{key}: a line is a string template or {{re = \"...\"}}")
    for key in ("order", "stderr_order"):
        for pair in expect.get(key, []):
            if not (isinstance(pair, list) and len(pair) == 2):
                out.append(f"expect.{key}: each entry is [earlier, later]")
    for label, m in expect.get("results", {}).items():
        if label not in labels:
            out.append(f"expect.results: no step records {label!r}")
        where = f"expect.results.{label}"
        if isinstance(m, dict) and "when" in m:
            out += lint_when(m, where, labels)
            refs.add(str(m["when"]))
            then = m.get("then")
            branches = ([(f"{where}.then.{k}", b) for k, b in then.items()]
                        if isinstance(then, dict) else [])
        else:
            branches = [(where, m)]
        for at, matcher in branches:
            out += lint_matcher(matcher, at)
            refs |= matcher_refs(matcher)
    for t in expect.get("timing", []):
        out += [f"expect.timing: unknown key {k!r}" for k in t if k not in spec["timing"]]
        if "from" not in t or "to" not in t or not {"min", "max", "median_max_ms"} & set(t):
            out.append("expect.timing: needs from, to and min and/or max (units), or "
                       "median_max_ms")
        elif "median_max_ms" in t and {"min", "max"} & set(t):
            out.append("expect.timing: median_max_ms (absolute) or min/max (units), not both")
        if "baseline" in t and not (isinstance(t["baseline"], list) and len(t["baseline"]) == 2
                                    and "median_max_ms" in t):
            out.append("expect.timing: baseline is a [from, to] pair, with median_max_ms")
        refs |= {r for r in (t["baseline"] if isinstance(t.get("baseline"), list) else [])
                 if isinstance(r, str)}
        for k in ("from", "to"):
            ref = t.get(k, "")
            if not ref.startswith("@"):
                refs.add(ref.removesuffix(".t0"))
            elif ref not in ("@launch", "@exit"):
                out.append(f"expect.timing: {ref} is not @launch or @exit")
    refs |= set(expect.get("gone", []))
    refs.discard("int")
    out += [f"expect: refers to {r!r}, which no step records" for r in sorted(refs) if r not in labels]
    return out
