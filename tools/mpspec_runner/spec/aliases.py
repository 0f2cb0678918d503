"""Labels under a name of the run's own. A driver receives each step's `as` label renamed to a
fresh random name, and the trace's labels are renamed back before anyone reads them, so a
label means something only in the run that issued it: a trace recorded in another run (a
replayed CPython run, say) names labels this run never issued, and records nothing the
case's expectations read. (Events under an unissued label are kept, renamed so that no
expectation can match them.)"""
import copy
import secrets

UNISSUED = "unissued:"


class Aliases:
    def __init__(self, labels):
        self.run = secrets.token_hex(6)  # the run's own name, for the driver's channels
        self.alias = {label: f"l{secrets.token_hex(6)}" for label in sorted(labels)}
        self.label = {alias: label for label, alias in self.alias.items()}

    @classmethod
    def of(cls, scenario):
        """Fresh aliases for every label of a scenario's steps."""
        return cls({step["as"] for step in steps_of(scenario)
                    if isinstance(step, dict) and isinstance(step.get("as"), str)})

    def renamed(self, scenario):
        """A copy of the scenario with each step's label replaced by its alias and the run's
        name added (the steps are the case's own objects: they stay as they are)."""
        scenario = dict(copy.deepcopy(scenario), run=self.run)
        for step in steps_of(scenario):
            if isinstance(step, dict) and step.get("as") in self.alias:
                step["as"] = self.alias[step["as"]]
        return scenario

    def restore(self, events):
        """The trace's events with each alias named by its label again."""
        for ev in events:
            if isinstance(ev, dict) and isinstance(ev.get("as"), str):
                ev["as"] = self.label.get(ev["as"], UNISSUED + ev["as"])
        return events


def steps_of(scenario):
    yield from scenario.get("main", [])
    for target in scenario.get("targets", {}).values():
        yield from target.get("steps", [])
