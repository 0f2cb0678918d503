"""A name per submission, for its report folder and its gradebook row."""
from pathlib import Path

from .reports.safe import slug

CLASS_MATRIX = "class-matrix"  # the batch's matrix, beside gradebook.csv (no submission's name)


def submission_name(submission):
    """The submission's file name without its archive's suffix, as a safe file name."""
    name = Path(submission).name
    for suffix in (".zip", ".tgz", ".tar.gz", ".tar.xz", ".tar.bz2", ".tar"):
        name = name.removesuffix(suffix)
    return slug(name)


def distinct_names(submissions):
    """A name per submission for its folder and gradebook row: its own, or with its parent
    folder's when two share it (alice/submission, bob/submission), and a number if need be
    (x.zip, x.tar.gz)."""
    plain = [submission_name(s) for s in submissions]
    plain = [f"{n}-submission" if n in (CLASS_MATRIX, "gradebook.csv") else n for n in plain]
    names = [n if plain.count(n) == 1 else f"{slug(Path(s).resolve().parent.name)}-{n}"
             for s, n in zip(submissions, plain)]
    seen = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    numbered = {}
    for i, n in enumerate(names):
        if seen[n] > 1:
            numbered[n] = numbered.get(n, 0) + 1
            names[i] = f"{n}-{numbered[n]}"
    return names
