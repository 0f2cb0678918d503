"""The Gradescope autograder: `bundle` writes the zip; `autograder` is its run_autograder,
which runs on Gradescope once per submission and imports nothing of the grader."""
