"""The conformance matrix: results files merged (`results`) and written as Markdown
(`markdown`) and as one self-contained HTML page (`page`), cases down and implementations
across (`write`); `python3 -m mpspec_runner.matrix` merges results files by hand.

May import: checkout, spec, judge.
"""
