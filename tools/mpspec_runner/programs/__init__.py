"""A case as a standalone program: its scenario written out as a short C++ program that uses
only mp/process.hpp, and as its CPython twin, for a student to compile against their own
library and for the book to show beside the case. Both print what the case checks: the
scenario's own lines, and each labelled result on stderr as `=> label = value` (JSON).

`shape` reads a case for both writers, `cpp` and `python` write the programs, `judge` judges
a program's output by its case, and `check` builds and runs them.

May import: checkout, spec, sandbox, judge.
"""
