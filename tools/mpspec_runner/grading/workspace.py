"""Where and as whom a grading builds a submission's driver.

A build reads what the submission names (`#include "/etc/shadow"`, `.incbin`), so it runs as
the grading's own user (sandbox/users.py), never as root. It works in a folder under /tmp (the
checkout may lie in a folder only root can enter) holding copies that user can read: the
submission (root's, read-only to it) and the driver's sources, and a build folder of its
own, closed again once built, so the submission's runs cannot touch what the next build
reads. The build has a memory cgroup, and whatever it leaves running is killed with its user.

Compiled objects are shared through ccache, read-only: the shared cache is filled only by
`warm`, root building the reference in the same layout, so a sample or a submission that
keeps most of the reference's files reuses its objects (a driver build falls from about
30 s to about 3 s), and nothing one submission compiled, or its runs wrote, reaches another
submission's build. Each build's own cache lives in its build folder and goes with it.
`warm` also precompiles the standard headers once (precompiled.py), and every build then
reads them instead of parsing them again in each file a submission changes."""
import contextlib
import fcntl
import hashlib
import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

from ..checkout import DRIVER_SOURCE, REFERENCE, ROOT
from ..sandbox import users
from ..sandbox.cgroups import make_cgroup, memory_limit_file, remove_cgroup
from ..sandbox.environment import clean_env
from . import build, precompiled, samples

SHARED_CACHE = Path(os.environ.get("MPSPEC_SHARED_CCACHE", "/var/cache/mpspec/ccache"))
BUILD_MEMORY = 4 << 30  # bytes: ten times what the heaviest honest driver build takes
# A grading's build folder (both builds, their objects and caches): about six times what the
# plain and the sanitizer build together write. A tmpfs, so only what is written is held.
BUILD_SPACE = "1536m"
# The driver's files that do not depend on the implementation (its CMakeLists.txt).
INDEPENDENT = "mpspec_driver_impl_play"
DRIVER_FILES = [*sorted(DRIVER_SOURCE.glob("*.?pp")), DRIVER_SOURCE / "CMakeLists.txt",
                *sorted((ROOT / "cmake").glob("*.cmake"))]


class Workspace:
    """The grading's folder under /tmp: `unpacked/` (the submission), `driver/` (the
    driver's sources), and a build folder per build."""

    def __init__(self, root, impl, uid):
        self.root, self.impl, self.uid = root, impl, uid
        self.source = root / "driver" / DRIVER_SOURCE.relative_to(ROOT)

    def build(self, sanitize=False, shared=None, target=None):
        """Builds the driver (or only `target`) as the grading's user; `shared` makes this a
        trusted build that fills the shared cache (warm's, as root)."""
        folder = self.root / ("asan" if sanitize else "build")
        folder.mkdir(mode=0o700)
        (folder / "tmp").mkdir()
        if self.uid is not None:
            for path in (folder, folder / "tmp"):
                os.chown(path, self.uid, self.uid)
        env = dict(clean_env(), HOME=str(folder), TMPDIR=str(folder / "tmp"),
                   CCACHE_DIR=str(folder / "ccache"), CCACHE_BASEDIR=str(self.root),
                   CCACHE_NOHASHDIR="1")
        if shared:
            env.update(CCACHE_SECONDARY_STORAGE=f"file:{shared}", CCACHE_UMASK="022")
        elif cache_ready():
            env.update(CCACHE_SECONDARY_STORAGE=f"file:{SHARED_CACHE}|read-only")
        headers = self.precompiled(sanitize, shared)
        if headers is not None:
            env.update(CCACHE_SLOPPINESS=precompiled.SLOPPINESS)
        memory = make_cgroup(
            "memory", (memory_limit_file("memory"), BUILD_MEMORY), user=self.uid)
        try:
            built = build.build_driver(self.impl, folder, sanitize, source=self.source, env=env,
                                       user=self.uid, cgroup=memory, headers=headers,
                                       target=target)
        finally:
            if self.uid is not None:
                users.kill_all_of(self.uid)  # a compiler that left its session, too
            if memory is not None:
                remove_cgroup(memory)
        close(folder)
        return built

    @staticmethod
    def precompiled(sanitize, shared):
        """(header, digest to make it for or None) for build_driver: the shared precompiled
        headers of this version, made by the warm build (`shared`) and only read by others;
        None where there are none (not root, a failed warm-up)."""
        if os.geteuid() != 0:
            return None
        digest = inputs_digest(sanitize)
        if shared:
            return precompiled.path(digest), digest
        header = precompiled.ready(digest)
        return None if header is None else (header, None)


@contextlib.contextmanager
def workspace(unpacked, impl, uid):
    """A Workspace for the implementation `impl` (inside the folder `unpacked`), for `uid`
    (None: the grader's own user), in a folder of BUILD_SPACE at most; removed when the
    block ends."""
    root = Path(tempfile.mkdtemp(prefix="mpspec-build-"))
    mounted = size_limited(root)
    try:
        os.chmod(root, 0o711)  # the user passes through to its own folders only
        shutil.copytree(unpacked, root / "unpacked")
        driver = root / "driver"
        for path in DRIVER_FILES:
            copy = driver / path.relative_to(ROOT)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, copy)
        for top in (root / "unpacked", driver):
            readable_by(top, uid)
        yield Workspace(root, root / "unpacked" / Path(impl).relative_to(unpacked), uid)
    finally:
        if mounted:
            subprocess.run(["umount", "--lazy", str(root)], capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


def size_limited(folder):
    """Mounts a tmpfs of BUILD_SPACE on `folder` (as root); False where that cannot be (not
    root, or a container without the right): the file-size limit alone bounds the build."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={BUILD_SPACE},mode=0711",
                           "mpspec-build", str(folder)], capture_output=True,
                          check=False).returncode == 0


def readable_by(top, uid):
    """Everything under `top` readable, nothing writable, and `top` itself closed to every
    user but root and `uid` (through its group)."""
    for folder, dirs, files in os.walk(top):
        for name in dirs:
            os.chmod(os.path.join(folder, name), 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    os.chown(top, 0 if uid is not None else -1, uid if uid is not None else -1)
    os.chmod(top, 0o750 if uid is not None else 0o755)


def close(folder):
    """Root's again and closed to all: the submission's runs, as the same user, cannot
    change the build's files or plant any for the next one."""
    if os.geteuid() == 0:
        os.chown(folder, 0, 0)
    os.chmod(folder, 0o700)


def cache_ready():
    """True if the shared cache exists and only root can write it (a cache another user can
    write could hand one submission's build objects another made)."""
    if os.geteuid() != 0:
        return False
    try:
        info = os.lstat(SHARED_CACHE)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == 0 and not info.st_mode & 0o022


def warm(sanitize=False):
    """Fills the shared cache from the reference, built by root in a workspace's layout
    (unpacked/submission, as unpack.py lays out every submission), and makes the precompiled
    headers. Once per version of the reference, the driver and the compiler: a stamp file
    says it is done. An export holds no reference: there a stand-in takes its place, and only
    what no implementation changes is compiled (the driver's INDEPENDENT target, the
    headers). True if the cache is warm."""
    if os.geteuid() != 0 or not shutil.which("ccache"):
        return False
    try:
        SHARED_CACHE.mkdir(mode=0o755, parents=True, exist_ok=True)
    except OSError:  # a read-only /var: builds then compile everything, nothing worse
        return False
    if not cache_ready():
        return False
    digest = inputs_digest(sanitize)
    stamp = SHARED_CACHE / f"warm-{digest}"
    with open(SHARED_CACHE / "warm.lock", "w", encoding="ascii") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two gradings starting at once warm it once
        # (the precompiled headers of an older version go after a day unused, its cached
        # objects only when ccache needs the room: a version graded again makes them anew)
        if stamp.exists() and precompiled.ready(digest):
            return True
        with tempfile.TemporaryDirectory(prefix="mpspec-warm-") as tmp:
            unpacked = Path(tmp) / "unpacked"
            if (REFERENCE / "src").is_dir():
                impl, target = samples.materialize_reference(unpacked / "submission"), None
            else:
                impl, target = stand_in(unpacked / "submission"), INDEPENDENT
            with workspace(unpacked, impl, None) as ws:
                if ws.build(sanitize, shared=SHARED_CACHE, target=target).ok:
                    stamp.touch()
                    return True
    return False


def stand_in(folder):
    """An implementation directory that configures (include/mp/process.hpp, a source file)
    and implements nothing: only the driver's INDEPENDENT target is built against it."""
    (folder / "include" / "mp").mkdir(parents=True)
    (folder / "src").mkdir()
    note = "// mpspec: a stand-in for the reference, which an export does not hold\n"
    (folder / "include" / "mp" / "process.hpp").write_text(note, encoding="ascii")
    (folder / "src" / "stand_in.cpp").write_text(note, encoding="ascii")
    return folder


def inputs_digest(sanitize):
    """What the reference's objects depend on: its files, the driver's, the compiler and the
    build's options."""
    h = hashlib.sha256(b"unpacked/submission " + (b"asan" if sanitize else b"plain"))
    h.update(" ".join(build.OPTIMIZATION).encode())
    for path in [*sorted(REFERENCE.rglob("*.?pp")), *DRIVER_FILES]:
        h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    h.update(subprocess.run(["c++", "--version"], capture_output=True, check=False).stdout)
    return h.hexdigest()[:20]
