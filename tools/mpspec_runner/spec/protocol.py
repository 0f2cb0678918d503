"""The adapter protocol's fixed numbers (conformance/PROTOCOL.md), for the runner and the lint."""

# A driver's own exit codes; a case's main program exits with less than these.
EXIT_CASE_ERROR = 100  # the scenario is malformed or the driver failed internally
EXIT_UNSUPPORTED = 101  # a step the driver does not implement
DRIVER_EXIT_RESERVED = EXIT_CASE_ERROR
