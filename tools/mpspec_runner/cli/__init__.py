"""The command line: `tools/mpspec` (`mpspec`) and its grade and export commands (`grade`,
`export`), and `tools/run_case.py` (`run_case`). Each only reads arguments, calls the
packages below and prints.

May import: checkout, spec, sandbox, judge, run, grading, matrix, exports, mutation, programs, book.
"""
import os
import select
import sys


def stdout_reader_gone():
    """True when stdout is a pipe whose reader has closed it (`| head` has read enough)."""
    poll = select.poll()
    poll.register(sys.stdout.fileno(), select.POLLOUT)
    return any(events & select.POLLERR for _, events in poll.poll(0))


def until_the_reader_stops(main, *args):
    """main(*args), ended quietly (exit 141, as a shell reports cat's) when the reader of
    stdout stopped early, instead of with a BrokenPipeError's traceback."""
    try:
        return main(*args)
    except BrokenPipeError:
        if not stdout_reader_gone():
            raise
        # Python flushes stdout once more on its way out: that must not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
