"""The command line: `tools/mpspec` (`mpspec`) and its grade and export commands (`grade`,
`export`), and `tools/run_case.py` (`run_case`). Each only reads arguments, calls the
packages below and prints.

May import: checkout, spec, sandbox, judge, run, grading, matrix, exports, mutation, programs, book.
"""
