"""The judge, the cause grouping and the scoring against what a hostile run can write, as the
lint was fuzzed: honest witnessed runs of a few cases on CPython, then every field of every
trace event swapped for hostile JSON (huge and non-finite numbers, deep nesting, other
types, invalid UTF-8, huge reprs), and hostile output lines. Nothing may raise, below the
runner's own catch-all: each of these functions sees the run's record."""
import copy
import json
import unittest

from mpspec_runner.checkout import SPEC
from mpspec_runner.grading import rubric
from mpspec_runner.grading.record import Grade
from mpspec_runner.grading.reports import feedback, junit, results_json, terminal
from mpspec_runner.judge import causes, crosscheck, explain, kernel
from mpspec_runner.judge.checks import Judge
from mpspec_runner.judge.verdict import decide
from mpspec_runner.run.adapters import find_adapter
from mpspec_runner.run.runner import Result
from mpspec_runner.sandbox import play
from mpspec_runner.sandbox.trace import parse_trace
from mpspec_runner.spec import cases

CASES = ["10.4.7-exitcode/seed-exitcodes.toml", "10.4.5-join/join-timeout-returns.toml",
         "beyond-seed/repr-killed-by-signal.toml", "10.4.4-daemon/daemon-terminated-at-exit.toml"]
UNIT = 0.2
# JSON texts a hostile trace may hold where a value goes.
HOSTILE = ["null", "true", "-1", "0", "1e308", "-1e308", "1e999", "NaN", "Infinity", "9" * 400,
           "-" + "9" * 30, '"' + "9" * 5000 + '"', '"exitcode=' + "9" * 5000 + '"', '""',
           '"\\u0000\\u001b[2J"', "[]", "{}", "[" * 3000 + "]" * 3000, '{"a": ' * 50 + "1" +
           "}" * 50, '"' + "x" * 70000 + '"', '["main/w"]', '{"re": "("}', '"${w_pid}"',
           "3.5", '"main"', "2", "1"]
LINES = [b"", b"\xff\xfe\xfd", b"{", b"[]", b"null", b'{"ev": 1}', b'{"ev": "op"}',
         b'{"ev": "op", "proc": "main/w", "pid": 99999, "do": "start", "p": "w"}',
         b"\x00" * 100, b"x" * 100000]
OUTPUT = ["", "\x1b[31mred\x1b[0m", "```", "\ufffd" * 10, "exitcode=" + "9" * 5000,
          "Worker: " + "1" * 5000, "<img src=x onerror=alert(1)>", "x" * 100000]


def honest_runs():
    adapter = find_adapter("cpython-fork")
    runs = []
    for rel in CASES:
        case = cases.load(SPEC / rel)
        obs = play.play(case, adapter, UNIT, sandbox=play.Sandbox(witness=True))
        if obs.outcome == "ran":
            runs.append((case, obs))
    return runs


def mutants(obs):
    """(a name, an observation) for each hostile change of the run's record."""
    lines = [json.dumps(ev).encode() for ev in obs.trace]
    for i, ev in enumerate(obs.trace):
        for key in list(ev) + ["value", "as", "p", "extra"]:
            for value in HOSTILE:
                changed = dict(ev)
                changed[key] = "\x00PLACE\x00"
                text = json.dumps(changed).replace('"\\u0000PLACE\\u0000"', value)
                yield f"event {i} {key}={value[:20]}", lines[:i] + [text.encode()] + lines[i + 1:]
    for extra in LINES:
        yield f"line {extra[:20]!r}", lines + [extra]


def judge_everything(case, obs, rubric_doc):
    """Every function that reads a run's record, as the runner and the grader call them."""
    checks = Judge(case, obs, UNIT).run()
    checks += [c for c in [crosscheck.check(obs)] if c] + kernel.checks(case, obs)
    verdict = decide(case, obs, checks, {})
    text = "\n".join(explain.claim_lines(case, obs, checks, verbose=True))
    result = Result(case, "student", verdict, obs.seconds, text, obs, checks)
    causes.symptom(result)
    g = Grade(name="student", source="x", max_score=100.0, build_ok=True)
    rubric.score(g, [result], rubric_doc)
    causes.likely_causes(g.results, key=lambda r: r.symptom)
    feedback.feedback(g, rubric_doc)
    json.dumps(results_json.gradescope(g))
    junit.junit(g)
    terminal.summary(g)
    terminal.as_json_line(g)
    return verdict


class FuzzTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.runs = honest_runs()
        cls.rubric = rubric.load_rubric(rubric.RUBRIC)

    def test_the_honest_runs_pass(self):
        self.assertEqual(len(self.runs), len(CASES))
        for case, obs in self.runs:
            self.assertEqual(judge_everything(case, obs, self.rubric), "PASS", case.id)

    def test_no_hostile_trace_breaks_the_judge_or_the_scoring(self):
        raised, tried = [], 0
        for case, obs in self.runs:
            for name, lines in mutants(obs):
                tried += 1
                hostile = copy.copy(obs)
                try:
                    hostile.trace = parse_trace(b"\n".join(lines))
                    judge_everything(case, hostile, self.rubric)
                except Exception as e:  # noqa: BLE001 - what this test counts
                    raised.append(f"{case.id}: {name}: {type(e).__name__}: {str(e)[:100]}")
        self.assertGreater(tried, 2000)
        print(f"\n{tried} hostile traces, {len(raised)} raised")
        self.assertEqual(raised[:10], [], f"{len(raised)} of {tried} mutants raised")

    def test_no_hostile_output_breaks_the_judge_or_the_scoring(self):
        raised = []
        for case, obs in self.runs:
            for line in OUTPUT:
                for stream in ("stdout", "stderr"):
                    hostile = copy.copy(obs)
                    setattr(hostile, stream, [*getattr(obs, stream), line])
                    try:
                        judge_everything(case, hostile, self.rubric)
                    except Exception as e:  # noqa: BLE001 - what this test counts
                        raised.append(f"{case.id}: {stream} {line[:20]!r}: {e!r}"[:200])
        self.assertEqual(raised, [])


if __name__ == "__main__":
    unittest.main()
