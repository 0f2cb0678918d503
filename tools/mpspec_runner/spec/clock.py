"""How long a case waits on the clock, in units: the critical path of its sleeps, as the
main program lives it. A child's clock runs from its start(); `join` waits for it (`join(t)`
at most t), `terminate`/`kill` end it, and the main program's end waits for its
non-daemonic children. `await` and `reach` wait on events, not on the clock: a case written
with them costs what its claim needs and no more. An estimate from the steps alone (the
processes' own start and exit costs are not in it), for `run_case.py --clock`."""
from .cases import expand


def clock_units(case):
    """The units the main program of `case` spends waiting on the clock."""
    data = case.data
    targets = {name: expand(t.get("steps", [])) for name, t in (data.get("targets") or {}).items()
               if isinstance(t, dict)}
    return Program(expand(data.get("main", [])), targets).run()


class Program:
    def __init__(self, steps, targets):
        self.steps, self.targets = steps, targets
        self.now, self.children = 0.0, {}  # handle -> {"end", "daemon", "target"}

    def run(self):
        for step in self.steps:
            if isinstance(step, dict):
                self.step(step)
        alive = [c["end"] for c in self.children.values()
                 if c["end"] is not None and not c["daemon"] and c["end"] > self.now]
        return max([self.now, *alive])  # the at-exit rule waits for non-daemonic children

    def step(self, step):
        do, child = step.get("do"), self.children.get(step.get("p"))
        if do == "sleep":
            self.now += float(step.get("units", 0))
        elif do == "create" and step.get("target") in self.targets:
            self.children[step["p"]] = {"end": None, "daemon": bool(step.get("daemon")),
                                        "target": step["target"]}
        elif child is None:
            return
        elif do == "set_daemon" and child["end"] is None:
            child["daemon"] = bool(step.get("value"))
        elif do == "start" and child["end"] is None:
            child["end"] = self.now + Program(self.targets[child["target"]], self.targets).run()
        elif do in ("join", "wait_sentinel") and child["end"] is not None:
            wait = max(0.0, child["end"] - self.now)
            limit = step.get("timeout")
            self.now += wait if limit is None else min(wait, max(0.0, float(limit)))
        elif do in ("terminate", "kill") and child["end"] is not None:
            child["end"] = min(child["end"], self.now)
