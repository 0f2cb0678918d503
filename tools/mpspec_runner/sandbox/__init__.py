"""The sandbox: everything that starts, isolates, traces and reaps a run. `play` runs one
scenario on one adapter and returns its Observation; the reaper (`reaper.py`, with
`witness`, `seccomp` and `procs`: a script that runs as PID 1 of the run's namespace, forked
there by the runner thread's `launcher`, one interpreter for many runs) starts the driver
(through `exec_driver.c`, compiled on first use by `exec_helper`), relays and caps its
output, traces it, and reaps everything it started; `users`
gives each grading a user id of its own, and `leftovers` removes what that id left in the
places every user shares; `cgroups`, `isolation`, `sessions`, `environment`
and `calibrate` hold the run's limits, namespaces, sessions (and the launchers), environment
and time unit.

May import: checkout, spec.
"""
