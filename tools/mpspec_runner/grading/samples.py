"""Sample submissions kept as fixtures (conformance/samples/<name>/).

A sample is the reference implementation plus one deliberate bug, kept as `bug.patch`, so
that the bug reads as a diff and follows the reference as it changes (a patch that no
longer applies fails its test loudly). A sample may instead hold a whole implementation
(`include/mp/process.hpp`, `src/*.cpp`) when its bug is not a small change.
`sample.toml` says what the bug is and which cases it must fail:

    bug = "join(timeout) ignores its timeout"
    [expected_failures]
    "join.timeout-returns" = "join(t) waits for the child to end"
    [may_fail]   # optional: claims the bug breaks on some runs only (timing)
    "join.timeout-prompt" = "..."
"""
import shutil
import subprocess
from pathlib import Path

from ..checkout import REFERENCE, SAMPLES


def is_sample(path):
    """True for a folder of conformance/samples/ (its sample.toml says what its bug breaks)."""
    path = Path(path).resolve()
    return path.parent == SAMPLES.resolve() and (path / "sample.toml").exists()


def materialize(sample_dir, dest):
    """Writes the sample's implementation directory into dest (emptied first); returns it."""
    sample_dir, dest = Path(sample_dir), Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    if (sample_dir / "include" / "mp" / "process.hpp").exists():
        shutil.copytree(sample_dir, dest, ignore=shutil.ignore_patterns("sample.toml"))
        return dest
    materialize_reference(dest)
    patch = sample_dir / "bug.patch"
    if not patch.exists():
        raise FileNotFoundError(f"{sample_dir}: neither bug.patch nor include/mp/process.hpp")
    result = subprocess.run(["patch", "-p1", "--forward", "--batch", "-i", str(patch.resolve())],
                            cwd=dest, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{patch} no longer applies to reference/:\n{result.stdout}{result.stderr}")
    return dest


def materialize_reference(dest):
    """The reference's implementation directory (its include/ and src/) copied into dest."""
    dest = Path(dest)
    dest.mkdir(parents=True)
    for part in ("include", "src"):
        shutil.copytree(REFERENCE / part, dest / part)
    return dest


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="python3 -m mpspec_runner.grading.samples",
                                 description="Write a sample's implementation directory.")
    ap.add_argument("sample", help="a folder under conformance/samples/ (or its name)")
    ap.add_argument("dest")
    args = ap.parse_args(argv)
    sample = Path(args.sample) if "/" in args.sample else SAMPLES / args.sample
    print(materialize(sample, args.dest))
    return 0


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv[1:]))
