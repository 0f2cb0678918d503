"""The step vocabulary (spec/vocabulary.toml) and the patterns a case's text is written in:
what the loader, the lint and the judge agree on."""
import re
import tomllib

from ..checkout import SPEC

VOCABULARY = tomllib.loads((SPEC / "vocabulary.toml").read_text(encoding="utf-8"))
TEMPLATE_REF = re.compile(r"\$\{([^}]*)\}")  # ${int} / ${label} in an expected line
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")  # {name} / {pid} / ... in a printed line
PLACEHOLDER_OK = re.compile(r"name|pid|ppid|args|[0-9]|v:[A-Za-z_][A-Za-z0-9_]*")
ID = re.compile(r"[a-z0-9][a-z0-9.-]*")
START_METHODS = {"fork", "spawn", "forkserver"}
