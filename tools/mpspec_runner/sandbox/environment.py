"""What a driver sees of the environment: nothing that changes a program's behaviour
(PYTHONUNBUFFERED, PYTHONWARNINGS, ...), only what is needed to find programs."""
import functools
import os
import shutil
import subprocess

KEPT = ("PATH", "HOME", "TMPDIR", "PYENV_ROOT", "PYENV_VERSION", "MPSPEC_PYTHON")


def clean_env(python=None):
    env = {k: os.environ[k] for k in KEPT if k in os.environ}
    env["LANG"] = env["LC_ALL"] = "C.UTF-8"
    if python:
        env["MPSPEC_PYTHON"] = python
    return env


@functools.cache
def interpreter(name="python3"):
    """The interpreter `name` on PATH runs, as its real path: a version manager's shim (a
    shell script that forks and duplicates descriptors before it execs the interpreter,
    which a traced run refuses) resolved to what it runs. `name` itself if that fails."""
    found = shutil.which(name, path=clean_env().get("PATH"))
    if found is None:
        return name
    try:
        out = subprocess.run([found, "-c", "import sys; print(sys.executable)"],
                             env=clean_env(), capture_output=True, text=True, timeout=60,
                             check=False)
    except (OSError, subprocess.TimeoutExpired):
        return found
    real = out.stdout.strip()
    return real if out.returncode == 0 and os.path.isabs(real) else found
