"""Exports: the grader packed for the engines courses already use, one subpackage per engine
(`gradescope`: a zip with setup.sh and run_autograder; `prairielearn`: an external-grading
image's build context and its entrypoint); `sources` is what both ship.

May import: checkout, spec, sandbox, judge, run, grading.
"""
