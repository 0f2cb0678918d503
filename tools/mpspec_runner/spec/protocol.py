"""The adapter protocol's fixed numbers (conformance/PROTOCOL.md), for the runner and the lint."""

# A driver's own exit codes; a case's main program exits with less than these.
EXIT_CASE_ERROR = 100  # the scenario is malformed or the driver failed internally
EXIT_UNSUPPORTED = 101  # a step the driver does not implement
EXIT_NOT_APPLICABLE = 102  # the case's start_methods leave out the run's start method
DRIVER_EXIT_RESERVED = EXIT_CASE_ERROR

# The C++ driver's `error_type` for an exception that is not exactly mp::ProcessError
# (its word for mp::ProcessError is "ProcessError"; Python drivers give the class's name).
NOT_PROCESS_ERROR = "exception"


def lines(data):
    """The lines of a stream the protocol writes (a trace, a run's output), decoded. Only
    "\n" ends a line: str.splitlines() also breaks at U+0085, U+2028 and other characters a
    process's name or output may hold, which would cut one event or printed line in two."""
    text = data.decode("utf-8", errors="replace")
    pieces = text.split("\n")
    return pieces[:-1] if pieces[-1] == "" else pieces
