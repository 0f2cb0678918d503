"""`tools/mpspec book`: the spec as a static site that works offline (out/book/): a page per
seed section (and for the cases beyond it) that opens with the seed's own text, each case
with its claim, level, clauses, its scenario as a C++ program and as its Python twin side by
side, what it expects and each implementation's verdict from the latest matrix; an index of
API.md's clauses to their cases; the samples; and the project's documentation.

May import: checkout, spec, judge, matrix, programs.
"""
