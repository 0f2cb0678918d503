"""What a grading writes, one file per format: feedback.md (`feedback`), results.json
(`results_json`), JUnit XML (`junit`), the gradebook CSV (`gradebook`), the terminal's lines
(`terminal`), the folder that holds a grade's files (`write`); `tally` is what they share."""
