"""What an export ships: the checkout's tracked files (git ls-files) but the solution, the
rubric checked before it goes, and the checks that the shipped grader starts."""
import argparse
import subprocess
import sys
import tomllib
from pathlib import Path

from ..grading.rubric import RUBRIC, load_rubric


class Refused(Exception):
    """The export cannot be made; the message says why, for the instructor."""


def check_rubric(path):
    """A rubric that does not load would fail every submission on Gradescope: refuse it
    here instead."""
    try:
        load_rubric(path)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise Refused(f"cannot read the rubric {path}: {e}") from e


def git(root, *args):
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    except FileNotFoundError as e:
        raise Refused("git is not installed; the bundle is made of the checkout's tracked "
                      "files (git ls-files)") from e


def tracked_files(root):
    """The checkout's tracked files that exist in its working tree (relative paths, sorted).
    Untracked files stay out: a checkout often holds submissions or scratch files that must
    not ship to Gradescope."""
    listed = git(root, "ls-files", "-z", "--cached")
    if listed.returncode != 0:
        raise Refused(f"{root} is not a git checkout (git ls-files: "
                      f"{listed.stderr.decode(errors='replace').strip()}); the bundle is "
                      "made of the checkout's tracked files")
    names = sorted({n for n in listed.stdout.decode().split("\0") if n})
    return [n for n in names if (Path(root) / n).is_file()]  # a file deleted, not yet committed


# What a grader needs none of, and a student must never read: the reference implementation
# (its sources, tests, examples), the sample submissions (each is the reference with one bug,
# as a patch whose context lines are the reference's), the benchmarks and the CI's script.
LEFT_OUT = ("reference/", "conformance/samples/", "bench/", ".ci/")


def shipped_files(root):
    """The tracked files an export ships: every one but those under LEFT_OUT."""
    return [n for n in tracked_files(root) if not n.startswith(LEFT_OUT)]


def uncommitted(root):
    """Tracked files whose working copy differs from HEAD (shipped as they are)."""
    diff = git(root, "diff", "--name-only", "HEAD")
    return diff.stdout.decode().split() if diff.returncode == 0 else []


def parse(argv, engine, doc, out, noun):
    """The options every export takes: where it goes (`out`, the default) and the rubric."""
    ap = argparse.ArgumentParser(prog=f"tools/mpspec export {engine}", description=doc,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(out), help=f"where the {noun} goes (default {out})")
    ap.add_argument("--rubric", default=str(RUBRIC),
                    help=f"the rubric, copied into the {noun} (default spec/rubric.toml)")
    return ap.parse_args(argv)


def export(engine, opts, write, noun, root):
    """Checks the rubric and writes the export of the checkout `root` (`write(out, root,
    files, rubric)` returns its path), then notes what of it differs from HEAD; (path, files),
    or None once it has said why the export was refused."""
    try:
        check_rubric(opts.rubric)
        files = shipped_files(root)
        out = write(Path(opts.out), root, files, Path(opts.rubric))
    except Refused as e:
        print(f"mpspec export {engine}: {e}", file=sys.stderr)
        return None
    changed = uncommitted(root)
    if changed:
        print(f"note: {len(changed)} tracked files differ from HEAD; the {noun} holds them as "
              f"they are now ({', '.join(changed[:5])}{', ...' if len(changed) > 5 else ''})")
    return out, files


# Run in the exported sources: the grader's modules import, and the cases load and lint.
CHECKS = (["tools/mpspec", "grade", "--help"], ["tools/run_case.py", "--lint"])
