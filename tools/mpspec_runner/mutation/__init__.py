"""Mutation analysis: the suite measured by the bugs it catches. Mutants of an
implementation's sources (`operators`, `mutants`), each built and run on every case by
`tools/run_case.py --impl` (`campaign`), reported as killed (by which cases), survived,
timed out or not built, with the survivors argued equivalent in
conformance/mutants/equivalent.toml (`report`).

A small source-level mutator rather than Mull: Mull needs an LLVM it was built against and
a compiler plugin in the submission's build, and what we mutate is a student's or the
reference's few hundred lines, where a line-level operator says plainly what changed.

May import: checkout.
"""
