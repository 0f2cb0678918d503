"""The case loader and the lint (tools/mpspec_runner/spec/cases.py and lint.py): `repeat`, the
scenario a driver receives, discovery, a clear message for each kind of malformed case, and
every file under spec/ linting clean."""
import copy
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from mpspec_runner.checkout import SPEC
from mpspec_runner.spec import cases
from mpspec_runner.spec import lint as lint_mod
from mpspec_runner.spec.vocabulary import VOCABULARY

VALID = {
    "id": "join.made-up",
    "section": "10.4.5",
    "claim": "A made-up case the tests break one key at a time.",
    "level": "MUST",
    "clauses": ["api.join.blocks"],
    "timeout_class": "short",
    "weight": 2,
    "vars": {"x": 0},
    "main": [
        {"do": "create", "p": "w", "target": "worker", "args": [1, "a"], "name": "w1"},
        {"do": "start", "p": "w"},
        {"do": "join", "p": "w", "timeout": 5, "as": "joined"},
        {"do": "exitcode", "p": "w", "as": "code"},
        {"do": "print", "text": "main {pid} {v:x}"},
        {"do": "end"},
    ],
    "targets": {"worker": {"steps": [
        {"do": "print", "text": "Worker: {0} {name}"},
        {"do": "set", "var": "x", "value": 3},
        {"do": "ignore", "signal": "SIGTERM"},
        {"do": "exit", "code": 200},
    ]}},
    "expect": {
        "stdout": ["Worker: 1 w1", "main ${int} 0"],
        "results": {"joined": {"null": True}, "code": {"value": 200}},
        "timing": [{"from": "joined.t0", "to": "joined", "max": 20}],
    },
}
PATH = SPEC / "10.4.5-join" / "made-up.toml"  # never written: Case needs only its folder


def lint(data, path=PATH, seed=None):
    return lint_mod.lint_case(cases.Case(path, data), seed)


def changed(**keys):
    data = copy.deepcopy(VALID)
    for k, v in keys.items():
        if v is None:
            del data[k]
        else:
            data[k] = v
    return data


def with_main(*steps, expect=None):
    return changed(main=list(steps), expect=expect or {"stdout_has": []})


def with_target(*steps):
    return changed(targets={"worker": {"steps": list(steps)}}, expect={"stdout_has": []})


class LoaderTest(unittest.TestCase):
    def test_repeat_expands_with_i(self):
        steps = [{"do": "print", "text": "first"},
                 {"do": "repeat", "times": 3, "steps": [
                     {"do": "create", "p": "w{i}", "target": "t", "args": ["{i}", "n{i}", 7]},
                     {"do": "start", "p": "w{i}"}]},
                 {"do": "print", "text": "last {i}"}]
        out = cases.expand(steps)
        self.assertEqual(len(out), 8)
        self.assertEqual(out[0], {"do": "print", "text": "first"})
        self.assertEqual(out[1], {"do": "create", "p": "w0", "target": "t", "args": [0, "n0", 7]})
        self.assertEqual(out[6], {"do": "start", "p": "w2"})
        self.assertEqual(out[7], {"do": "print", "text": "last {i}"})  # outside: untouched
        self.assertEqual(steps[1]["steps"][0]["p"], "w{i}")  # the case itself is not changed

    def test_nested_and_empty_repeat(self):
        inner = {"do": "repeat", "times": 2, "steps": [{"do": "print", "text": "n{i}"}]}
        out = cases.expand([{"do": "repeat", "times": 2, "steps": [inner]}])
        # the outer {i} is substituted first, so the inner repeat sees plain text
        self.assertEqual([s["text"] for s in out], ["n0", "n0", "n1", "n1"])
        self.assertEqual(cases.expand([{"do": "repeat", "times": 0, "steps": [{"do": "end"}]}]), [])

    def test_scenario_is_what_a_driver_gets(self):
        data = changed(targets={"worker": {"module": "other", "steps": [
            {"do": "repeat", "times": 2, "steps": [{"do": "print", "text": "w{i}"}]}]}})
        sc = cases.Case(PATH, data).scenario(0.25)
        self.assertEqual(set(sc), {"unit", "vars", "targets", "main"})  # no case id
        self.assertEqual(sc["unit"], 0.25)
        self.assertEqual(sc["vars"], {"x": 0})
        self.assertEqual(sc["main"], VALID["main"])
        self.assertEqual(sc["targets"]["worker"],
                         {"module": "other", "steps": [{"do": "print", "text": "w0"},
                                                       {"do": "print", "text": "w1"}]})
        bare = cases.Case(PATH, {"main": []}).scenario(1)
        self.assertEqual((bare["vars"], bare["targets"]), ({}, {}))

    def test_case_defaults(self):
        c = cases.Case(PATH, {})
        self.assertEqual((c.id, c.level, c.weight, c.expect), ("made-up", "MUST", 1, {}))
        self.assertEqual(c.timeout_units(), 100)
        self.assertEqual(cases.Case(PATH, {"timeout_class": "long"}).timeout_units(), 300)
        self.assertEqual(c.rel, "spec/10.4.5-join/made-up.toml")

    def test_load_reads_toml(self):
        with tempfile.TemporaryDirectory() as d:
            f = Path(d) / "c.toml"
            f.write_text('id = "x.y"\nmain = [{ do = "end" }]\n[expect]\nstdout = ["a"]\n')
            c = cases.load(f)
        self.assertEqual((c.id, c.data["main"], c.expect), ("x.y", [{"do": "end"}], {"stdout": ["a"]}))

    def test_discover_finds_case_files_not_spec_own_files(self):
        found = cases.discover([SPEC])
        names = {p.name for p in found}
        self.assertNotIn("vocabulary.toml", names)
        self.assertNotIn("rubric.toml", names)
        self.assertGreater(len(found), 10)
        self.assertTrue(all(p.suffix == ".toml" and p.parent.parent == SPEC for p in found))
        join = cases.discover([SPEC / "10.4.5-join"])
        self.assertEqual(join, sorted(join))
        self.assertTrue(all(p.parent.name == "10.4.5-join" for p in join))
        one = SPEC / "10.4.5-join" / "daemon-join.toml"
        self.assertEqual(cases.discover([one, one]), [one, one])  # files are taken as given

    def test_discover_a_folder_outside_spec(self):
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / "sub").mkdir()
            for name in ("b.toml", "a.toml", "sub/c.toml", "notes.txt"):
                (Path(d) / name).write_text("")
            found = [p.relative_to(d).as_posix() for p in cases.discover([d])]
        self.assertEqual(found, ["a.toml", "b.toml", "sub/c.toml"])


class LintTest(unittest.TestCase):
    def assertProblem(self, data, text, **kw):
        problems = lint(data, **kw)
        self.assertTrue(any(text in p for p in problems), f"{text!r} not in {problems}")

    def test_valid_case_is_clean(self):
        self.assertEqual(lint(VALID), [])

    def test_an_awaited_point_must_be_reached_somewhere(self):
        self.assertProblem(with_main({"do": "await", "point": "ready"}),
                           "await of point 'ready', which no step reaches")
        data = changed(main=[{"do": "create", "p": "w", "target": "worker"},
                             {"do": "start", "p": "w"}, {"do": "await", "point": "ready"}],
                       targets={"worker": {"steps": [{"do": "reach", "point": "ready"}]}},
                       expect={"stdout_has": []})
        self.assertEqual(lint(data), [])
        self.assertProblem(with_main({"do": "reach", "point": "not a name"}),
                           "point must be a simple name")

    def test_keys(self):
        self.assertProblem(changed(colour="red"), "unknown key 'colour'")
        self.assertProblem(changed(claim=None), "missing key 'claim'")
        self.assertProblem(changed(expect=None), "missing key 'expect'")
        self.assertProblem(changed(id="Join Made Up"), "id must be lowercase")

    def test_level_section_timeout_weight(self):
        self.assertProblem(changed(level="MIGHT"), "level must be one of ['MUST', 'SHOULD', 'MAY']")
        self.assertProblem(changed(section="10.9"), "section must be one of")
        self.assertProblem(changed(section="10.4.6"), "section 10.4.6 belongs in spec/10.4.6-terminate/")
        self.assertProblem(changed(timeout_class="forever"), "timeout_class must be one of")
        self.assertProblem(changed(weight=0), "weight must be an integer >= 1")
        self.assertProblem(changed(claim="  "), "claim must be a sentence")
        self.assertProblem(changed(example="nope.py"), "example must name one of the seed's programs")

    def test_quote_must_be_the_seed_word_for_word(self):
        seed = "The seed says this. And that."
        self.assertEqual(lint(changed(quote="says  this."), seed=seed), [])
        self.assertProblem(changed(quote="says these"), "quote is not in the seed word for word",
                           seed=seed)
        beyond = changed(section="beyond", quote="says this.")
        self.assertProblem(beyond, "a beyond-seed case has no seed quote",
                           path=SPEC / "beyond-seed" / "x.toml", seed=seed)

    def test_unknown_step(self):
        self.assertProblem(with_main({"do": "fly"}), "main: step 1: unknown step 'fly'")
        self.assertProblem(with_main({"text": "x"}), "main: step 1: a step is a table with 'do'")

    def test_step_keys(self):
        self.assertProblem(with_main({"do": "print"}), "step 1 (print): missing 'text'")
        self.assertProblem(with_main({"do": "flush", "p": "w"}), "step 1 (flush): unexpected 'p'")

    def test_handle_must_be_created_first(self):
        self.assertProblem(with_main({"do": "start", "p": "w"}),
                           "main: step 1 (start): p 'w' is not created before this step")
        self.assertEqual(lint(with_main({"do": "join", "p": "current"})), [])
        # start of current_process() is misuse a case may test; of parent_process(), not
        self.assertEqual(lint(with_main({"do": "start", "p": "current"})), [])
        self.assertProblem(with_main({"do": "start", "p": "parent"}), "p must be a created handle")

    def test_a_copy_is_a_handle(self):
        create = {"do": "create", "p": "w"}
        self.assertEqual(lint(with_main(create, {"do": "copy", "p": "w", "to": "v"},
                                        {"do": "same", "p": "v", "q": "w"})), [])
        self.assertProblem(with_main(create, {"do": "same", "p": "w", "q": "v"}),
                           "q 'v' is not created before this step")

    def test_a_parents_handle_only_in_a_fork_only_case(self):
        steps = {"worker": {"steps": [{"do": "join", "p": "^w"}]}}
        forked = changed(targets=steps, start_methods=["fork"])
        self.assertEqual(lint(forked), [])
        self.assertProblem(changed(targets=steps), "p '^w' is not created before this step")
        self.assertProblem(changed(targets=steps, start_methods=["fork", "spawn", "forkserver"]),
                           "start_methods must be some (not all) of")
        unknown = changed(targets={"worker": {"steps": [{"do": "join", "p": "^nope"}]}},
                          start_methods=["fork"])
        self.assertProblem(unknown, "p '^nope' is not created before this step")

    def test_a_dropped_handle_is_gone(self):
        self.assertEqual(lint(with_main({"do": "create", "p": "w"}, {"do": "drop", "p": "w"},
                                        {"do": "create", "p": "w"}, {"do": "start", "p": "w"})),
                         [])
        self.assertProblem(with_main({"do": "create", "p": "w"}, {"do": "drop", "p": "w"},
                                     {"do": "start", "p": "w"}),
                           "step 3 (start): p 'w' is not created before this step")
        self.assertProblem(with_main({"do": "drop", "p": "current"}), "p must be a created handle")

    def test_median_timing_is_absolute_and_alone(self):
        ok = with_main({"do": "mark", "as": "a"}, {"do": "mark", "as": "b"},
                       expect={"timing": [{"from": "a", "to": "b", "median_max_ms": 5}]})
        self.assertEqual(lint(ok), [])
        both = with_main({"do": "mark", "as": "a"}, {"do": "mark", "as": "b"},
                         expect={"timing": [{"from": "a", "to": "b", "median_max_ms": 5,
                                             "max": 1}]})
        self.assertProblem(both, "median_max_ms (absolute) or min/max (units), not both")

    def test_repeat_steps_are_linted_and_create_handles(self):
        ok = with_main({"do": "repeat", "times": 2, "steps": [
            {"do": "create", "p": "w{i}"}, {"do": "start", "p": "w{i}"}]},
            {"do": "join", "p": "w1"})
        self.assertEqual(lint(ok), [])
        self.assertProblem(with_main({"do": "repeat", "times": 2, "steps": [{"do": "fly"}]}),
                           "unknown step 'fly'")
        self.assertProblem(with_main({"do": "repeat", "times": 2, "steps": []},
                                     {"do": "join", "p": "w2"}), "'w2' is not created")

    def test_terminal_step_must_be_last(self):
        self.assertProblem(with_main({"do": "end"}, {"do": "flush"}),
                           "main: step 1 (end): a terminal step must be the last one")
        self.assertProblem(with_target({"do": "return"}, {"do": "flush"}),
                           "target worker: step 1 (return): a terminal step must be the last one")

    def test_where_a_step_is_allowed(self):
        self.assertProblem(with_main({"do": "return"}), "(return): only allowed in the child program")
        self.assertProblem(with_target({"do": "end"}), "(end): only allowed in the main program")

    def test_unknown_placeholder(self):
        self.assertProblem(with_main({"do": "print", "text": "a {colour} {pid}"}),
                           "text has unknown placeholders ['colour']")
        self.assertEqual(lint(with_main({"do": "print", "text": "{name} {ppid} {args} {9}"})), [])

    def test_field_kinds(self):
        self.assertProblem(with_main({"do": "create", "p": "w", "target": "nobody"}),
                           "target 'nobody' is not in [targets]")
        self.assertProblem(with_main({"do": "create", "p": "w", "args": [True]}),
                           "args must be an array of ints and strings")
        self.assertProblem(with_main({"do": "create", "p": "w", "daemon": 1}),
                           "daemon must be true or false")
        self.assertProblem(with_main({"do": "sleep", "units": -1}), "units must be a number of units")
        self.assertProblem(with_main({"do": "print", "text": "x", "stream": "stdlog"}),
                           "stream must be stdout or stderr")
        self.assertProblem(with_main({"do": "set", "var": "y", "value": 1}),
                           "var 'y' is not declared in vars")
        self.assertProblem(with_main({"do": "mark", "as": "Bad Label"}), "as must be a simple name")

    def test_bad_signal(self):
        self.assertProblem(with_target({"do": "crash", "signal": "SIGFOO"}),
                           "target worker: step 1 (crash): signal must be one of")
        self.assertProblem(with_main({"do": "ignore", "signal": "TERM"}), "signal must be one of")
        for sig in VOCABULARY["values"]["signal"]:
            self.assertEqual(lint(with_target({"do": "crash", "signal": sig})), [], sig)

    def test_main_exit_code_is_below_the_drivers(self):
        self.assertProblem(with_main({"do": "exit", "code": 100}),
                           "main: step 1 (exit): the main program's exit code must be 0..99")
        self.assertProblem(with_main({"do": "exit", "code": -1}), "exit code must be 0..99")
        self.assertEqual(lint(with_main({"do": "exit", "code": 99})), [])
        self.assertEqual(lint(with_target({"do": "exit", "code": 255})), [])  # a child's is free
        self.assertProblem(with_target({"do": "exit", "code": 1, "message": "m"}),
                           "code or message, not both")

    def test_targets(self):
        self.assertProblem(changed(targets={"worker": {"steps": [], "main": []}}),
                           "target worker: holds 'main'")
        self.assertProblem(changed(targets={"worker": {"steps": [], "colour": 1}}),
                           "target worker: only 'steps' and 'module' are allowed")
        self.assertProblem(changed(targets={"worker": {"steps": [], "module": "this"}}),
                           "target worker: module must be \"other\"")

    def test_result_label_never_recorded(self):
        data = changed(expect={"results": {"nope": {"null": True}}})
        self.assertProblem(data, "expect.results: no step records 'nope'")
        data = changed(expect={"results": {"code": {"almost": 1}}})
        self.assertProblem(data, "expect.results.code: unknown matcher 'almost'")
        self.assertProblem(changed(expect={"results": {"code": {}}}),
                           "expect.results.code: a table of matchers")

    def test_references_must_be_recorded(self):
        self.assertProblem(changed(expect={"stdout": ["pid ${w_pid}"]}),
                           "expect: refers to 'w_pid', which no step records")
        self.assertProblem(changed(expect={"results": {"code": {"same_as": "other"}}}),
                           "refers to 'other'")
        self.assertProblem(changed(expect={"gone": ["ghost"]}), "refers to 'ghost'")
        self.assertProblem(changed(expect={"timing": [{"from": "late.t0", "to": "@exit", "min": 1}]}),
                           "refers to 'late'")
        self.assertEqual(lint(changed(expect={"stdout": ["${int} ${code}"],
                                              "results": {"code": {"like": "${joined}"}}})), [])

    def test_expect_shapes(self):
        self.assertProblem(changed(expect={"stdot": []}), "expect: unknown key 'stdot'")
        self.assertProblem(changed(expect={"stdout": [{"regex": "x"}]}),
                           "expect.stdout: a line is a string template or {re = \"...\"}")
        self.assertProblem(changed(expect={"order": [["a"]]}), "expect.order: each entry is [earlier, later]")
        self.assertProblem(changed(expect={"timing": [{"from": "@launch", "to": "joined"}]}),
                           "expect.timing: needs from, to and min and/or max")
        self.assertProblem(changed(expect={"timing": [{"from": "@start", "to": "joined", "max": 1}]}),
                           "expect.timing: @start is not @launch or @exit")
        self.assertProblem(changed(expect={"timing": [{"from": "@launch", "to": "joined", "max": 1,
                                                       "avg": 1}]}),
                           "expect.timing: unknown key 'avg'")

    def test_when_then(self):
        method = {"do": "start_method", "as": "method"}
        main = [method, *VALID["main"]]
        three = {"fork": {"null": True}, "spawn": {"value": 1}, "forkserver": {"value": 1}}
        good = changed(main=main, expect={"results": {"code": {"when": "method", "then": three}}})
        self.assertEqual(lint(good), [])
        self.assertProblem(changed(main=main, expect={"results": {"code": {
            "when": "method", "then": {"fork": {"null": True}}}}}),
            "then needs exactly one branch per start method")
        self.assertProblem(changed(main=main, expect={"results": {"code": {
            "when": "method", "then": three, "value": 1}}}), "when and then go alone")
        self.assertProblem(changed(main=main, expect={"results": {"code": {
            "when": "nothing", "then": three}}}), "refers to 'nothing'")
        self.assertProblem(changed(main=main, expect={"results": {"code": {
            "when": "method", "then": dict(three, spawn={"almost": 1})}}}),
            "expect.results.code.then.spawn: unknown matcher 'almost'")
        self.assertProblem(changed(main=main, expect={"results": {"code": {"then": three}}}),
                           "then goes only at the top of a label's table, with when")
        self.assertProblem(changed(main=main, expect={"results": {"code": {
            "when": "method", "then": dict(three, fork={"like": "${ghost}"})}}}),
            "refers to 'ghost'")
        self.assertProblem(changed(main=main, expect={"results": {"code": {
            "when": "method", "then": ["fork"]}}}), "then is a table from each value")
        self.assertProblem(changed(main=main, expect={"results": {"code": {
            "when": ["method"], "then": three}}}), "when names a label")
        self.assertEqual(lint(changed(main=[{"do": "create", "p": "m", "as": "x"}, *main],
                                      expect={"results": {"code": {
                                          "when": "x", "then": {"a": {"null": True}}}}})), [])

    def test_unsendable(self):
        create = {"do": "create", "p": "w", "target": "worker", "unsendable": "arg"}
        self.assertEqual(lint(with_main(create)), [])
        self.assertProblem(with_main(dict(create, unsendable="lambda")),
                           "unsendable must be one of ['arg', 'target']")
        self.assertProblem(with_main({"do": "create", "p": "w", "unsendable": "arg"}),
                           "unsendable needs a target")
        other = changed(main=[create], expect={"stdout_has": []},
                        targets={"worker": {"module": "other", "steps": []}})
        self.assertProblem(other, "unsendable needs a target of the main module")

    def test_get_and_start_method(self):
        self.assertEqual(lint(with_main({"do": "get", "var": "x", "as": "x"})), [])
        self.assertProblem(with_main({"do": "get", "var": "y"}), "var is not declared in vars")
        self.assertProblem(with_target({"do": "start_method"}), "only allowed in the main program")

    def test_a_malformed_file_is_a_finding_never_a_crash(self):
        """Each of these once raised out of the lint (48,850 mutants of spec/'s files, each
        value swapped for another type: 0 crashes now)."""
        repeat = {"do": "repeat", "times": "x", "steps": []}
        timing = {"timing": [{"from": 3, "to": "joined", "max": 1}]}
        for data, text in ((changed(main=3), "main must be an array"),
                           (changed(targets=[1]), "targets must be a table"),
                           (changed(section=[1]), "section must be a string"),
                           (changed(expect=timing), "each entry is a table whose from and to"),
                           (with_main(repeat), "times is an integer >= 0"),
                           (with_main({"do": "start", "p": [1]}), "p must be a name"),
                           (with_main({"do": ["start"]}), "unknown step"),
                           (changed(expect={"results": {"code": {"same_as": 3}}}),
                            "same_as names a label")):
            self.assertProblem(data, text)

    def test_what_the_checks_miss_is_still_a_finding(self):
        case = cases.Case(PATH, VALID)
        with mock.patch.object(lint_mod, "lint_case", side_effect=TypeError("boom")):
            problems = lint_mod.lint([case])
        self.assertEqual(len(problems), 1)
        self.assertIn("the lint could not read it (TypeError: boom)", problems[0])

    def test_duplicate_ids(self):
        a = cases.Case(PATH, VALID)
        b = cases.Case(PATH.with_name("other.toml"), VALID)
        problems = lint_mod.lint([a, b])
        self.assertEqual(problems, ["spec/10.4.5-join/other.toml: id 'join.made-up' also used by "
                                    "spec/10.4.5-join/made-up.toml"])

    def test_every_spec_file_lints_clean(self):
        files = cases.discover([SPEC])
        self.assertGreater(len(files), 10)
        self.assertEqual(lint_mod.lint([cases.load(f) for f in files]), [])


if __name__ == "__main__":
    unittest.main()
