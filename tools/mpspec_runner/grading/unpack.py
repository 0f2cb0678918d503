"""A submission as the grader receives it (a directory in API.md's layout, a .zip, a tarball,
or a conformance/samples/ folder) made into an implementation directory under scratch.

The submission is hostile until built: nothing in it is followed out of it (links, devices,
FIFOs are refused), and its size and file count are bounded before anything is copied or
extracted, so a zip bomb or a link to /dev/zero is an error, not a full disk."""
import os
import shutil
import stat
import tarfile
import zipfile
from pathlib import Path

from . import samples

MAX_FILES = 2000
MAX_BYTES = 64 << 20  # the whole submission, unpacked
SKIPPED = (".git", "build")  # a student's own checkout and build folders are not graded
TARBALLS = (".tar.gz", ".tgz", ".tar", ".tar.xz", ".tar.bz2")


class Refused(ValueError):
    """The submission cannot be taken as it is; the message says why, for the student."""


def unpack(submission, scratch):
    """The implementation directory of a submission, copied or extracted into scratch."""
    src, dest = Path(submission), Path(scratch) / "submission"
    if dest.exists():
        shutil.rmtree(dest)
    if not src.exists():
        raise Refused(f"{src} does not exist")
    if src.is_dir() and samples.is_sample(src):  # laid out as any other: the shared cache's
        return samples.materialize(src, dest)  # objects fit every submission (workspace.py)
    if src.is_dir():
        check_sizes(src, tree_entries(src))
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns(*SKIPPED))
    elif src.suffix == ".zip":
        extract_zip(src, dest)
    elif src.name.endswith(TARBALLS):
        with tarfile.open(src) as t:
            members = t.getmembers()
            check_sizes(src, [(m.name, m.size) for m in members])
            t.extractall(dest, filter="data")  # the 'data' filter refuses links out, devices
    else:
        raise Refused(f"{src}: not a directory, .zip or tarball")
    headers = sorted(dest.rglob("include/mp/process.hpp"), key=lambda p: len(p.parts))
    if not headers:
        raise Refused(f"{src}: no include/mp/process.hpp (see shared/API.md for the layout)")
    return headers[0].parent.parent.parent


def tree_entries(root):
    """(relative path, size) of every regular file under root; Refused at a link, a device,
    a FIFO or a socket (none is followed)."""
    entries = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = [d for d in dirs if d not in SKIPPED]
        for name in dirs + files:
            path = Path(folder) / name
            info = path.lstat()
            if stat.S_ISDIR(info.st_mode):
                continue
            if not stat.S_ISREG(info.st_mode):
                raise Refused(f"{root}: {path.relative_to(root)} is not a regular file "
                              "(links and special files are not accepted)")
            entries.append((str(path.relative_to(root)), info.st_size))
    return entries


def extract_zip(src, dest):
    with zipfile.ZipFile(src) as z:
        infos = z.infolist()
        for info in infos:  # no absolute paths, no way out of dest, no links
            if info.filename.startswith("/") or ".." in Path(info.filename).parts:
                raise Refused(f"{src}: unsafe path in the archive: {info.filename}")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise Refused(f"{src}: {info.filename} is a link (links are not accepted)")
        check_sizes(src, [(i.filename, i.file_size) for i in infos])
        z.extractall(dest)


def check_sizes(src, entries):
    """Refused when the files are too many or, unpacked, too large. The declared sizes bound
    what extraction writes: zipfile reads no member past its declared size (and checks its
    CRC), and a tar member's size is exact."""
    if len(entries) > MAX_FILES:
        raise Refused(f"{src}: {len(entries)} files, more than the {MAX_FILES} accepted")
    total = sum(size for _, size in entries)
    if total > MAX_BYTES:
        raise Refused(f"{src}: {total >> 20} MiB unpacked, more than the "
                      f"{MAX_BYTES >> 20} MiB accepted")


# What no implementation of API.md needs to name, but a submission that reaches for the
# harness (its descriptors, environment, files or adapters) would: flagged for the
# instructor to look at, never penalised (a comment can mention them innocently).
# /proc/self/exe is not among them: spawn (API.md, "Start methods") runs it anew.
SUSPICIOUS = ("MPSPEC_", "mpspec", "trace.jsonl", "scenario.json", "report.json",
              "/proc/self/cmdline", "cpython-fork", "cpython-spawn",
              "cpython-forkserver", "conformance/drivers", "ptrace", "__asan_default_options",
              "__ubsan_default_options")


def harness_references(impl_dir):
    """'file:line: names "WORD": text' for every line of what the build compiles that names
    the harness: the files under include/ and src/, and any file they #include by a quoted
    path (transitively). An example or a test beside them is not compiled, so it may use the
    harness freely (the reference's examples/check_example.py does)."""
    root = Path(impl_dir).resolve()
    queue = sorted(p for d in ("include", "src") if (root / d).is_dir()
                   for p in (root / d).rglob("*") if p.is_file())
    seen, found = set(queue), []
    while queue:
        f = queue.pop(0)
        try:
            lines = f.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for n, line in enumerate(lines, 1):
            words = [word for word in SUSPICIOUS if word in line]
            if words:
                found.append(f"{f.relative_to(root)}:{n}: names {words[0]!r}: {line.strip()[:160]}")
            for target in included(line, f, root):
                if target not in seen:
                    seen.add(target)
                    queue.append(target)
    return found


def included(line, f, root):
    """The files inside `root` that a quoted #include on `line` of file `f` may name (the
    compiler looks beside `f`, then in include/ and src/)."""
    text = line.strip()
    if not text.startswith("#") or "include" not in text or '"' not in text:
        return []
    name = text.split('"')[1] if text.count('"') >= 2 else ""
    if not name:
        return []
    hits = []
    for base in (f.parent, root / "include", root / "src"):
        target = (base / name).resolve()
        if target.is_relative_to(root) and target.is_file():
            hits.append(target)
    return hits
