"""The mutants of an implementation: every site of every operator in its sources, each a
one-line change with a stable key (it survives edits elsewhere in the file)."""
import random
from dataclasses import dataclass
from pathlib import Path

from .operators import sites

# The reference's fork path (issue 22's target): what a submission must also write. Spawn,
# forkserver and the start-method machinery are optional for submissions.
FORK_PATH = ["src/child_exit.cpp", "src/exit_rules.cpp", "src/lifecycle.cpp", "src/process.cpp",
             "src/registry.cpp", "src/repr.cpp", "src/start.cpp", "src/sys_linux.cpp"]


@dataclass(frozen=True)
class Mutant:
    file: str  # relative to the implementation directory
    line: int  # 1-based
    operator: str
    describe: str
    original: str  # the line as it was
    mutated: str  # the line as it becomes

    @property
    def key(self):
        """What equivalent.toml names a mutant by: the line before and after, and no line
        number, which edits elsewhere shift."""
        return f"{self.file} | {self.original.strip()} | {self.mutated.strip()}"

    @property
    def name(self):
        return f"{self.file}:{self.line} {self.describe}"


def code_lines(text):
    """(number, line) of the lines that are code: not blank, a comment, or a preprocessor
    line, and not inside a /* */ block."""
    inside = False
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if inside:
            inside = "*/" not in s
            continue
        if s.startswith("/*"):
            inside = "*/" not in s
            continue
        if not s or s.startswith(("//", "#")):
            continue
        yield n, line


def enumerate_mutants(impl, files):
    out = []
    for rel in files:
        text = (Path(impl) / rel).read_text(encoding="utf-8")
        for n, line in code_lines(text):
            for s in sites(line):
                mutated = line[:s.start] + s.replacement + line[s.end:]
                out.append(Mutant(rel, n, s.operator, s.describe, line, mutated))
    return out


def choose(mutants, budget, seed=0):
    """At most `budget` of them, drawn without bias but the same for the same seed, in file
    order; all of them when budget is None."""
    if budget is None or budget >= len(mutants):
        return list(mutants)
    picked = set(random.Random(seed).sample(range(len(mutants)), budget))
    return [m for i, m in enumerate(mutants) if i in picked]


def apply(impl, mutant):
    """Writes the mutant into `impl` (a scratch copy); returns the file's original text."""
    path = Path(impl) / mutant.file
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    ending = lines[mutant.line - 1][len(mutant.original):]
    lines[mutant.line - 1] = mutant.mutated + ending
    path.write_text("".join(lines), encoding="utf-8")
    return text
