// Seed 10.4.2, multiprocessing_import_worker.py: a target defined in another translation unit.
#ifndef MULTIPROCESSING_IMPORT_WORKER_HPP_
#define MULTIPROCESSING_IMPORT_WORKER_HPP_

namespace multiprocessing_import_worker {
void worker();
}  // namespace multiprocessing_import_worker

#endif  // MULTIPROCESSING_IMPORT_WORKER_HPP_
