"""What a driver sees of the environment: nothing that changes a program's behaviour
(PYTHONUNBUFFERED, PYTHONWARNINGS, ...), only what is needed to find programs."""
import os

# What a driver sees of the environment: nothing that changes a program's behaviour
# (PYTHONUNBUFFERED, PYTHONWARNINGS, ...), only what is needed to find programs.
KEPT = ("PATH", "HOME", "TMPDIR", "PYENV_ROOT", "PYENV_VERSION", "MPSPEC_PYTHON")


def clean_env(python=None):
    env = {k: os.environ[k] for k in KEPT if k in os.environ}
    env["LANG"] = env["LC_ALL"] = "C.UTF-8"
    if python:
        env["MPSPEC_PYTHON"] = python
    return env
