"""What a user id leaves behind in the places every user shares: SysV shared memory, message
queues and semaphores, POSIX message queues, and files in /tmp, /var/tmp, /run/lock and
/dev/shm. A run in its own namespaces leaves nothing there (its IPC namespace and its own
tmpfs mounts go with it); a run without them (a subreaper, in an unprivileged container)
and a build can. When a grading's lease of a user id ends, `remove_all_of` removes what
that id owns, so that nothing of one grading reaches the next that leases the same id."""
import ctypes
import os
import shutil
import stat
from pathlib import Path

IPC_RMID = 0
# /proc/sysvipc/FILE: (the column of the id, the column of the owner's uid, the call that
# removes one)
SYSV = {"shm": (1, 7, "shmctl"), "msg": (1, 7, "msgctl"), "sem": (1, 4, "semctl")}
PLACES = ("/tmp", "/var/tmp", "/run/lock", "/dev/shm", "/dev/mqueue")


def sysv_objects(uid, proc=Path("/proc/sysvipc")):
    """[(kind, id)] of the SysV IPC objects `uid` owns."""
    found = []
    for kind, (id_col, uid_col, _) in SYSV.items():
        try:
            lines = (proc / kind).read_text(encoding="ascii").splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > max(id_col, uid_col) and fields[uid_col] == str(uid):
                found.append((kind, int(fields[id_col])))
    return found


def remove_sysv(objects):
    libc = ctypes.CDLL(None, use_errno=True)
    for kind, ident in objects:
        call = getattr(libc, SYSV[kind][2])
        call(ctypes.c_int(ident), *([ctypes.c_int(0)] if kind == "sem" else []),
             ctypes.c_int(IPC_RMID), None)


def owned_files(uid, places=PLACES):
    """Every entry of the shared places that `uid` owns (an owned folder once, not what is
    in it), without following links. Only folders every user may write are searched: the
    only others where `uid` can have made an entry are its own, found whole."""
    found = []
    for place in (p for p in places if os.path.isdir(p)):
        for folder, dirs, files in os.walk(place):
            for name in list(dirs) + files:
                path = os.path.join(folder, name)
                try:
                    info = os.lstat(path)
                except OSError:
                    continue
                if info.st_uid == uid:
                    found.append(path)
                if name in dirs and (info.st_uid == uid or not info.st_mode & 0o002):
                    dirs.remove(name)
    return found


def remove_files(paths):
    for path in paths:
        try:
            if stat.S_ISDIR(os.lstat(path).st_mode):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)
        except OSError:
            pass


def remove_all_of(uid):
    """Removes every IPC object and shared file `uid` owns (its processes are gone)."""
    remove_sysv(sysv_objects(uid))
    remove_files(owned_files(uid))
