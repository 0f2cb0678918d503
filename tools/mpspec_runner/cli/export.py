"""Autograders for the engines courses already use: the project packed with an entry point
that grades one submission where the engine puts it and writes the engine's results file.

    tools/mpspec export gradescope [--out FILE.zip] [--rubric FILE]
    tools/mpspec export prairielearn [--out DIR] [--rubric FILE]
    tools/mpspec export student-kit [--out DIR] [--rubric FILE]
"""
import importlib
import sys


def main(argv):
    engines = {"gradescope": "exports.gradescope.bundle",
               "prairielearn": "exports.prairielearn.image",
               "student-kit": "exports.student_kit"}
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in engines:
        print(__doc__.strip(), file=sys.stderr if argv and argv[0] not in ("-h", "--help")
              else sys.stdout)
        if argv and argv[0] not in ("-h", "--help"):
            print(f"mpspec export: no such engine: {argv[0]} (one of: {', '.join(engines)})",
                  file=sys.stderr)
            return 2
        return 0 if argv else 2
    module = importlib.import_module(f"mpspec_runner.{engines[argv[0]]}")
    return module.main(argv[1:])
