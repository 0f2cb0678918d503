"""What a case expects, in words: the book shows it under the programs."""
import json


def show(value):
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def line(template):
    return f"/{template['re']}/" if isinstance(template, dict) else template


def matcher(m):
    """A result's matchers (results.LABEL) in words."""
    if "when" in m:
        return "; ".join(f"under {k}: {matcher(v)}" for k, v in m["then"].items())
    words = []
    for key, value in m.items():
        words.append({
            "null": "null" if value else "not null", "value": f"= {show(value)}",
            "one_of": "one of " + ", ".join(show(v) for v in value) if isinstance(value, list) else "",
            "like": "like " + (", ".join(map(show, value)) if isinstance(value, list) else show(value)),
            "re": f"matches /{value}/", "error": f"the error “{value}”",
            "error_any": "an error" if value else "no error", "type": f"a {value}",
            "same_as": f"the same as {value}", "differs_from": f"not the same as {value}",
            "count": f"recorded {value} time{'s' if value != 1 else ''}",
            "min": f"at least {value}",
        }.get(key, f"{key} = {show(value)}"))
    return ", ".join(w for w in words if w)


def expectations(case):
    """[(what, [lines])]: the case's expectations, each as a heading and its lines."""
    e, out = case.expect, []
    out.append(("exit status of the main program", [str(e.get("exit_status", 0))]))
    for stream in ("stdout", "stderr"):
        if stream in e:
            out.append((f"{stream}: exactly these lines, in any order", [line(t) for t in e[stream]]))
        if stream + "_has" in e:
            out.append((f"{stream} includes", [line(t) for t in e[stream + "_has"]]))
        if stream + "_lacks" in e:
            out.append((f"{stream} lacks", [line(t) for t in e[stream + "_lacks"]]))
        order = e.get("order" if stream == "stdout" else "stderr_order", [])
        if order:
            out.append((f"{stream} order", [f"{line(a)}  before  {line(b)}" for a, b in order]))
        if not any(k in e for k in (stream, stream + "_has", stream + "_lacks")) and not order:
            out.append((f"{stream}", ["(nothing)"]))
    if e.get("results"):
        out.append(("results (=> label = value)",
                    [f"{label} {matcher(m)}" if matcher(m).startswith("=") else f"{label}: {matcher(m)}"
                     for label, m in e["results"].items()]))
    for t in e.get("timing", []):
        if "median_max_ms" in t:
            text = f"median from {t['from']} to {t['to']} at most {t['median_max_ms']} ms"
            if "baseline" in t:
                text += f" more than from {t['baseline'][0]} to {t['baseline'][1]}"
        else:
            bounds = " and ".join(x for x in (f"at least {t['min']}" if "min" in t else "",
                                              f"at most {t['max']}" if "max" in t else "") if x)
            text = f"from {t['from']} to {t['to']}: {bounds} units"
        out.append(("timing (judged by the harness, from its trace)", [text]))
    if e.get("gone"):
        out.append(("gone when the main program exits (the kernel's record)", list(e["gone"])))
    return out
