#!/usr/bin/env python3
"""The grading tests (CTest label `grading`): grades a submission with `tools/mpspec grade`
and checks the grade against what its sample.toml says.

    check_grade.py SUBMISSION [--repeat N] [--sanitize] [--full-marks]

- a sample (conformance/samples/NAME) loses points on exactly the cases its
  [expected_failures] table lists (and perhaps on those of [may_fail]: claims its bug
  breaks only on some runs), and feedback.md names each of them;
- `build = "fails"`: the grade is 0 and the feedback shows the compiler's error;
- `racy = true`: the bug races the program (a thread), so any case may break; only
  [expected_failures] must;
- `contained = true` (a fork bomb, a flood: which cases they break is a race): grading
  ends and scores below full marks;
- `feedback_mentions = "..."`: feedback.md says it (why a hostile run was stopped);
- `no_better_than = "SAMPLE"` (a forger: that sample's bug plus a forgery): it loses points on
  at least every case SAMPLE's list names, so the forgery gains nothing;
- `cause = "KEY"`: feedback.md opens with that likely cause (judge/causes.py), named by its API.md
  row, covering every failed case;
- `headline = "KEY"`: feedback.md opens with that likely cause (it may cover only some of the
  failed cases); every sample with failures states one, but forgers (`no_better_than`);
  a list of KEYs where which one the bug shows as depends on the time unit;
- always: feedback.md has at most 80 lines before its first fold (one bug, one screen);
- always: feedback.html draws a timeline for each failed claim (and CPython's beside the
  first), and holds nothing the submission wrote unescaped (`forged`); the first sample of
  each headline (by name) has its page rendered in headless Chromium, not blank;
- `sanitizer = "TEXT"` (a defect only the sanitizer run sees): graded with the sanitizer
  run, which must report TEXT, and feedback.md shows it;
- `secret = "PATH"` (a reader of root's files): the test writes a fresh token into the
  root-only file PATH while grading, and no report may hold it;
- `feedback_lacks = "..."`: feedback.md never says it (what a leak would print);
- `forged = "..."`: it appears nowhere in feedback.md but inside a code block (Markdown a
  submission printed, which must not render as the grader's own);
- `record = "ADAPTER"` (a replayer): the test plays every case on ADAPTER first and writes
  each passing run (events, output, exit status) into the sample's src/recorded.inc, a
  table its forgery replays;
- --full-marks: the submission must score max_score, with no sanitizer report and no
  flag (the reference);
- --repeat N: N gradings give the same score and the same failed cases;
- always: no process of the grading is left afterwards, and no IPC object or shared file
  owned by a grading's user.
"""
import argparse
import contextlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
# (the harness package beside this folder)
from mpspec_runner.book import render  # noqa: E402
from mpspec_runner.checkout import SAMPLES, SPEC  # noqa: E402
from mpspec_runner.grading import samples  # noqa: E402
from mpspec_runner.grading.folders import DRIVER_PREFIX  # noqa: E402
from mpspec_runner.grading.oracle import is_drawable  # noqa: E402
from mpspec_runner.judge import causes  # noqa: E402
from mpspec_runner.run.adapters import Adapter, find_adapter  # noqa: E402
from mpspec_runner.run.runner import RunOptions, run_cases  # noqa: E402
from mpspec_runner.sandbox import procs, users  # noqa: E402
from mpspec_runner.sandbox.leftovers import owned_files, sysv_objects  # noqa: E402
from mpspec_runner.sandbox.calibrate import calibrate  # noqa: E402
from mpspec_runner.spec import cases  # noqa: E402


def grade(submission, out, sanitize):
    cmd = [sys.executable, str(ROOT / "tools" / "mpspec"), "grade", str(submission), "--json",
           "--out", str(out)]
    if not sanitize:
        cmd.append("--no-sanitize")
    if os.environ.get("MPSPEC_GRADE_BUILD"):
        cmd += ["--build-root", os.environ["MPSPEC_GRADE_BUILD"]]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    sys.stderr.write(r.stderr)
    lines = [line for line in r.stdout.splitlines() if line.startswith("{")]
    if not lines:
        sys.exit(f"FAIL: the grader printed no grade (exit {r.returncode}):\n{r.stdout}")
    print(r.stdout)
    return json.loads(lines[-1])


def leftovers(marker):
    """Processes whose command line mentions `marker` (but for this test's own)."""
    return [f"{pid}: {cmd}" for pid, cmd in sorted(procs.with_cmdline(marker).items())
            if "check_grade.py" not in cmd]


def finish(problems, name):
    """The check's exit status, once `problems` and the processes left by grading `name`
    (the grader runs its driver from a folder named after it) are printed."""
    left = leftovers(f"{DRIVER_PREFIX}{name}-")
    if left:
        problems = [*problems, "processes left behind:\n  " + "\n  ".join(left)]
    litter = grading_users_litter()
    if litter:
        problems = [*problems, "left by a grading's user:\n  " + "\n  ".join(litter[:10])]
    for p in problems:
        print("FAIL:", p)
    print("OK" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


def grading_users_litter():
    """IPC objects and files in the places every user shares that a grading's user owns
    (none may outlive its lease: sandbox/leftovers.py)."""
    found = []
    for uid in range(users.BASE, users.BASE + users.COUNT):
        found += [f"uid {uid}: SysV {kind} {ident}" for kind, ident in sysv_objects(uid)]
        found += [f"uid {uid}: {path}" for path in owned_files(uid)]
    return found


def markup(meta, feedback):
    """What a submission printed must not render: its `forged` text only inside code, and
    nothing of `feedback_lacks`."""
    problems = []
    if meta.get("feedback_lacks") and meta["feedback_lacks"] in feedback:
        problems.append(f"feedback.md says {meta['feedback_lacks']!r}")
    forged = meta.get("forged")
    if forged and forged in "\n".join(outside_code(feedback)):
        problems.append(f"feedback.md shows {forged!r} outside a code block")
    return problems


def outside_code(markdown):
    """The lines of a Markdown text outside its fenced code blocks (CommonMark: a block
    closes at a fence of the same character at least as long as its opening)."""
    out, fence = [], None
    for line in markdown.splitlines():
        stripped = line.strip()
        run = len(stripped) - len(stripped.lstrip("`"))
        if fence is None and run >= 3:
            fence = run
        elif fence is not None and run >= fence and stripped == "`" * run:
            fence = None
        elif fence is None:
            out.append(line)
    return out


def outputs(folder, ids, most=1500):
    """What the grade said of cases `ids` (results.json's output: verdict, reason, the run's
    output): the grade's folder is deleted with this test, and a case lost on one run in many
    is explained only by what was printed then."""
    tests = json.loads((folder / "results.json").read_text())["tests"]
    # A test drawn with its timeline has HTML for output and its text in extra_data, as
    # PrairieLearn's grader reads it (exports/prairielearn/grader.py, test).
    text = {t["name"].split(":", 1)[0]: t["extra_data"]["text"]
            if t.get("output_format") == "html" else t.get("output", "") for t in tests}
    return "".join(f"\n--- {i}:\n{text.get(i, '')[:most]}" for i in sorted(ids))


def no_better_than(meta, g):
    """A forger must lose points on every case that its bug alone loses them on."""
    honest = meta.get("no_better_than")
    if not honest:
        return []
    honest_meta = tomllib.loads((SAMPLES / honest / "sample.toml").read_text())
    spared = sorted(set(honest_meta["expected_failures"]) - set(g["failed"]))
    return [f"the forgery spared cases that {honest}'s bug alone fails: {spared}"] if spared else []


def opening_cause(meta, g, feedback):
    """A sample with one bug must be told that one cause first, with every failure in it."""
    key = meta.get("cause")
    if not key:
        return []
    cause = causes.CAUSES[key]
    opening = next((line for line in feedback.splitlines() if line.startswith("**Most likely")),
                   "")
    problems = []
    if cause.summary not in opening or cause.api not in opening:
        problems.append(f"feedback.md does not open with the cause {key!r}: {opening!r}")
    if g["causes"] != [[key, len(g["failed"])]]:
        problems.append(f"the failures are not all put down to {key!r}: {g['causes']}")
    return problems


def headline(meta, g, feedback):
    """The sample's own bug opens its feedback: the first likely cause is the one it states."""
    key = meta.get("headline")
    # A forger (no_better_than) is graded on what it forges, not on one bug of its own.
    if not g["failed"] or meta.get("build") == "fails" or meta.get("contained") \
            or meta.get("no_better_than"):
        return []
    if not key:
        return [f"sample.toml states no headline (this grading opens with "
                f"{g['causes'][0][0] if g['causes'] else None!r})"]
    first = g["causes"][0][0] if g["causes"] else None
    # A list: the causes the bug may show as, depending on the unit (a slow poll reads as a
    # late return at a large unit and as a hang at a small one).
    keys = key if isinstance(key, list) else [key]
    if first not in keys:
        return [f"feedback.md opens with the cause {first!r}, not {key!r} ({g['causes']})"]
    # "other" opens with "... a cause of its own" (causes.headline), not with its summary.
    if first != "other" and causes.CAUSES[first].summary not in feedback.split("\n## ", 1)[0]:
        return [f"feedback.md's opening does not state the cause {first!r}"]
    return []


FIRST_SCREEN = 80


def timelines(meta, g, folder, sub):
    """feedback.html: a timeline per failed claim, CPython's beside the first, nothing forged;
    rendered in Chromium for the first sample (by name) of each headline."""
    page = (folder / "feedback.html").read_text(encoding="utf-8")
    problems = []
    if g["failed"] and not meta.get("contained") and meta.get("build") != "fails":
        drawn = page.count("what your processes did")
        if drawn < 1:
            problems.append("feedback.html draws no timeline")
        by_id = {c.id: c for c in map(cases.load, cases.discover([SPEC]))}
        drawable = [i for i in g["failed"] if i in by_id and is_drawable(by_id[i])]
        if drawable and "what CPython" not in page:
            problems.append("feedback.html draws no CPython run beside the first failed claim")
    forged = meta.get("forged", "")
    if forged and "<" in forged and forged in page:
        problems.append(f"feedback.html holds {forged!r} unescaped")
    if meta.get("headline") and first_of_headline(sub.name, meta["headline"]):
        png = render.screenshot(folder / "feedback.html", folder / "feedback.png", 1200, 1200)
        if render.is_blank(png):
            problems.append("feedback.html renders blank in Chromium")
    return problems


def first_of_headline(name, headline):
    """Whether sample `name` is the first, by name, whose sample.toml states `headline`."""
    key = headline if isinstance(headline, str) else headline[0]
    for folder in sorted(SAMPLES.iterdir()):
        meta_file = folder / "sample.toml"
        if meta_file.exists():
            h = tomllib.loads(meta_file.read_text()).get("headline")
            if h and (h if isinstance(h, str) else h[0]) == key:
                return folder.name == name
    return False


def first_screen(feedback):
    before = feedback.split("<details>", 1)[0].count("\n")
    return [f"feedback.md has {before} lines before its first fold (most {FIRST_SCREEN})"] \
        if before > FIRST_SCREEN else []


@contextlib.contextmanager
def secret(meta):
    """The sample's `secret` file, root-only, holding a fresh token (None without one); a
    report that holds the token shows what no build or run may read."""
    path = meta.get("secret")
    if not path:
        yield None
        return
    token = f"mpspec_secret_{secrets.token_hex(8)}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, f"{token} leaked;\n".encode())
        os.close(fd)
        yield token
    finally:
        os.unlink(path)


def leaked(token, name, out):
    if token is None:
        return []
    return [f"{path} shows the secret" for path in sorted((Path(out) / name).rglob("*"))
            if path.is_file() and token in path.read_text(errors="replace")]


def open_folders(name, out):
    """The submission's scratch and report folders must be closed to other users: a run as
    `nobody` must not read another student's sources or feedback."""
    build_root = Path(os.environ.get("MPSPEC_GRADE_BUILD", ROOT / "build" / "grade"))
    return [f"{folder} is open to other users (mode {folder.stat().st_mode & 0o777:o})"
            for folder in (build_root / name, Path(out) / name)
            if folder.exists() and folder.stat().st_mode & 0o007]


def recorded_table(adapter):
    """src/recorded.inc of a replayer: every case's passing run on `adapter`."""
    loaded = [cases.load(f) for f in cases.discover([SPEC])]
    options = RunOptions(unit=calibrate(), oracle=None)
    results = run_cases(loaded, Adapter(adapter, find_adapter(adapter)), options, jobs=2)
    rows = []
    for r in results:
        obs = r.observation
        if r.verdict != "PASS" or obs is None:
            continue
        text = ["\n".join(lines) + "\n" if lines else "" for lines in (obs.stdout, obs.stderr)]
        events = "".join(json.dumps(ev) + "\n" for ev in obs.trace)
        rows.append(f'{{R"rec({fingerprint(r.case.scenario(1.0))})rec", {obs.status}, '
                    + ", ".join(f'R"rec({t})rec"' for t in (*text, events)) + "}")
    return "const Recorded kRecorded[] = {\n" + ",\n".join(rows) + "};\n"


def fingerprint(scenario):
    """A case as a replayer knows it without an id: its steps, labels dropped, as the
    replayer's C++ writes them (nlohmann::json's dump: sorted keys, no spaces, UTF-8)."""
    def bare(steps):
        return [{k: v for k, v in step.items() if k != "as"} for step in steps]
    key = {"main": bare(scenario["main"]), "vars": scenario["vars"],
           "targets": {name: dict(t, steps=bare(t.get("steps", [])))
                       for name, t in scenario["targets"].items()}}
    return json.dumps(key, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@contextlib.contextmanager
def recorded(sub, meta):
    """The submission to grade: the sample itself, or for a replayer, the sample made
    concrete in a folder of the same name with its recorded table beside its sources."""
    if not meta.get("record"):
        yield sub
        return
    with tempfile.TemporaryDirectory(prefix="mpspec-replayer-") as tmp:
        impl = samples.materialize(sub, Path(tmp) / sub.name)
        (impl / "src" / "recorded.inc").write_text(recorded_table(meta["record"]))
        yield impl


def full_marks(g):
    """A correct submission (the reference): full marks, no sanitizer report, no flag."""
    problems = []
    if g["score"] != g["max_score"] or g["failed"]:
        problems.append(f"expected full marks, got {g['score']}/{g['max_score']}: {g['failed']}")
    if g["sanitizer"]:
        problems.append(f"sanitizer reports on a correct submission: {g['sanitizer']}")
    if g["flagged"]:
        problems.append(f"a correct submission was flagged: {g['flagged']}")
    return problems


def sanitizer_found(meta, g, feedback):
    """A sample whose bug only the sanitizer run sees: graded with it, the grade holds its
    report and feedback.md shows it. (What it costs is the rubric's: spec/rubric.toml's
    penalty is 0, and the penalty's arithmetic is test_grade.py's.)"""
    wanted = meta.get("sanitizer")
    if not wanted:
        return []
    problems = []
    if not any(wanted in report for _, report in g["sanitizer"]):
        problems.append(f"no sanitizer report {wanted!r}: {g['sanitizer']}")
    if wanted not in feedback:
        problems.append(f"feedback.md does not show the sanitizer's report {wanted!r}")
    return problems


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("submission")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--sanitize", action="store_true")
    ap.add_argument("--full-marks", action="store_true")
    args = ap.parse_args(argv)
    sub = (ROOT / args.submission).resolve()
    meta_file = sub / "sample.toml"
    meta = tomllib.loads(meta_file.read_text()) if meta_file.exists() else {}
    problems, seen = [], set()
    with tempfile.TemporaryDirectory(prefix="mpspec-grade-test-") as out, secret(meta) as token, \
            recorded(sub, meta) as sub:
        for _ in range(args.repeat):
            g = grade(sub, out, args.sanitize or "sanitizer" in meta)
            if g.get("harness"):
                sys.exit(f"FAIL: the grader could not grade (a harness fault):\n{g['harness']}")
            seen.add((g["score"], tuple(g["failed"])))
            feedback = (Path(out) / g["name"] / "feedback.md").read_text()
        if len(seen) > 1:
            problems.append(f"{args.repeat} gradings differ: {sorted(seen)}")
        if args.full_marks:
            problems += full_marks(g)
        if meta.get("build") == "fails":
            if g["score"] != 0 or "does not build" not in g["problem"]:
                problems.append(f"expected a build failure graded 0, got {g}")
            if "error:" not in feedback:
                problems.append("feedback.md does not show the compiler's error")
        elif meta.get("contained"):
            if g["score"] >= g["max_score"]:
                problems.append("a hostile sample scored full marks")
        elif "expected_failures" in meta:
            expected = set(meta["expected_failures"])
            # Claims the bug breaks only on some runs (how late a polling join wakes decides
            # whether a case meets its timeout): losing them or not is both right.
            maybe = set(meta.get("may_fail", {}))
            failed = set(g["failed"]) - maybe
            if failed - expected and not meta.get("racy"):
                problems.append(f"failed cases its bug should not break: {sorted(failed - expected)}"
                                + outputs(Path(out) / g["name"], failed - expected))
            if expected - failed:
                problems.append(f"passed cases its bug should break: {sorted(expected - failed)}")
            missing = [c for c in expected if f"### {c}:" not in feedback]
            if missing:
                problems.append(f"feedback.md does not name: {missing}")
            if expected and g["score"] >= g["max_score"]:
                problems.append("a buggy sample scored full marks")
        problems += sanitizer_found(meta, g, feedback)
        if meta.get("feedback_mentions", "") not in feedback:
            problems.append(f"feedback.md does not say {meta['feedback_mentions']!r}")
        problems += opening_cause(meta, g, feedback) + markup(meta, feedback)
        problems += headline(meta, g, feedback) + first_screen(feedback)
        problems += no_better_than(meta, g)
        problems += timelines(meta, g, Path(out) / g["name"], sub)
        problems += open_folders(g["name"], out)
        problems += leaked(token, g["name"], out)
    # The driver's folder is a marker no other test's processes carry (the submission's bare
    # name would match, e.g., `--adapter reference`).
    return finish(problems, g["name"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
