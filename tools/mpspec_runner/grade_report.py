"""What grading writes: the terminal summary and progress, feedback.md for the student,
results.json in Gradescope's autograder format, JUnit XML, and the gradebook CSV."""
import csv
import json
import sys
import threading
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from . import causes
from .verdict import Verdict

MAX_COMPILER_LINES = 60
REPRODUCE_NOTE = (
    "Run the command from your own mpspec checkout, with `path/to/your/submission` replaced "
    "by your submission's folder (the one holding `include/` and `src/`). Cases measure time "
    "in *units* calibrated to the machine: your grading used 1 unit = {unit:.3f} s, which "
    "`MPSPEC_TIME_UNIT` fixes; leave it out and your machine calibrates its own.")


class Progress:
    """One status line per submission on a terminal; plain lines otherwise (CI logs)."""

    def __init__(self, total):
        self.total, self.finished, self.lock = total, 0, threading.Lock()
        self.tty = sys.stderr.isatty()
        self.last = {}

    def update(self, name, what):
        with self.lock:
            if self.tty:
                sys.stderr.write(f"\r\033[K[{self.finished}/{self.total}] {name}: {what}")
                sys.stderr.flush()
            elif not what.startswith("case ") and self.last.get(name) != what:
                print(f"mpspec grade: {name}: {what}", file=sys.stderr, flush=True)
            self.last[name] = what

    def done(self, g, folder):
        with self.lock:
            self.finished += 1
            end = "\r\033[K" if self.tty else ""
            if g.harness:
                sys.stderr.write(f"{end}[{self.finished}/{self.total}] {g.name}: NOT GRADED: "
                                 f"the grader failed, not the submission ({g.seconds:.0f} s):"
                                 f"\n{g.harness}\n")
            else:
                result = g.problem or f"{g.score:g}/{g.max_score:g}"
                sys.stderr.write(f"{end}[{self.finished}/{self.total}] {g.name}: {result} "
                                 f"({timing(g)}) -> {folder}\n")
                groups = cause_groups(g)
                if groups and self.total > 1:  # the batch's one line per student, then why
                    cause, members = groups[0]
                    sys.stderr.write(f"      {len(failed(g))} failed; most likely: "
                                     f"{cause.summary} ({len(members)} "
                                     f"case{'s' if len(members) > 1 else ''})\n")
            sys.stderr.flush()


def timing(g):
    """'31 s: build 3.1, cases 14.2, ...': where a grading's time went."""
    parts = ", ".join(f"{name} {secs:.1f}" for name, secs in g.phases.items() if secs >= 0.05)
    return f"{g.seconds:.0f} s" + (f": {parts}" if parts else "")


def by_section(g):
    table = defaultdict(lambda: [0.0, 0.0, 0, 0])  # earned, max, passed, cases
    for r in g.results:
        row = table[r.case.data.get("section", "")]
        row[0] += r.points
        row[1] += r.max_points
        row[2] += r.verdict.earns_credit
        row[3] += 1
    return dict(sorted(table.items()))


def failed(g):
    return [r for r in g.results if not r.verdict.earns_credit]


def cause_groups(g):
    return causes.likely_causes(failed(g), key=lambda r: r.symptom)


def cause_lines(g, most=None):
    """The likely causes, largest first, with the cases each covers (hidden cases counted,
    not named; `most` ids at most); for the feedback and the terminal alike."""
    lines = []
    for cause, members in cause_groups(g):
        shown = [r.case.id for r in members if not r.hidden]
        hidden = len(members) - len(shown)
        more = len(shown) - most if most is not None and len(shown) > most else 0
        cases = ", ".join(shown[:len(shown) - more]) + (f", … ({more} more)" if more else "")
        cases += (f" and {hidden} hidden" if hidden and shown else
                  f"{hidden} hidden" if hidden else "")
        lines.append(f"{len(members)} × {cause.summary} ({cause.api}): {cases}")
    return lines


def summary(g):
    if g.harness:
        return (f"{g.name}: NOT GRADED: the grader failed, not the submission; fix the "
                f"grader's set-up and grade again:\n{g.harness}")
    lines = [f"{g.name}: {g.score:g}/{g.max_score:g}" + (f"  ({g.problem})" if g.problem else "")]
    if g.results:
        lines.append(f"  {'section':<10} {'points':>14} {'cases passed':>14}")
        for section, (earned, most, passed, n) in by_section(g).items():
            lines.append(f"  {section:<10} {earned:>6.1f} / {most:<5.1f} {passed:>7} / {n:<4}")
    if failed(g):
        lines.append("  likely causes:")
        lines += [f"    {line}" for line in cause_lines(g, most=4)]
    for r in failed(g):
        lines.append(f"  ✗ {r.case.id} ({r.verdict}, -{r.max_points - r.points:.1f}): "
                     f"{r.case.data.get('claim', '')}")
    if g.sanitizer:
        lines.append(f"  sanitizer reports: {len(g.sanitizer)} (see feedback.md)")
    if g.warnings:
        lines.append(f"  compiler warnings: {len(g.warnings)}")
    if g.flags:
        lines.append("  FLAGGED for a look (lines that name the harness are not penalised; a run "
                     "the kernel contradicts already lost that case):")
        lines += [f"    {line}" for line in g.flags[:10]]
    return "\n".join(lines)


def hidden_numbers(g):
    """case id -> N of "hidden case N", the same in feedback.md and results.json."""
    return {r.case.id: n for n, r in enumerate((r for r in g.results if r.hidden), 1)}


def feedback(g, rubric):
    out = [f"# Feedback: {g.name}", "", f"**Score: {g.score:g} / {g.max_score:g}**", ""]
    headline = causes.headline(cause_groups(g), len(failed(g)))
    if headline:
        out += [f"**Most likely cause:** {headline}", ""]
    if g.problem:
        out += [f"The submission could not be graded: {g.problem}.", ""]
    out += [*g.notes, ""] if g.notes else []
    if not g.build_ok and g.build_output:
        errors = [line for line in g.build_output.splitlines() if "error" in line]
        out += ["## The compiler's errors", "", "```", *errors[:MAX_COMPILER_LINES], "```", ""]
    if g.results:
        out += ["## By section", "", "| section | points | cases passed |", "| --- | --- | --- |"]
        for section, (earned, most, passed, n) in by_section(g).items():
            out.append(f"| {section} | {earned:.1f} / {most:.1f} | {passed} / {n} |")
        out.append("")
    bad = failed(g)
    if bad:
        out += ["## Likely causes", "",
                "Failures grouped by the symptom they share; fixing the first group's cause "
                "often fixes every case in it.", ""]
        out += [f"- {line}" for line in cause_lines(g)] + [""]
        out += ["## Failed claims", "",
                "Each block says what the specification claims, where it comes from, what was "
                "expected and what your implementation did, and the command that reproduces it "
                "on your machine. " + REPRODUCE_NOTE.format(unit=g.unit), ""]
    numbers = hidden_numbers(g)
    for r in bad:
        lost = r.max_points - r.points
        if r.hidden:
            out += [f"### Hidden case {numbers[r.case.id]} ({r.case.data.get('section', '')}): "
                    f"{r.verdict.lower()}, -{lost:.1f} points", ""]
            continue
        d = r.case.data
        out += [f"### {r.case.id}: -{lost:.1f} points ({r.verdict.lower()})", "",
                f"- **Claim** ({d.get('level', 'MUST')}): {d.get('claim', '')}",
                f"- **Section**: {d.get('section', '')}"
                + (f", the seed's `{d['example']}`" if d.get("example") else ""),
                f"- **Case file**: `{r.case.rel}`", "", "```", r.details, "```", ""]
    if g.sanitizer:
        out += ["## AddressSanitizer / UndefinedBehaviorSanitizer", "",
                "The cases ran again with a sanitizer build; these reports point at memory errors "
                "or undefined behaviour even where the case passed:", ""]
        out += [f"- `{case}`: `{report}`" if case not in numbers else
                f"- hidden case {numbers[case]}: `{report}`" for case, report in g.sanitizer]
        out.append("")
    if g.warnings:
        out += ["## Compiler warnings", "", "```", *g.warnings[:MAX_COMPILER_LINES], "```", ""]
    penalties = rubric.get("penalties", {})
    if any(penalties.values()):
        out += [f"Penalties: {penalties}", ""]
    return "\n".join(out)


def gradescope(g):
    tests = []
    numbers = hidden_numbers(g)
    for r in g.results:
        hidden = r.hidden
        tests.append({"name": f"hidden case {numbers[r.case.id]}" if hidden else f"{r.case.id}: "
                      f"{r.case.data.get('claim', '')}",
                      "score": round(r.points, 3), "max_score": round(r.max_points, 3),
                      "status": "passed" if r.verdict.earns_credit else "failed",
                      "output": "" if hidden or r.verdict == Verdict.PASS else r.details,
                      "visibility": "hidden" if hidden else "visible"})
    output = g.problem or f"{sum(1 for r in g.results if r.verdict == Verdict.PASS)} cases passed"
    doc = {"score": g.score, "max_score": g.max_score, "output": output, "tests": tests}
    if g.problem and not g.build_ok and g.build_output:  # built, and it failed
        # Gradescope keeps extra_data unread; the PrairieLearn grader reads it (a compile
        # error is "not gradable" there by default, as PrairieLearn's own C grader has it).
        doc["extra_data"] = {"does_not_build": True}
    return doc


def junit(g):
    root = ET.Element("testsuites")
    suite = ET.SubElement(root, "testsuite", name=f"mpspec.{g.name}",
                          tests=str(len(g.results) or 1), failures=str(len(failed(g)) or
                                                                       int(bool(g.problem))),
                          time=f"{g.seconds:.1f}")
    if g.problem and not g.results:
        tc = ET.SubElement(suite, "testcase", classname="build", name="build")
        ET.SubElement(tc, "failure", message=g.problem).text = g.build_output[-20000:]
    for r in g.results:
        tc = ET.SubElement(suite, "testcase", classname=r.case.data.get("section", ""),
                           name=r.case.id)
        if not r.verdict.earns_credit:
            ET.SubElement(tc, "failure", message=r.case.data.get("claim", ""),
                          type=r.verdict).text = "" if r.hidden else r.details
    return ET.tostring(root, encoding="unicode") + "\n"


def write_all(g, folder, rubric):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "feedback.md").write_text(feedback(g, rubric), encoding="utf-8")
    (folder / "results.json").write_text(json.dumps(gradescope(g), indent=1), encoding="utf-8")
    (folder / "junit.xml").write_text(junit(g), encoding="utf-8")
    (folder / "build.log").write_text(g.build_output, encoding="utf-8")
    return folder


def as_json_line(g):
    return json.dumps({"name": g.name, "score": None if g.harness else g.score,
                       "max_score": g.max_score, "problem": g.problem, "harness": g.harness,
                       "flagged": g.flags, "failed": sorted(r.case.id for r in failed(g)),
                       "sanitizer": g.sanitizer, "warnings": len(g.warnings),
                       "seconds": round(g.seconds, 2), "phases": g.phases, "unit": g.unit,
                       "causes": [[c.key, len(m)] for c, m in cause_groups(g)]})


def gradebook(grades, path):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["submission", "score", "max_score", "builds", "cases_passed", "cases_failed",
                    "sanitizer_reports", "compiler_warnings", "problem", "flagged_lines"])
        for g in grades:
            if g.harness:  # no score rather than a 0 the student did not earn
                w.writerow([g.name, "", g.max_score, "", "", "", "", "",
                            "not graded: the grader failed: " + g.harness.splitlines()[0], ""])
                continue
            w.writerow([g.name, g.score, g.max_score, "yes" if g.build_ok else "no",
                        len(g.results) - len(failed(g)), len(failed(g)), len(g.sanitizer),
                        len(g.warnings), g.problem, len(g.flags)])
    return path
