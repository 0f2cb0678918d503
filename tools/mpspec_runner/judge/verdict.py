"""What a run of one case on one adapter came to: the verdict, its meaning and its glyph."""
import enum


class Verdict(enum.StrEnum):
    """A StrEnum, so a verdict is written to and read from results JSON as its plain name."""

    PASS = "PASS"
    FAIL = "FAIL"  # the implementation ran and broke a check
    OPTIONAL = "OPTIONAL"  # a MAY case not met: not a failure
    XFAIL = "XFAIL"  # failed, and listed as an expected failure of the adapter
    XPASS = "XPASS"  # passed, though listed as an expected failure: the list is out of date
    TIMEOUT = "TIMEOUT"  # the run did not end within the case's time limit
    UNSUPPORTED = "UNSUPPORTED"  # the driver cannot express a step of the case
    NOT_APPLICABLE = "NOT_APPLICABLE"  # the case is about another start method than the run's
    ERROR = "ERROR"  # the run was stopped (a flood, a fork bomb) or not run at all
    HARNESS = "HARNESS"  # the harness failed (no adapter, no report, an exception): not the
    #                      implementation's doing, so never graded as its failure

    @property
    def earns_credit(self):
        """True where a grader gives the case's points."""
        return self in (Verdict.PASS, Verdict.OPTIONAL)

    @property
    def is_failure(self):
        """True where a conformance run (and its exit code) counts the case as failed."""
        return self not in (Verdict.PASS, Verdict.OPTIONAL, Verdict.XFAIL,
                            Verdict.NOT_APPLICABLE)


MEANING = {
    Verdict.PASS: "passed",
    Verdict.FAIL: "failed",
    Verdict.OPTIONAL: "MAY case not met (not a failure)",
    Verdict.XFAIL: "expected failure (listed in conformance/expected-failures/)",
    Verdict.XPASS: "unexpected pass of a listed expected failure",
    Verdict.TIMEOUT: "timed out",
    Verdict.UNSUPPORTED: "unsupported step",
    Verdict.NOT_APPLICABLE: "not applicable: the case is about another start method",
    Verdict.ERROR: "error",
    Verdict.HARNESS: "harness fault (not the implementation's doing)",
}
# Glyphs a stock headless Chromium on Debian renders (DejaVu fonts): no emoji.
SYMBOL = {
    Verdict.PASS: "✓",
    Verdict.FAIL: "✗",
    Verdict.OPTIONAL: "~",
    Verdict.XFAIL: "xfail",
    Verdict.XPASS: "XPASS",
    Verdict.TIMEOUT: "T/O",
    Verdict.UNSUPPORTED: "–",
    Verdict.NOT_APPLICABLE: "n/a",
    Verdict.ERROR: "!",
    Verdict.HARNESS: "H",
}


def decide(case, obs, checks, expected, may_fail=()):
    if obs.outcome == "ran":
        failed = any(not c.ok for c in checks)
        verdict = (Verdict.PASS if not failed else
                   Verdict.OPTIONAL if case.level == "MAY" else Verdict.FAIL)
    else:
        verdict = {"timeout": Verdict.TIMEOUT, "unsupported": Verdict.UNSUPPORTED,
                   "not_applicable": Verdict.NOT_APPLICABLE,
                   "harness": Verdict.HARNESS}.get(obs.outcome, Verdict.ERROR)
    if verdict in (Verdict.HARNESS, Verdict.NOT_APPLICABLE):
        return verdict
    if case.id in expected:
        verdict = Verdict.XPASS if verdict == Verdict.PASS else Verdict.XFAIL
    elif case.id in may_fail and verdict != Verdict.PASS:
        verdict = Verdict.XFAIL
    return verdict
