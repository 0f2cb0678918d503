"""A batch of submissions graded, `-P` at a time, each with a name of its own for its folder
and gradebook row, its reports written as it ends."""
import concurrent.futures

from ..sandbox.sessions import stop_all_runs
from .folders import private_folder
from .names import distinct_names
from .reports import terminal, write
from .submission import grade_one


def grade_all(opts, rubric, loaded, out):
    """Every submission graded, its reports written as it ends. A grade the grader itself
    could not give (harness) gets no reports: the terminal names the fault instead."""
    show = terminal.Progress(len(opts.submissions))
    grades = []
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, opts.parallel))
    futures = [pool.submit(grade_one, s, rubric, loaded, opts, show.update, n)
               for s, n in zip(opts.submissions, distinct_names(opts.submissions))]
    try:
        for fut in concurrent.futures.as_completed(futures):
            g = fut.result()
            grades.append(g)
            folder = None if g.harness else write.write_all(
                g, private_folder(out / g.name, 0o750), rubric)
            show.done(g, folder)
            if opts.json:
                print(terminal.as_json_line(g), flush=True)
    except BaseException:
        stop_all_runs()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return grades
