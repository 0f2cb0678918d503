"""The judge: pure functions of a run's record (the Observation `sandbox.play` returns).
`checks` compares it with the case's expectations, `crosscheck` compares the trace with what
the kernel saw, `verdict` turns checks into one verdict, `causes` groups a student's failures
by the symptom they share, and `explain` writes a result as text. Nothing here runs a
process or writes a file.

May import: checkout, spec.
"""
