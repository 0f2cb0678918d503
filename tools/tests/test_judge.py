"""The judge (tools/mpspec_runner/judge/checks.py): line matching, templates, stdout/stderr
checks, result matchers, timing, `gone` and leaked processes, on small made-up runs."""
import re
import unittest
from types import SimpleNamespace

from mpspec_runner.checkout import SPEC
from mpspec_runner.judge import checks as judge
from mpspec_runner.sandbox import trace as trace_file
from mpspec_runner.spec import cases, vocabulary


def op(label, value=None, error=None, t=None, t0=None, pid=None):
    """One op event of a trace, as a driver writes it."""
    ev = {"ev": "op", "proc": "main", "do": "mark", "as": label}
    if error is not None:
        ev["error"] = error
    else:
        ev["value"] = value
    if t is not None:
        ev["t"] = t
    if t0 is not None:
        ev["t0"] = t0
    if pid is not None:
        ev["pid"] = pid
    return ev


def make(expect, trace=(), stdout=(), stderr=(), status=0, report=None, unit=0.1):
    case = SimpleNamespace(expect=expect)
    obs = SimpleNamespace(trace=list(trace), stdout=list(stdout), stderr=list(stderr),
                          status=status, report=report or {})
    return judge.Judge(case, obs, unit)


def checks(expect, **run):
    return make(expect, **run).run()


def named(checks_, prefix):
    """The one check whose name starts with `prefix`."""
    found = [c for c in checks_ if c.name.startswith(prefix)]
    if len(found) != 1:
        raise AssertionError(f"{len(found)} checks named {prefix!r}: {[c.name for c in checks_]}")
    return found[0]


def failed(checks_):
    return [c.name for c in checks_ if not c.ok]


class MatchCountTest(unittest.TestCase):
    def count(self, patterns, lines):
        return judge.match_count([re.compile(p) for p in patterns], lines)

    def test_maximum_not_greedy(self):
        # A first fit gives "ab" to "a.*" and leaves "ab" (the pattern) nothing.
        self.assertEqual(self.count(["a.*", "ab"], ["ab", "ax"]), 2)
        self.assertEqual(self.count(["ab", "a.*"], ["ab", "ax"]), 2)
        self.assertEqual(self.count([".*", "x", "y"], ["x", "y", "z"]), 3)

    def test_each_line_serves_one_pattern(self):
        self.assertEqual(self.count(["a", "a"], ["a"]), 1)
        self.assertEqual(self.count(["a"], ["a", "a"]), 1)
        self.assertEqual(self.count(["a", "b"], ["c"]), 0)
        self.assertEqual(self.count([], ["a"]), 0)
        self.assertEqual(self.count(["a"], []), 0)

    def test_patterns_match_whole_lines(self):
        self.assertEqual(self.count(["a"], ["ab"]), 0)
        self.assertEqual(self.count(["b"], ["ab"]), 0)

    def test_matching_pairs_distinct_lines_with_patterns(self):
        pats = [re.compile(p) for p in ["a.*", "ab", "a."]]
        pairs = judge.matching(pats, ["ab", "ax", "ay"])
        self.assertEqual(len(pairs), 3)
        self.assertEqual(sorted(pairs.values()), [0, 1, 2])
        for line, pat in pairs.items():
            self.assertTrue(pats[pat].fullmatch(["ab", "ax", "ay"][line]))


class TemplateTest(unittest.TestCase):
    def test_int_is_any_integer(self):
        p = make({}).pattern("Worker: ${int}")
        for line in ("Worker: 0", "Worker: 42", "Worker: -15"):
            self.assertTrue(p.fullmatch(line), line)
        for line in ("Worker: x", "Worker: 4.2", "Worker: ", "Worker: 1 "):
            self.assertFalse(p.fullmatch(line), line)

    def test_literal_text_is_not_a_regex(self):
        p = make({}).pattern("a.b (x)* ${int}")
        self.assertTrue(p.fullmatch("a.b (x)* 3"))
        self.assertFalse(p.fullmatch("aXb (x)* 3"))
        self.assertFalse(p.fullmatch("a.b x 3"))

    def test_label_is_a_recorded_value(self):
        j = make({}, trace=[op("w", 123), op("w", 456), op("w", error="boom"),
                            {"ev": "case_error", "as": "w", "value": 789}, op("other", 7)])
        p = j.pattern("pid ${w}")
        self.assertTrue(p.fullmatch("pid 123"))
        self.assertTrue(p.fullmatch("pid 456"))
        self.assertFalse(p.fullmatch("pid 789"))  # not an op event
        self.assertFalse(p.fullmatch("pid boom"))  # an error is no value
        self.assertFalse(p.fullmatch("pid 7"))
        self.assertFalse(p.fullmatch("pid 1234"))

    def test_label_value_is_escaped(self):
        p = make({}, trace=[op("n", "a.b")]).pattern("name ${n}")
        self.assertTrue(p.fullmatch("name a.b"))
        self.assertFalse(p.fullmatch("name axb"))

    def test_unrecorded_label_matches_nothing(self):
        p = make({}).pattern("pid ${nope}")
        self.assertFalse(p.fullmatch("pid "))
        self.assertFalse(p.fullmatch("pid ${nope}"))
        self.assertFalse(p.fullmatch("pid x"))

    def test_re_is_a_whole_line_regex(self):
        p = make({}).pattern({"re": "a+b?"})
        self.assertTrue(p.fullmatch("aaa"))
        self.assertTrue(p.fullmatch("aab"))
        self.assertFalse(p.fullmatch("aabb"))
        self.assertFalse(p.fullmatch("xaa"))

    def test_one_template_syntax_for_judge_and_lint(self):
        self.assertIs(vocabulary.TEMPLATE_REF, judge.TEMPLATE_REF)


class ExitStatusTest(unittest.TestCase):
    def test_default_is_zero(self):
        self.assertTrue(named(checks({}, status=0), "main program's exit status").ok)
        self.assertFalse(named(checks({}, status=1), "main program's exit status").ok)
        self.assertFalse(named(checks({}, status=None), "main program's exit status").ok)

    def test_expected_status(self):
        self.assertTrue(named(checks({"exit_status": 3}, status=3), "main program's").ok)
        self.assertFalse(named(checks({"exit_status": 3}, status=0), "main program's").ok)

    def test_a_clean_run_passes_every_check(self):
        self.assertEqual(failed(checks({"stdout": ["x"]}, stdout=["x"])), [])


class LinesTest(unittest.TestCase):
    def test_nothing_expected_means_nothing_printed(self):
        self.assertTrue(named(checks({}), "stdout lines").ok)
        self.assertFalse(named(checks({}, stdout=["x"]), "stdout lines").ok)
        self.assertFalse(named(checks({}, stderr=["x"]), "stderr lines").ok)

    def test_stdout_is_an_exact_multiset(self):
        want = {"stdout": ["Worker"] * 2 + ["Done ${int}"]}
        ok = lambda out: named(checks(want, stdout=out), "stdout lines (any order)").ok  # noqa: E731
        self.assertTrue(ok(["Worker", "Done 5", "Worker"]))
        self.assertFalse(ok(["Worker", "Done 5"]))                      # one Worker short
        self.assertFalse(ok(["Worker", "Worker", "Worker", "Done 5"]))  # one too many
        self.assertFalse(ok(["Worker", "Worker", "Done x"]))
        self.assertFalse(ok(["Worker", "Worker", "Done 5", ""]))

    def test_stdout_needs_a_maximum_matching(self):
        want = {"stdout": [{"re": "a.*"}, "ab"]}
        self.assertTrue(named(checks(want, stdout=["ab", "ax"]), "stdout lines").ok)

    def test_has_allows_other_lines_but_counts_repeats(self):
        want = {"stdout_has": ["Worker", "Worker"]}
        self.assertTrue(named(checks(want, stdout=["a", "Worker", "Worker"]), "stdout includes").ok)
        self.assertFalse(named(checks(want, stdout=["a", "Worker"]), "stdout includes").ok)
        # _has alone: other lines are no failure of a "stdout lines" check
        self.assertEqual(failed(checks(want, stdout=["Worker", "b", "Worker"])), [])

    def test_lacks(self):
        want = {"stdout_lacks": ["Exiting : daemon", {"re": "Finished.*"}]}
        self.assertTrue(named(checks(want, stdout=["Exiting : non-daemon"]), "stdout lacks").ok)
        bad = named(checks(want, stdout=["x", "Finished worker"]), "stdout lacks")
        self.assertFalse(bad.ok)
        self.assertEqual(bad.observed, ["Finished worker"])
        self.assertFalse(named(checks(want, stdout=["Exiting : daemon"]), "stdout lacks").ok)

    def test_order_every_earlier_before_every_later(self):
        want = {"stdout_has": ["a"], "order": [["a", "b ${int}"]]}
        ok = lambda out: named(checks(want, stdout=out), "stdout order").ok  # noqa: E731
        self.assertTrue(ok(["a", "a", "b 1", "b 2"]))
        self.assertFalse(ok(["a", "b 1", "a"]))
        self.assertFalse(ok(["b 1", "a"]))
        self.assertFalse(ok(["a"]))       # the later one missing
        self.assertFalse(ok(["b 1"]))     # the earlier one missing

    def test_stderr_has_its_own_checks(self):
        want = {"stderr_has": [{"re": ".*There was an error!"}], "stderr_lacks": ["Traceback"],
                "stderr_order": [["Process raises:", {"re": ".*error!"}]]}
        good = checks(want, stderr=["Process raises:", "RuntimeError: There was an error!"])
        self.assertEqual(failed(good), [])
        bad = checks(want, stderr=["RuntimeError: There was an error!", "Process raises:",
                                   "Traceback"])
        self.assertEqual(failed(bad), ["stderr lacks", "stderr order"])
        self.assertTrue(named(checks({"stderr": ["x"]}, stderr=["x"]), "stderr lines").ok)
        # stdout's `order` says nothing about stderr
        self.assertTrue(named(checks({"order": [["a", "b"]], "stdout_has": []}, stdout=["a", "b"],
                                     stderr=[]), "stderr lines").ok)


class ResultsTest(unittest.TestCase):
    def ok(self, matcher, *events, extra=()):
        trace = [op("r", **ev) if isinstance(ev, dict) else op("r", ev) for ev in events]
        return named(checks({"results": {"r": matcher}}, trace=[*trace, *extra]), "result r").ok

    def test_value_keeps_true_apart_from_one(self):
        self.assertTrue(self.ok({"value": 1}, 1))
        self.assertFalse(self.ok({"value": 1}, True))
        self.assertTrue(self.ok({"value": True}, True))
        self.assertFalse(self.ok({"value": True}, 1))
        self.assertFalse(self.ok({"value": 0}, False))
        self.assertFalse(self.ok({"value": False}, 0))
        self.assertFalse(self.ok({"value": "1"}, 1))
        self.assertTrue(self.ok({"value": ["a", "b"]}, ["a", "b"]))
        self.assertFalse(self.ok({"value": ["a", "b"]}, ["b", "a"]))

    def test_one_of(self):
        self.assertTrue(self.ok({"one_of": [-15, -9]}, -9))
        self.assertFalse(self.ok({"one_of": [-15, -9]}, 0))
        self.assertFalse(self.ok({"one_of": [1, 0]}, True))

    def test_like_is_a_template(self):
        m = {"like": "<Process name='${int}' ${n}>"}
        extra = [op("n", "started")]
        self.assertTrue(self.ok(m, "<Process name='3' started>", extra=extra))
        self.assertFalse(self.ok(m, "<Process name='3' stopped>", extra=extra))
        self.assertFalse(self.ok({"like": "${int}"}, 3))  # not a string
        many = {"like": ["a ${int}", "b"]}
        self.assertTrue(self.ok(many, "b"))
        self.assertTrue(self.ok(many, "a 1"))
        self.assertFalse(self.ok(many, "c"))

    def test_re(self):
        self.assertTrue(self.ok({"re": "Process-[0-9]+"}, "Process-12"))
        self.assertFalse(self.ok({"re": "Process-[0-9]+"}, "Process-12x"))
        self.assertFalse(self.ok({"re": "1"}, 1))

    def test_type(self):
        self.assertTrue(self.ok({"type": "int"}, 3))
        self.assertFalse(self.ok({"type": "int"}, True))
        self.assertTrue(self.ok({"type": "bool"}, False))
        self.assertFalse(self.ok({"type": "bool"}, 0))
        self.assertTrue(self.ok({"type": "string"}, ""))
        self.assertTrue(self.ok({"type": "list"}, []))
        self.assertTrue(self.ok({"type": "null"}, None))
        self.assertFalse(self.ok({"type": "null"}, 0))

    def test_min(self):
        self.assertTrue(self.ok({"min": 2}, 2))
        self.assertTrue(self.ok({"min": 2}, 7))
        self.assertFalse(self.ok({"min": 2}, 1))
        self.assertFalse(self.ok({"min": 0}, "5"))

    def test_null(self):
        self.assertTrue(self.ok({"null": True}, None))
        self.assertFalse(self.ok({"null": True}, 0))
        self.assertTrue(self.ok({"null": False}, 0))
        self.assertFalse(self.ok({"null": False}, None))

    def test_same_as_and_differs_from(self):
        other = [op("o", 5), op("o", 6)]
        self.assertTrue(self.ok({"same_as": "o"}, 6, extra=other))
        self.assertFalse(self.ok({"same_as": "o"}, 7, extra=other))
        self.assertFalse(self.ok({"same_as": "o"}, True, extra=[op("o", 1)]))
        self.assertFalse(self.ok({"same_as": "nothing"}, 5))
        self.assertTrue(self.ok({"differs_from": "o"}, 7, extra=other))
        self.assertFalse(self.ok({"differs_from": "o"}, 5, extra=other))
        self.assertTrue(self.ok({"differs_from": "o"}, True, extra=[op("o", 1)]))

    def test_error(self):
        self.assertTrue(self.ok({"error": "can only join a started process"},
                                {"error": "can only join a started process"}))
        self.assertFalse(self.ok({"error": "can only join a started process"}, {"error": "other"}))
        self.assertFalse(self.ok({"error": "x"}, None))
        self.assertTrue(self.ok({"error_any": True}, {"error": "whatever"}))
        self.assertFalse(self.ok({"error_any": True}, None))
        self.assertTrue(self.ok({"error_any": False}, 3))
        self.assertFalse(self.ok({"error_any": False}, {"error": "x"}))

    def test_an_error_fails_a_value_matcher(self):
        self.assertFalse(self.ok({"null": True}, {"error": "x"}))
        self.assertFalse(self.ok({"type": "null"}, {"error": "x"}))

    def test_every_event_of_a_label_must_match(self):
        self.assertTrue(self.ok({"value": 0}, 0, 0))
        self.assertFalse(self.ok({"value": 0}, 0, 1))

    def test_count(self):
        self.assertTrue(self.ok({"count": 2, "value": 0}, 0, 0))
        self.assertFalse(self.ok({"count": 2}, 0))
        self.assertFalse(self.ok({"count": 1}, 0, 0))
        c = named(checks({"results": {"r": {"count": 3}}}, trace=[op("r", 1)]), "result r")
        self.assertEqual(c.observed, "1 recorded: 1")

    def test_never_recorded(self):
        c = named(checks({"results": {"r": {"null": True}}}, trace=[op("x")]), "result r")
        self.assertFalse(c.ok)
        self.assertEqual(c.observed, "never recorded")

    def test_count_zero_is_never_recorded(self):
        self.assertTrue(named(checks({"results": {"r": {"count": 0}}}, trace=[op("x")]),
                              "result r").ok)
        self.assertFalse(self.ok({"count": 0}, 1))


class WhenTest(unittest.TestCase):
    """{when = LABEL, then = {...}}: the branch of LABEL's one value holds, the others not."""
    BY_METHOD = {"when": "method", "then": {"fork": {"value": 99}, "spawn": {"value": 10}}}

    def result(self, matcher, method_events, *events):
        trace = [*method_events, *(op("r", **ev) if isinstance(ev, dict) else op("r", ev)
                                   for ev in events)]
        return named(checks({"results": {"r": matcher}}, trace=trace), "result r")

    def test_the_branch_of_the_recorded_value_decides(self):
        fork, spawn = [op("method", "fork")], [op("method", "spawn")]
        self.assertTrue(self.result(self.BY_METHOD, fork, 99).ok)
        self.assertFalse(self.result(self.BY_METHOD, fork, 10).ok)
        self.assertTrue(self.result(self.BY_METHOD, spawn, 10).ok)
        c = self.result(self.BY_METHOD, spawn, 99)
        self.assertFalse(c.ok)
        self.assertEqual(c.expected, "when method = spawn: value=10")

    def test_no_single_value_no_branch(self):
        for method in ([], [op("method", "fork"), op("method", "fork")],
                       [op("method", error="no get_start_method")], [op("method", 3)],
                       [op("method", "forkserver")]):
            c = self.result(self.BY_METHOD, method, 99)
            self.assertFalse(c.ok, method)
        c = self.result(self.BY_METHOD, [op("method", "forkserver")], 10)
        self.assertEqual(c.expected, "when method = forkserver: no expectation for that value")
        self.assertEqual(self.result(self.BY_METHOD, [], 10).expected,
                         "when method has one value (it has 0)")

    def test_a_branch_may_count_zero(self):
        m = {"when": "method", "then": {"fork": {"count": 1}, "spawn": {"count": 0}}}
        self.assertTrue(self.result(m, [op("method", "spawn")]).ok)
        self.assertFalse(self.result(m, [op("method", "spawn")], None).ok)
        self.assertFalse(self.result(m, [op("method", "fork")]).ok)

    def test_an_error_is_expected_only_in_its_branch(self):
        m = {"when": "method", "then": {"fork": {"null": True}, "spawn": {"error_any": True}}}
        for method, ok in (("spawn", True), ("fork", False)):
            run = checks({"results": {"r": m}},
                         trace=[op("method", method), op("r", error="cannot pickle")])
            self.assertEqual(named(run, "no unexpected error").ok, ok, method)


class TimingTest(unittest.TestCase):
    REPORT = {"launch": 100.0, "exit": 102.0}

    def check(self, t, trace=(), unit=0.1):
        return named(checks({"timing": [t]}, trace=trace, report=self.REPORT, unit=unit),
                     "time from")

    def test_spans_are_in_units(self):
        trace = [op("j", t=100.5, t0=100.2)]
        self.assertTrue(self.check({"from": "@launch", "to": "j", "min": 4, "max": 6}, trace).ok)
        self.assertFalse(self.check({"from": "@launch", "to": "j", "max": 4}, trace).ok)
        self.assertFalse(self.check({"from": "@launch", "to": "j", "min": 6}, trace).ok)
        self.assertTrue(self.check({"from": "@launch", "to": "j", "max": 4}, trace, unit=0.5).ok)
        c = self.check({"from": "@launch", "to": "j", "min": 0}, trace)
        self.assertEqual(c.observed, "5.00 units")

    def test_t0_is_when_the_op_began(self):
        trace = [op("j", t=100.5, t0=100.2)]
        self.assertTrue(self.check({"from": "j.t0", "to": "j", "min": 2.9, "max": 3.1}, trace).ok)
        self.assertTrue(self.check({"from": "j", "to": "@exit", "min": 14.9, "max": 15.1}, trace).ok)

    def test_every_pair_must_hold(self):
        trace = [op("j", t=100.3), op("j", t=101.0)]
        self.assertFalse(self.check({"from": "@launch", "to": "j", "max": 5}, trace).ok)
        self.assertTrue(self.check({"from": "@launch", "to": "j", "max": 10}, trace).ok)
        self.assertEqual(self.check({"from": "@launch", "to": "j", "max": 10}, trace).observed,
                         "3.00 .. 10.00 units")

    def test_only_a_span_over_its_bound_is_late(self):
        """Late (the runner plays the run again) only when too slow: a span under its lower
        bound is the implementation's doing, never the machine's load."""
        trace = [op("j", t=100.5, t0=100.2)]
        self.assertTrue(self.check({"from": "@launch", "to": "j", "max": 4}, trace).late)
        self.assertFalse(self.check({"from": "@launch", "to": "j", "min": 6}, trace).late)
        self.assertFalse(self.check({"from": "@launch", "to": "j", "min": 6, "max": 8},
                                    trace).late)
        self.assertFalse(self.check({"from": "@launch", "to": "j", "max": 6}, trace).late)
        self.assertFalse(self.check({"from": "@launch", "to": "nope", "max": 100}).late)

    def test_an_end_never_recorded_fails(self):
        c = self.check({"from": "@launch", "to": "nope", "max": 100})
        self.assertFalse(c.ok)
        self.assertEqual(c.observed, "an end was never recorded")
        self.assertFalse(self.check({"from": "j.t0", "to": "j", "max": 100}, [op("j", t=101)]).ok)


class MedianTimingTest(unittest.TestCase):
    def check(self, trace, bound=5):
        t = {"from": "done", "to": "joined", "median_max_ms": bound}
        return named(checks({"timing": [t]}, trace=trace), "median time from")

    def test_kth_from_pairs_with_kth_to_and_the_median_decides(self):
        # Spans 1, 2, 30 ms: one slow wake-up does not decide, the median (2 ms) does.
        trace = [op("done", t=10.0), op("joined", t=10.001), op("done", t=20.0),
                 op("joined", t=20.002), op("joined", t=30.030), op("done", t=30.0)]
        c = self.check(trace)
        self.assertTrue(c.ok)
        self.assertEqual(c.observed, "2.00 ms (over 3: 1.00 .. 30.00)")
        self.assertFalse(self.check(trace, bound=1.5).ok)

    def test_a_polling_join_fails(self):
        trace = []
        for k in range(21):
            trace += [op("done", t=k * 1.0), op("joined", t=k * 1.0 + (k % 7) * 0.003)]
        self.assertFalse(self.check(trace).ok)  # spans 0..18 ms, median 9 ms

    def test_a_baseline_takes_off_the_implementations_own_wake_up(self):
        # join wakes 8 ms after the end, the sentinel 7 ms after: 1 ms over the baseline.
        trace = []
        for k in range(5):
            trace += [op("done", t=k * 1.0), op("joined", t=k * 1.0 + 0.008),
                      op("s_done", t=k * 1.0 + 0.5), op("ready", t=k * 1.0 + 0.507)]
        t = {"from": "done", "to": "joined", "median_max_ms": 5,
             "baseline": ["s_done", "ready"]}
        c = named(checks({"timing": [t]}, trace=trace), "median time from")
        self.assertTrue(c.ok, c.observed)
        self.assertIn("baseline 7.00 ms", c.observed)
        self.assertFalse(self.check(trace).ok)  # 8 ms without the baseline
        t["baseline"] = ["s_done", "nothing"]
        self.assertFalse(named(checks({"timing": [t]}, trace=trace), "median time from").ok)

    def test_a_median_over_its_bound_is_late_and_unpaired_events_are_not(self):
        trace = [op("done", t=1.0), op("joined", t=1.009)]
        self.assertTrue(self.check(trace).late)
        self.assertFalse(self.check(trace, bound=10).late)
        self.assertFalse(self.check([op("done", t=1.0)]).late)

    def test_unpaired_events_fail(self):
        self.assertFalse(self.check([op("done", t=1.0)]).ok)
        self.assertFalse(self.check([]).ok)


class AwaitTest(unittest.TestCase):
    def test_an_await_that_timed_out_fails_the_case_and_one_that_did_not_passes(self):
        waited = {"ev": "op", "proc": "main/w", "do": "await", "point": "go", "value": False}
        ended = {"ev": "op", "proc": "main", "do": "await_end", "p": "w", "value": True}
        c = named(checks({}, trace=[waited, ended]), "every awaited point was reached")
        self.assertFalse(c.ok)
        self.assertEqual(c.observed, "main/w waited in vain for 'go'")
        c = named(checks({}, trace=[dict(waited, value=True), ended]),
                  "every awaited point was reached")
        self.assertTrue(c.ok)

    def test_no_await_no_check(self):
        self.assertFalse([c for c in checks({}) if c.name.startswith("every awaited")])


class HostileTraceTest(unittest.TestCase):
    """What a run writes to its trace cannot break the judge: a line that is not an event of
    the protocol's shape fails the case it was written in, and only that case."""

    LINES = [b"42", b"[1, 2]", b"null", b"not json", b'{"ev": 3}',
             b'{"ev": "op", "as": ["x"], "do": "mark"}', b'{"ev": "op", "as": "x", "t": "soon"}',
             b'{"ev": "op", "as": "x", "do": "mark", "t": 1.5, "value": null}']

    def test_malformed_lines_become_garbled_events(self):
        events = trace_file.parse_trace(b"\n".join(self.LINES) + b"\n\xff\xfe")
        self.assertEqual([e["ev"] for e in events], ["garbled"] * 7 + ["op", "garbled"])

    def test_a_garbled_trace_fails_the_case_and_the_judge_survives(self):
        trace = trace_file.parse_trace(b"\n".join(self.LINES))
        result = checks({"results": {"x": {"null": True}}}, trace=trace)
        c = named(result, "trace lines well-formed")
        self.assertFalse(c.ok)
        self.assertIn("7 malformed", c.observed)
        self.assertTrue(named(result, "result x").ok)

    def test_a_clean_trace_passes(self):
        self.assertTrue(named(checks({}, trace=[op("x", 1)]), "trace lines well-formed").ok)


class ProcessesTest(unittest.TestCase):
    def test_gone(self):
        trace = [op("w", 42)]
        alive = {"at_exit": [{"pid": 42, "state": "S", "comm": "python3"}]}
        c = named(checks({"gone": ["w"]}, trace=trace, report=alive), "pid w gone")
        self.assertFalse(c.ok)
        self.assertIn("pid 42 python3: still running, asleep (state S)", c.observed)
        other = {"at_exit": [{"pid": 43, "state": "S", "comm": "python3"}]}
        self.assertTrue(named(checks({"gone": ["w"]}, trace=trace, report=other), "pid w gone").ok)

    def test_gone_needs_a_recorded_pid(self):
        self.assertFalse(named(checks({"gone": ["w"]}), "pid w gone").ok)
        self.assertFalse(named(checks({"gone": ["w"]}, trace=[op("w", None)]), "pid w gone").ok)
        self.assertFalse(named(checks({"gone": ["w"]}, trace=[op("w", True)]), "pid w gone").ok)

    def test_leaked_processes_fail_the_case(self):
        self.assertTrue(named(checks({}), "no process of the run left").ok)
        leaked = {"leaked": [{"pid": 7, "state": "S", "cmd": "", "comm": "sleep"},
                             {"pid": 8, "state": "Z", "cmd": "python3 w.py", "comm": "python3"}]}
        c = named(checks({}, report=leaked), "no process of the run left")
        self.assertFalse(c.ok)
        self.assertEqual(c.observed, "pid 7 sleep: still running, asleep (state S); pid 8 "
                         "python3 w.py: a zombie: it ended but was never reaped by wait "
                         "(state Z)")


class UnexpectedErrorTest(unittest.TestCase):
    """A step that raised fails the case unless the case expects that error: a start() that
    raises passes no case that only looks at what came afterwards."""

    def test_an_error_of_an_unrecorded_step_fails(self):
        start = {"ev": "op", "proc": "main", "do": "start", "p": "w",
                 "error": "fork_exec() takes exactly 23 arguments", "error_type": "TypeError"}
        c = named(checks({}, trace=[start]), "no unexpected error")
        self.assertFalse(c.ok)
        self.assertEqual(c.observed, ["start of w in main: TypeError: fork_exec() takes "
                                      "exactly 23 arguments"])

    def test_an_error_of_a_checked_but_not_error_result_fails(self):
        trace = [op("code", error="boom")]
        self.assertFalse(named(checks({"results": {"code": {"value": 0}}}, trace=trace),
                               "no unexpected error").ok)

    def test_an_expected_error_does_not(self):
        trace = [op("twice", error="cannot start a process twice")]
        for matcher in ({"error": "cannot start a process twice"}, {"error_any": True}):
            self.assertTrue(named(checks({"results": {"twice": matcher}}, trace=trace),
                                  "no unexpected error").ok)
        self.assertTrue(named(checks({}, trace=[op("fine", 1)]), "no unexpected error").ok)


class RealCaseTest(unittest.TestCase):
    """A case file from spec/, judged on runs made up to pass and to fail it."""

    def setUp(self):
        self.case = cases.load(SPEC / "10.4.5-join" / "daemon-join.toml")

    def judge(self, stdout):
        return judge.Judge(self.case, SimpleNamespace(trace=[], stdout=stdout, stderr=[],
                                                      status=0, report={}), 0.1).run()

    def test_seed_output_passes(self):
        out = ["Starting: daemon", "Starting: non-daemon", "Exiting : non-daemon", "Exiting : daemon"]
        self.assertEqual(failed(self.judge(out)), [])

    def test_daemon_finishing_first_fails_the_order(self):
        out = ["Starting: daemon", "Starting: non-daemon", "Exiting : daemon", "Exiting : non-daemon"]
        self.assertEqual(failed(self.judge(out)), ["stdout order"])

    def test_a_missing_line_fails(self):
        out = ["Starting: daemon", "Starting: non-daemon", "Exiting : non-daemon"]
        self.assertIn("stdout lines (any order)", failed(self.judge(out)))


if __name__ == "__main__":
    unittest.main()
