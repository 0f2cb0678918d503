"""How long a case waits on the clock (spec/clock.py): the critical path of its sleeps and
timeouts, with children that run beside the main program and at-exit waits."""
import unittest

from mpspec_runner.checkout import SPEC
from mpspec_runner.spec import cases, clock


def units(main, **targets):
    data = {"main": main, "targets": {name: {"steps": steps} for name, steps in targets.items()}}
    return clock.clock_units(cases.Case(SPEC / "x" / "made-up.toml", data))


def child(p, target, **more):
    return [{"do": "create", "p": p, "target": target, **more}, {"do": "start", "p": p}]


class ClockTest(unittest.TestCase):
    def test_sleeps_add_up_and_events_cost_nothing(self):
        self.assertEqual(units([{"do": "sleep", "units": 2}, {"do": "await", "point": "x"},
                                {"do": "sleep", "units": 1}]), 3)

    def test_a_child_runs_beside_the_main_program(self):
        work = [{"do": "sleep", "units": 5}]
        self.assertEqual(units([*child("w", "t"), {"do": "sleep", "units": 2},
                                {"do": "join", "p": "w"}], t=work), 5)
        self.assertEqual(units([*child("w", "t"), {"do": "join", "p": "w", "timeout": 1},
                                {"do": "terminate", "p": "w"}, {"do": "join", "p": "w"}],
                               t=work), 1)

    def test_the_main_program_waits_for_non_daemons_only(self):
        work = [{"do": "sleep", "units": 4}]
        self.assertEqual(units(child("w", "t"), t=work), 4)
        self.assertEqual(units(child("w", "t", daemon=True), t=work), 0)
        self.assertEqual(units([{"do": "create", "p": "w", "target": "t"},
                                {"do": "set_daemon", "p": "w", "value": True},
                                {"do": "start", "p": "w"}], t=work), 0)

    def test_a_child_waits_for_its_own_children(self):
        self.assertEqual(units(child("w", "mid"), mid=child("g", "leaf"),
                               leaf=[{"do": "sleep", "units": 3}]), 3)

    def test_the_suite_waits_little(self):
        total = sum(clock.clock_units(cases.load(f)) for f in cases.discover([SPEC]))
        # 89.6 units before the cases waited on events; issue 23 asks for a fifth of that
        self.assertLessEqual(total, 89.6 / 5)


if __name__ == "__main__":
    unittest.main()
