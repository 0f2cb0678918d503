"""Compare one run's observation with a case's expectations: a list of checks.

A check is (name, expected, observed, ok); the runner prints the failed ones side by
side. Line lists are multisets of templates: a string matches a whole line, with
${int} for any integer and ${label} for the value a step recorded under that label;
{re = "..."} is a regular expression for the whole line.
"""
import json
import re
import statistics

from ..spec.protocol import NOT_PROCESS_ERROR
from ..spec.vocabulary import TEMPLATE_REF


class Check:
    def __init__(self, name, expected, observed, ok, late=False):
        self.name, self.expected, self.observed, self.ok = name, expected, observed, ok
        # Failed only because something took longer than a bound: a loaded machine can do
        # that to a correct implementation, so the runner plays such a run again (runner.py).
        self.late = late and not ok


def show(value):
    return json.dumps(value) if not isinstance(value, str) else value


def same(a, b):
    """Equality of JSON values that keeps true apart from 1."""
    return type(a) is type(b) and a == b


# What a letter of /proc/PID/stat means to someone who has not read proc(5).
STATES = {"R": "still running", "S": "still running, asleep", "D": "still running, in a "
          "system call that cannot be interrupted", "Z": "a zombie: it ended but was never "
          "reaped by wait", "T": "stopped by a signal", "t": "stopped by the tracer",
          "I": "still running, idle"}


def process_state(proc):
    """A process seen in /proc, in words: 'pid 8 python3 w.py: a zombie: ... (state Z)'."""
    state, name = proc.get("state", "?"), proc.get("cmd") or proc.get("comm", "")
    return f"pid {proc['pid']} {name}: {STATES.get(state, 'still there')} (state {state})"


class Judge:
    def __init__(self, case, obs, unit):
        self.case, self.obs, self.unit = case, obs, unit
        self.events = {}
        for ev in obs.trace:
            if ev.get("ev") == "op" and "as" in ev:
                self.events.setdefault(ev["as"], []).append(ev)

    def values(self, label):
        return [ev.get("value") for ev in self.events.get(label, []) if "error" not in ev]

    def pattern(self, template):
        if isinstance(template, dict):
            return re.compile(template["re"])
        parts, pos = [], 0
        for m in TEMPLATE_REF.finditer(template):
            parts.append(re.escape(template[pos:m.start()]))
            ref = m.group(1)
            if ref == "int":
                parts.append(r"-?\d+")
            else:
                vals = self.values(ref)
                parts.append("(?:" + "|".join(re.escape(str(v)) for v in vals) + ")" if vals else r"(?!x)x")
            pos = m.end()
        parts.append(re.escape(template[pos:]))
        return re.compile("".join(parts))

    def run(self):
        e, obs, checks = self.case.expect, self.obs, []
        checks.append(Check("main program's exit status", e.get("exit_status", 0), obs.status,
                            same(obs.status, e.get("exit_status", 0))))
        for stream in ("stdout", "stderr"):
            checks += self.lines(stream, getattr(obs, stream))
        for label, matcher in e.get("results", {}).items():
            checks.append(self.result(label, matcher))
        for t in e.get("timing", []):
            checks.append(self.timing(t))
        at_exit = {p["pid"]: p for p in obs.report.get("at_exit", [])}
        for label in e.get("gone", []):
            pids = [v for v in self.values(label) if type(v) is int]  # true is no pid
            alive = [process_state(at_exit[p]) for p in pids if p in at_exit]
            checks.append(Check(f"pid {label} gone when the main program exited",
                                "gone" if pids else "a recorded pid", ", ".join(alive) or
                                ("gone" if pids else "no pid recorded"), bool(pids) and not alive))
        checks.append(self.unexpected_errors())
        awaited = [ev for ev in obs.trace if ev.get("ev") == "op"
                   and ev.get("do") in ("await", "await_end")]
        if awaited:
            missed = [f"{ev.get('proc')} waited in vain for "
                      + (repr(ev.get("point")) if ev.get("do") == "await"
                         else f"{ev.get('p')} to end")
                      for ev in awaited if ev.get("value") is not True]
            checks.append(Check("every awaited point was reached", "reached",
                                "; ".join(missed) or "reached", not missed))
        garbled = [ev.get("line", "") for ev in obs.trace if ev.get("ev") == "garbled"]
        checks.append(Check("trace lines well-formed", "all", f"{len(garbled)} malformed, the "
                            f"first: {garbled[0]!r}" if garbled else "all", not garbled))
        leaked = obs.report.get("leaked", [])
        checks.append(Check("no process of the run left", "none",
                            "; ".join(process_state(p) for p in leaked)
                            or "none", not leaked))
        return checks

    def unexpected_errors(self):
        """An error from a step whose result the case does not expect to be an error fails
        the case, checked or not: a start() that raises must not pass a case that only looks
        at what happens afterwards."""
        declared = set()
        for label, m in self.case.expect.get("results", {}).items():
            m = self.branch(m)[0] or {}
            if "error" in m or "error_any" in m:
                declared.add(label)
        bad = [f"{ev.get('do')}{' of ' + str(ev['p']) if 'p' in ev else ''} in {ev.get('proc')}: "
               f"{ev.get('error_type', 'error')}: {ev['error']}"
               for ev in self.obs.trace
               if ev.get("ev") == "op" and "error" in ev and ev.get("as") not in declared]
        return Check("no unexpected error in a step", "none", bad or "none", not bad)

    def lines(self, stream, observed):
        e, out = self.case.expect, []
        keys = [k for k in (stream, stream + "_has", stream + "_lacks",
                            "order" if stream == "stdout" else "stderr_order") if k in e]
        if not keys:
            return [Check(f"{stream} lines", "(nothing)", observed or "(nothing)", not observed)]
        if stream in e:
            want = e[stream]
            ok = len(want) == len(observed) and match_count(self.patterns(want), observed) == len(want)
            out.append(Check(f"{stream} lines (any order)", show_lines(want), observed, ok))
        if stream + "_has" in e:
            want = e[stream + "_has"]
            ok = match_count(self.patterns(want), observed) == len(want)
            out.append(Check(f"{stream} includes", show_lines(want), observed, ok))
        if stream + "_lacks" in e:
            pats = self.patterns(e[stream + "_lacks"])
            bad = [line for line in observed if any(p.fullmatch(line) for p in pats)]
            out.append(Check(f"{stream} lacks", show_lines(e[stream + "_lacks"]),
                             bad or "(none of them)", not bad))
        for a, b in e.get("order" if stream == "stdout" else "stderr_order", []):
            pa, pb = self.pattern(a), self.pattern(b)
            ia = [i for i, line in enumerate(observed) if pa.fullmatch(line)]
            ib = [i for i, line in enumerate(observed) if pb.fullmatch(line)]
            ok = bool(ia) and bool(ib) and max(ia) < min(ib)
            seen = (f"{'line ' + str(ia[-1] + 1) if ia else 'missing'} / "
                    f"{'line ' + str(ib[0] + 1) if ib else 'missing'}")
            out.append(Check(f"{stream} order", f"{show(a)!r} before {show(b)!r}", seen, ok))
        return out

    def patterns(self, lines):
        return [self.pattern(t) for t in lines]

    def branch(self, m):
        """(the matchers that hold in this run, how they were chosen): `m` itself, or for
        {when = LABEL, then = {...}} the branch of LABEL's value; (None, why) when LABEL has
        no single string value or no branch for it."""
        if "when" not in m:
            return m, ""
        label = m["when"]
        values = self.values(label)
        if len(self.events.get(label, [])) != 1 or len(values) != 1:
            return None, f"when {label} has one value (it has {len(values)})"
        value = values[0]
        if not isinstance(value, str) or value not in m["then"]:
            return None, f"when {label} = {show(value)}: no expectation for that value"
        return m["then"][value], f"when {label} = {value}: "

    def result(self, label, m):
        evs = self.events.get(label, [])
        name = f"result {label}"
        m, chosen = self.branch(m)
        observed = [error_seen(ev) if "error" in ev else ev.get("value") for ev in evs]
        shown = show(observed[0]) if len(observed) == 1 else show(observed)
        if m is None:
            return Check(name, chosen, shown if evs else "never recorded", False)
        expected = chosen + ", ".join(f"{k}={show(v)}" for k, v in m.items())
        if "count" in m and len(evs) != m["count"]:
            return Check(name, expected, f"{len(evs)} recorded: {shown}", False)
        if not evs:
            ok = m.get("count") == 0
            return Check(name, expected, "never recorded", ok)
        return Check(name, expected, shown, all(self.matches(ev, m) for ev in evs))

    def matches(self, ev, m):
        if "error_any" in m:
            return ("error" in ev) == m["error_any"] and not wrong_error_type(ev)
        if "error" in m:
            return ev.get("error") == m["error"] and not wrong_error_type(ev)
        if "error" in ev:
            return False
        v = ev.get("value")
        if "null" in m and (v is None) != m["null"]:
            return False
        if "value" in m and not same(v, m["value"]):
            return False
        if "one_of" in m and not any(same(v, x) for x in m["one_of"]):
            return False
        if "like" in m:
            likes = m["like"] if isinstance(m["like"], list) else [m["like"]]
            if not (isinstance(v, str) and any(self.pattern(t).fullmatch(v) for t in likes)):
                return False
        if "re" in m and not (isinstance(v, str) and re.fullmatch(m["re"], v)):
            return False
        if "type" in m:
            kinds = {"int": int, "string": str, "bool": bool, "list": list, "null": type(None)}
            if type(v) is not kinds[m["type"]]:
                return False
        if "min" in m and not (isinstance(v, int) and v >= m["min"]):
            return False
        if "same_as" in m and not any(same(v, x) for x in self.values(m["same_as"])):
            return False
        if "differs_from" in m and any(same(v, x) for x in self.values(m["differs_from"])):
            return False
        return True

    def times(self, ref):
        if ref == "@launch":
            return [self.obs.report.get("launch")]
        if ref == "@exit":
            return [self.obs.report.get("exit")]
        label, key = (ref[:-3], "t0") if ref.endswith(".t0") else (ref, "t")
        return [ev.get(key) for ev in self.events.get(label, [])]

    def timing(self, t):
        if "median_max_ms" in t:
            return self.median_timing(t)
        lo, hi = t.get("min"), t.get("max")
        name = f"time from {t['from']} to {t['to']}"
        expected = (f"{lo} .. {hi} units" if lo is not None and hi is not None
                    else f">= {lo} units" if lo is not None else f"<= {hi} units")
        a = [x for x in self.times(t["from"]) if x is not None]
        b = [x for x in self.times(t["to"]) if x is not None]
        if not a or not b:
            return Check(name, expected, "an end was never recorded", False)
        spans = [(y - x) / self.unit for x in a for y in b]
        early = any(lo is not None and s < lo for s in spans)
        ok = not early and all(hi is None or s <= hi for s in spans)
        shown = (f"{min(spans):.2f} units" if len(spans) == 1
                 else f"{min(spans):.2f} .. {max(spans):.2f} units")
        return Check(name, expected, shown, ok, late=not early)


    def median_timing(self, t):
        """The median, in milliseconds, of the spans from the k-th `from` event to the k-th
        `to` event (in time order): for a claim that a unit is too coarse to see, measured
        over many repetitions so that one slow wake-up on a loaded machine does not decide.
        With `baseline` (a [from, to] pair of labels), the bound is on how much that median
        exceeds the baseline's: the implementation's own wake-up cost is not held against it."""
        name = f"median time from {t['from']} to {t['to']}"
        expected = f"<= {t['median_max_ms']} ms" + (
            f" more than {t['baseline'][0]} to {t['baseline'][1]}" if "baseline" in t else "")
        spans, problem = self.paired_spans(t["from"], t["to"])
        base, base_problem = (self.paired_spans(*t["baseline"]) if "baseline" in t
                              else ([0.0], None))
        if problem or base_problem:
            return Check(name, expected, problem or base_problem, False)
        median, base_median = statistics.median(spans), statistics.median(base)
        shown = f"{median:.2f} ms (over {len(spans)}: {min(spans):.2f} .. {max(spans):.2f})"
        if "baseline" in t:
            shown += f"; baseline {base_median:.2f} ms (over {len(base)})"
        return Check(name, expected, shown, median - base_median <= t["median_max_ms"],
                     late=True)

    def paired_spans(self, first, then):
        """([ms from the k-th `first` to the k-th `then` event], None) or ([], why not)."""
        a = sorted(x for x in self.times(first) if x is not None)
        b = sorted(x for x in self.times(then) if x is not None)
        if not a or len(a) != len(b):
            return [], f"{len(a)} {first} and {len(b)} {then} events"
        return [(y - x) * 1000 for x, y in zip(a, b)], None

def show_lines(lines):
    return [line if isinstance(line, str) else f"re:{line['re']}" for line in lines]


def wrong_error_type(ev):
    """API.md: misuse throws mp::ProcessError; the right message in another exception type is
    a different error (a caller's `catch (const mp::ProcessError&)` misses it)."""
    return ev.get("error_type") == NOT_PROCESS_ERROR


def error_seen(ev):
    if wrong_error_type(ev):
        return {"error": ev["error"], "thrown as": "not mp::ProcessError"}
    return {"error": ev["error"]}


def match_count(patterns, lines):
    """Size of a maximum matching of patterns to distinct lines."""
    return len(matching(patterns, lines))


def matching(patterns, lines):
    """A maximum matching of patterns (compiled, each matching a whole line) to distinct
    lines, as {line index: pattern index} (Kuhn's algorithm). A greedy first-fit is not
    enough: ["a.*", "ab"] against ["ab", "ax"] matches both only if "a.*" takes "ax"."""
    owner = [None] * len(lines)

    def assign(i, seen):
        for j, line in enumerate(lines):
            if j not in seen and patterns[i].fullmatch(line):
                seen.add(j)
                if owner[j] is None or assign(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    for i in range(len(patterns)):
        assign(i, set())
    return {j: i for j, i in enumerate(owner) if i is not None}
