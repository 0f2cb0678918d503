"""Builds the C++ driver against an implementation directory (a submission, a sample or the
reference) with the project's own CMake function, in a build folder of its own."""
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..checkout import DRIVER_SOURCE
from ..sandbox.sessions import session
from . import precompiled, samples

BUILD_TIMEOUT = 600  # seconds; a build that takes longer is reported, not waited for
# The largest file a build may write (the sanitizer build's driver, with debug information, is
# about 60 MiB): a source that assembles gigabytes (`.fill`, `.incbin` of a device) stops at
# this, with "File size limit exceeded", instead of filling the disk.
FILE_LIMIT = 512 << 20
# RelWithDebInfo's -O2 without its -g: nothing reads the graded driver's debug information
# (the sanitizer build adds its own line tables, -g1, for its reports), and writing it was a
# quarter to a third of each compile (process_ops.cpp: 4.0 s of CPU with it, 2.7 s without).
OPTIMIZATION = ["-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG"]


@dataclass
class Build:
    ok: bool
    driver: Path | None
    output: str  # what the compiler and CMake printed
    impl_dir: Path
    build_dir: Path  # where the compiler ran: Ninja names sources relative to it

    def diagnostics(self, kind="warning"):
        """The compiler's `kind` lines about the implementation's own files."""
        return [line for line in self.output.splitlines()
                if f": {kind}: " in line and self.owns(line.split(":", 1)[0])]

    def owns(self, path):
        """True if `path` (as the compiler named it) lies in the implementation directory."""
        where = os.path.normpath(os.path.join(self.build_dir, path))
        return where.startswith(str(self.impl_dir) + os.sep)


def implementation_dir(given, scratch):
    """A directory in the API.md layout for `given`: itself, or a sample made concrete."""
    if samples.is_sample(given):
        return samples.materialize(given, Path(scratch) / "src")
    return Path(given).resolve()


def ccache_env(impl_dir, build_dir):
    """The environment that lets ccache share objects between builds in different folders:
    paths under the folder holding both the implementation and the build are hashed relative
    to it, and the build folder itself (only in the debug info's cwd) is not hashed. Without
    this every grading compiled the driver from scratch (7 % hits)."""
    base = os.path.commonpath([impl_dir, build_dir])
    return dict(os.environ, CCACHE_BASEDIR=base, CCACHE_NOHASHDIR="1")


def run_step(cmd, timeout, env=None, user=None, cgroup=None, cwd=None):
    """(exit code or None on timeout, output) of one build command. It runs in a session of
    its own, so that at its time limit (or Ctrl-C) the compilers it started go with it; as
    `user` if given, with no file larger than FILE_LIMIT, and in `cgroup` (joined before the
    command starts: a shell stands in for preexec_fn, which is unsafe in the grader's
    threads)."""
    as_user = {} if user is None else {"user": user, "group": user, "extra_groups": []}
    join = 'echo 0 > "$0" && ' if cgroup is not None else ""
    cmd = ["/bin/sh", "-c", f'ulimit -f {FILE_LIMIT // 512} && {join}exec "$@"',
           str(cgroup / "cgroup.procs") if cgroup is not None else "sh", *cmd]
    with session(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         errors="replace", env=env, cwd=cwd,
                         **as_user) as proc:
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, ""
    return proc.returncode, out


def generator(build_dir):
    """Ninja where it is installed and the folder is new (a folder keeps the generator it was
    made with): with every object a cache hit, Make's build spent a quarter of its time on
    the `cmake -E` commands it runs around each object (4.1 s against Ninja's 3.3 s)."""
    if shutil.which("ninja") and not (Path(build_dir) / "CMakeCache.txt").exists():
        return ["-G", "Ninja"]
    return []


def build_driver(impl_dir, build_dir, sanitize=False, jobs=None, source=DRIVER_SOURCE, env=None,
                 user=None, cgroup=None, headers=None, target=None):
    """The driver built against `impl_dir` in `build_dir` (made if need be). By default, as
    the caller, with the caller's ccache; the grader passes the driver's `source` (a copy),
    the `env` (its cache settings), the `user` and `cgroup` to build as, and the precompiled
    `headers` (workspace.py): (the header's path, and the digest to make it for once
    configured, or None if it is made already); `target` builds only that target."""
    impl_dir, build_dir = Path(impl_dir).resolve(), Path(build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    ran_in = build_dir.resolve()  # where the compiler runs, as ccache and diagnostics see it
    configure = ["cmake", *generator(build_dir), "-S", str(source), "-B", str(build_dir),
                 f"-DMP_IMPL_DIR={impl_dir}", *OPTIMIZATION,
                 f"-DMP_SANITIZE={'ON' if sanitize else 'OFF'}"]
    if shutil.which("ccache"):  # samples and resubmissions share most files with the reference
        configure.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
    header, make_for = headers or (None, None)
    if header is not None:
        configure += [f"-DMP_PRECOMPILED={header}", "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON"]
    build = ["cmake", "--build", str(build_dir), "-j", str(jobs or os.cpu_count() or 1)]
    if target is not None:
        build += ["--target", target]
    output, env = [], env or ccache_env(impl_dir, ran_in)
    for cmd in (configure, build):
        if cmd is build and make_for is not None:
            precompiled.make(build_dir, make_for)  # if it fails, the build parses the text
        code, out = run_step(cmd, BUILD_TIMEOUT, env, user, cgroup, build_dir)
        if code is None:
            output.append(f"the build took longer than {BUILD_TIMEOUT} s and was stopped")
            return Build(False, None, "\n".join(output), impl_dir, ran_in)
        output.append(out)
        if code != 0:
            return Build(False, None, "\n".join(output), impl_dir, ran_in)
    return Build(True, build_dir / "mpspec_driver_impl", "\n".join(output), impl_dir, ran_in)
