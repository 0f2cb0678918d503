"""mpspec's harness: plays spec/ cases on adapters, judges what they did, grades
submissions, and writes the matrix and the exports. One package per concern; imports go
one way, from the command line down to the spec (tools/tests/test_layout.py checks each
package's "May import" line below):

    cli  ->  exports  ->  grading, matrix  ->  run  ->  judge, sandbox  ->  spec  ->  checkout

- `checkout`: where things are in the checkout.
- `spec/`: case files loaded, expanded into scenarios and linted.
- `sandbox/`: a run started, isolated, traced and reaped; what it left read back.
- `judge/`: a run's record checked against its case (pure: no processes, no files).
- `run/`: a case on an adapter, played and judged; a batch of them.
- `grading/`: a submission unpacked, built, run, scored and reported.
- `matrix/`: results files as the conformance matrix.
- `exports/`: the grader packed for Gradescope and PrairieLearn.
- `cli/`: `tools/mpspec` and `tools/run_case.py`.

README.md beside this file draws the data flow.
"""
