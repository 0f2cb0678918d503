"""A target defined outside the main module (the seed's multiprocessing_import_worker.py)."""
import mpspec_play


def worker(path, target_name, *args):
    return mpspec_play.run_target(path, target_name, *args)
