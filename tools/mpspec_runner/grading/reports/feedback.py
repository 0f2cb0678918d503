"""feedback.md, for the student: the score, the most likely cause, points by section, the
first failed claim in full and the others a line each, the likely causes; then, folded,
each failed claim with what was expected and observed and the command that reproduces it;
sanitizer reports and compiler warnings."""
from ...judge import causes
from ...programs import cpp
from .safe import fenced, inline
from .tally import by_section, cause_groups, cause_lines, failed, hidden_numbers, in_report_order


MAX_COMPILER_LINES = 60
# The first screen (before the fold) holds one bug's story: the first claim's observations
# to FIRST_DETAILS lines, and MAX_LISTED other claims a line each (and ids per cause).
FIRST_DETAILS, FIRST_TREE, MAX_LISTED = 16, 12, 8
REPRODUCE_NOTE = (
    "Run the command in your kit's `mpspec/` folder (or an mpspec checkout), with "
    "`path/to/your/submission` replaced "
    "by your submission's folder (the one holding `include/` and `src/`). Cases measure time "
    "in *units* calibrated to the machine: your grading used 1 unit = {unit:.3f} s, which "
    "`MPSPEC_TIME_UNIT` fixes; leave it out and your machine calibrates its own.")


def build_errors(output):
    """The lines of a failed build that say why: the compiler's error lines, and CMake's
    errors with the indented message under each (a folder with no src/*.cpp says so there)."""
    errors, in_cmake_error = [], False
    for line in output.splitlines():
        in_cmake_error = line.startswith("CMake Error") or (in_cmake_error and
                                                            line.startswith("  "))
        if in_cmake_error or "error" in line:
            errors.append(line)
    return errors


def feedback(g, rubric):
    """One bug, one screen: the score, the cause, the sections, the first failed claim in full
    and the others a line each; every failed claim in full comes after, under a fold."""
    out = [f"# Feedback: {g.name}", "", f"**Score: {g.score:g} / {g.max_score:g}**", ""]
    headline = causes.headline(cause_groups(g), len(failed(g)))
    if headline:
        out += [f"**Most likely cause:** {headline}", ""]
    if g.problem:
        out += [f"The submission could not be graded: {inline(g.problem)}", ""]
    out += [*g.notes, ""] if g.notes else []
    if not g.build_ok and g.build_output:
        errors = build_errors(g.build_output)
        out += ["## The compiler's errors", "", *fenced(errors[:MAX_COMPILER_LINES]), ""]
    if g.results:
        out += ["## By section", "", "| section | points | cases passed |", "| --- | --- | --- |"]
        for section, (earned, most, passed, n) in by_section(g).items():
            out.append(f"| {section} | {earned:.1f} / {most:.1f} | {passed} / {n} |")
        out.append("")
    bad, numbers = failed(g), hidden_numbers(g)
    if any(not r.hidden for r in bad):
        out += ["`feedback.html`, beside this file where you graded with `tools/mpspec grade` or "
                "`./check`, draws what your processes did in each failed claim, and CPython's "
                "run of the first beside it.", ""]
    if bad:
        out += first_screen(g, bad, numbers)
        out += ["<details><summary>The likely causes, and every failed claim in full with the "
                "command that replays it</summary>", "", *likely_causes(g), "## Failed claims", "",
                "Each block says what the specification claims, where it comes from, what was "
                "expected and what your implementation did, and the command that reproduces it "
                "on your machine. " + REPRODUCE_NOTE.format(unit=g.unit), ""]
        cpp.lay_out([r.case for r in bad if not r.hidden])  # (one clang-format for all)
        for r in in_report_order(bad):
            out += claim_block(r, numbers)
        out += ["</details>", ""]
    return "\n".join(out + tail(g, rubric, numbers))


def first_failure(g, bad):
    """The failed case to read first: the first of the headline's cause, if visible."""
    for _, members in cause_groups(g)[:1]:
        for r in in_report_order(members):
            if not r.hidden:
                return r
    return in_report_order(bad)[0]


def first_screen(g, bad, numbers):
    """The first failed claim in full, then one line per other failed claim (the likely
    causes go under the fold)."""
    first = first_failure(g, bad)
    out = ["## The first failed claim", "",
           *claim_block(first, numbers, FIRST_DETAILS, FIRST_TREE)]
    others = [r for r in in_report_order(bad) if r is not first]
    if others:
        out += [f"## The other {len(others)} failed claims", ""]
        for r in others[:MAX_LISTED]:
            lost = r.max_points - r.points
            out.append(f"- hidden case {numbers[r.case.id]}: {r.verdict.lower()}, -{lost:.1f}"
                       if r.hidden else f"- `{r.case.id}` ({r.verdict.lower()}, -{lost:.1f}): "
                       f"{inline(short(r.case.data.get('claim', '')))}")
        if len(others) > MAX_LISTED:
            out.append(f"- … and {len(others) - MAX_LISTED} more, in full below")
        out.append("")
    return out


def likely_causes(g):
    return ["## Likely causes", "",
            "Failures grouped by the symptom they share; fixing the first group's cause "
            "often fixes every case in it.", "",
            *[f"- {line}" for line in cause_lines(g, most=MAX_LISTED)], ""]


def short(text, most=110):
    return text if len(text) <= most else text[:most - 1].rstrip() + "…"


def cut_short(lines, most):
    if most is None or len(lines) <= most:
        return list(lines)
    return list(lines[:most]) + [f"… ({len(lines) - most} more lines in the full block below)"]


def claim_block(r, numbers, most_lines=None, most_tree=None):
    """A failed claim: its id and points, claim, section, case file and what was seen."""
    lost = r.max_points - r.points
    if r.hidden:  # nothing of its claim, its section or where it stands
        return [f"### Hidden case {numbers[r.case.id]}: {r.verdict.lower()}, "
                f"-{lost:.1f} points", ""]
    d = r.case.data
    details = cut_short(r.details.split("\n"), most_lines)
    return [f"### {r.case.id}: -{lost:.1f} points ({r.verdict.lower()})", "",
            f"- **Claim** ({d.get('level', 'MUST')}): {d.get('claim', '')}",
            f"- **Section**: {d.get('section', '')}"
            + (f", the seed's `{d['example']}`" if d.get("example") else ""),
            f"- **Case file**: `{r.case.rel}`", "", *fenced(details), ""] + (
        ["What the processes did (the kernel's record; times in units from the first birth "
         "it saw):", "", *fenced(cut_short(r.tree, most_tree)), ""] if r.tree else []) + (
        as_program(r.case))


def as_program(case):
    """The case as a standalone C++ program, folded: what a student compiles with their own
    library to watch the behaviour without the harness (a visible case's only)."""
    return ["<details><summary>This case as a program of its own, to build with your library "
            "(<code>g++ -std=c++20 -I include case.cpp src/*.cpp -o case && ./case</code>); "
            "its CPython twin: <code>tools/mpspec program " + case.id + " --python</code> "
            "(in your kit, <code>mpspec/tools/mpspec</code>)</summary>", "",
            *fenced(cpp.write(case).rstrip("\n").split("\n")), "", "</details>", ""]


def tail(g, rubric, numbers):
    """The sanitizer's reports, the compiler's warnings and the penalties."""
    out = []
    if g.sanitizer:
        out += ["## AddressSanitizer / UndefinedBehaviorSanitizer", "",
                "The cases ran again with a sanitizer build; these reports point at memory errors "
                "or undefined behaviour even where the case passed:", ""]
        out += fenced([f"{case}: {report}" if case not in numbers else
                       f"hidden case {numbers[case]}: {report}"
                       for case, report in sorted(g.sanitizer, key=lambda cr: (
                           cr[0] in numbers, numbers.get(cr[0], 0), cr))]) + [""]
    if g.warnings:
        out += ["## Compiler warnings", "", *fenced(g.warnings[:MAX_COMPILER_LINES]), ""]
    penalties = rubric.get("penalties", {})
    if any(penalties.values()):
        out += [f"Penalties: {penalties}", ""]
    return out
