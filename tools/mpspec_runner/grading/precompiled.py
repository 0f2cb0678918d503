"""The precompiled standard headers that every grading's build reuses (the driver's
precompiled.hpp says which, and why).

`warm` makes them once per version of the driver, the reference and the compiler (the shared
cache's digest), as root, into a folder only root can write: a copy of precompiled.hpp and
its .gch. GCC uses a .gch only if it was made with the flags of the file being compiled, so
they are taken from the warm build's own compile_commands.json (process_ops.cpp's entry),
never written down a second time here. The .gch holds the standard library and
cereal only, nothing of the reference, and a submission's build can only read it."""
import json
import os
import shlex
import shutil
import stat
import subprocess
import tempfile
import time
from pathlib import Path

from ..checkout import DRIVER_SOURCE

HEADER = DRIVER_SOURCE / "precompiled.hpp"
FOLDER = Path(os.environ.get("MPSPEC_PRECOMPILED", "/var/cache/mpspec/precompiled"))
MAKE_TIMEOUT = 300  # seconds (the sanitizer build's .gch: about 10 s on a loaded machine)
STALE = 24 * 3600  # seconds: older versions' folders go once no build can still be using them
# ccache caches a compile that uses a precompiled header only with pch_defines and
# time_macros (ccache(1), "Precompiled headers"): it cannot see the macros or __TIME__ a .gch
# holds, fixed here, the .gch itself being an input it checks. file_stat_matches: an input
# whose size, mtime and ctime are those ccache recorded is taken as unchanged instead of
# hashed again. Hashing the 90 MB .gch took up to 0.25 s of every file's cache hit (a warm
# build of the reference: 1.2 s, against 0.45 s with this). It cannot pass a submission's
# file off as the reference's: the grader copies every file of a submission and of the
# driver into the build's folder, and a copy's ctime is the kernel's clock when it was made,
# never one recorded before. Only files no build copies, the system's headers and the .gch,
# keep theirs.
SLOPPINESS = "pch_defines,time_macros,file_stat_matches"
# Arguments of a compile command that name its source, output or dependency files, each
# followed by its value; they are the file's own, not the flags a .gch must share.
FILE_ARGUMENTS = {"-o", "-c", "-include", "-MT", "-MF", "-MQ"}


def path(digest):
    """Where the copy of precompiled.hpp for this digest lies (its .gch beside it)."""
    return FOLDER / digest / HEADER.name


def ready(digest):
    """The header to pass as -include if its .gch is made and only root could have written
    either (else a grading's user could have planted one); None otherwise."""
    header = path(digest)
    for item in (FOLDER, header.parent, header, gch(header)):
        try:
            info = os.lstat(item)
        except OSError:
            return None
        if info.st_uid != 0 or info.st_mode & 0o022 or stat.S_ISLNK(info.st_mode):
            return None
    return header


def gch(header):
    return header.with_name(header.name + ".gch")


def compile_command(build_dir, header, out):
    """The command that precompiles `header` into `out` with the flags the build in
    `build_dir` gives process_ops.cpp. Its -Wpedantic leaves __cpp_runtime_arrays undefined,
    and GCC refuses a .gch made with a macro the compile lacks, not the other way round: a
    .gch made with the submission's own flags served its files but not process_ops.cpp."""
    entries = json.loads((Path(build_dir) / "compile_commands.json").read_text(encoding="utf-8"))
    for entry in entries:
        args = shlex.split(entry["command"])
        if Path(entry["file"]).name != "process_ops.cpp" or str(header) not in args:
            continue
        if Path(args[0]).name == "ccache":
            args = args[1:]
        kept, skip = [], False
        for arg in args:
            if skip:
                skip = False
            elif arg in FILE_ARGUMENTS:
                skip = True
            elif arg != "-MD":
                kept.append(arg)
        return [*kept, "-x", "c++-header", str(header), "-o", str(out)], entry["directory"]
    raise RuntimeError(f"no file of {build_dir} is compiled with {header}")


def make(build_dir, digest):
    """Makes the header of `digest` from the configured build in `build_dir` (as root, in
    `warm`): True if made. A folder appears whole or not at all."""
    target = path(digest).parent
    if target.exists():
        return True
    FOLDER.mkdir(mode=0o755, parents=True, exist_ok=True)
    forget_stale()
    work = Path(tempfile.mkdtemp(prefix=".making-", dir=FOLDER))
    try:
        header = work / HEADER.name
        shutil.copyfile(HEADER, header)
        # Made under its final name: the command names the header, and GCC records nothing
        # of its path that a later compile checks, so the rename below keeps it valid.
        cmd, cwd = compile_command(build_dir, path(digest), gch(header))
        cmd[cmd.index(str(path(digest)))] = str(header)
        made = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=MAKE_TIMEOUT,
                              check=False)
        if made.returncode != 0:
            return False
        for item in (header, gch(header)):
            os.chmod(item, 0o644)
        os.chmod(work, 0o755)
        os.rename(work, target)
        return True
    except (OSError, RuntimeError, subprocess.TimeoutExpired, ValueError):
        return False
    finally:
        shutil.rmtree(work, ignore_errors=True)


def forget_stale():
    """Removes the folders of versions whose .gch no build has made or read for a day (each
    is about 100 MB; reading a file refreshes its access time at least once a day)."""
    now = time.time()
    for item in FOLDER.iterdir():
        try:
            info = os.stat(gch(item / HEADER.name))
        except OSError:
            continue  # a folder being made, or not one of ours
        if now - max(info.st_atime, info.st_mtime) > STALE:
            shutil.rmtree(item, ignore_errors=True)
