"""Grading: a submission unpacked (`unpack`, or a fixture of `samples`), its driver built as
a user of its own (`build`, `workspace`), its cases run and scored with the rubric
(`submission`, `rubric`, `sanitizer`), a batch of them (`batch`, `names`), and the reports
each grade gets (`reports/`).

May import: checkout, spec, sandbox, judge, run, programs.
"""
