#!/usr/bin/env python3
"""mpspec's PrairieLearn entrypoint: /opt/mpspec/mpspec-grade-prairielearn in the image.

`tools/mpspec export prairielearn` copies this file beside the sources (source/) and the
rubric (rubric.toml). PrairieLearn runs it once per submission; it grades /grade/student
and writes /grade/results/results.json (tools/mpspec_runner/exports/prairielearn/grader.py says
how). Should even the grader's module fail to import, results.json still says that the
autograder failed (not gradable: no score, no attempt used) rather than nothing, which
PrairieLearn would report as the student's failed job.
"""
import json
import os
import sys
import traceback

HOME = os.path.dirname(os.path.realpath(__file__))
RESULTS = "/grade/results/results.json"

if __name__ == "__main__":
    sys.path.insert(0, os.path.join(HOME, "source", "tools"))
    try:
        from pathlib import Path

        from mpspec_runner.exports.prairielearn import grader
    except BaseException:  # noqa: BLE001 - said in results.json, whatever it was
        why = traceback.format_exc()
        print(f"mpspec prairielearn: NOT GRADED: the grader does not start:\n{why}", flush=True)
        os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
        with open(RESULTS, "w", encoding="utf-8") as f:
            json.dump({"gradable": False, "message": "The autograder failed: this submission "
                       "was not graded, and no attempt was used. The fault is the grader's; "
                       "your course staff can see why in the grading job's log.",
                       "output": "", "tests": []}, f)
        sys.exit(0)
    sys.exit(grader.run(Path(HOME)))
