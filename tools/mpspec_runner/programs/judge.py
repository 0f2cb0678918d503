"""Judge a standalone program's output by the case's own checks: its stdout and stderr lines,
its exit status and the `=> label = value` results it printed. What only the suite's harness
sees (timings from the trace, the kernel's record of leaked processes) is not judged here."""
import json
import re

from ..judge.checks import Judge
from ..sandbox.play import Observation
from ..spec.protocol import NOT_PROCESS_ERROR

RESULT = re.compile(r"=> (\S+) = (.*)")
# The checks a program's output can settle; the rest need the harness's trace or the kernel.
SEEN_IN_OUTPUT = ("main program's exit status", "stdout", "stderr", "result ",
                  "no unexpected error")


def observe(status, stdout, stderr):
    """An Observation made of a program's exit status and output (text)."""
    obs = Observation()
    obs.status = status
    obs.stdout = stdout.splitlines()
    for line in stderr.splitlines():
        m = RESULT.fullmatch(line)
        if not m:
            obs.stderr.append(line)
            continue
        label, text = m.groups()
        event = {"ev": "op", "as": label, "do": label, "proc": "program"}
        if text.startswith("error (not mp::ProcessError): "):
            event["error"] = text.split(": ", 1)[1]
            event["error_type"] = NOT_PROCESS_ERROR
        elif text.startswith("error: "):
            event["error"] = text[len("error: "):]
        else:
            try:
                event["value"] = json.loads(text)
            except ValueError:
                event["value"] = text
        obs.trace.append(event)
    return obs


def judge(case, status, stdout, stderr):
    """The case's checks that the output settles: [Check], each with .ok."""
    checks = Judge(case, observe(status, stdout, stderr), unit=1.0).run()
    return [c for c in checks if c.name.startswith(SEEN_IN_OUTPUT)]
