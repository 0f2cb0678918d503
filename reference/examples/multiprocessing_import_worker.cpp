// Seed 10.4.2, multiprocessing_import_worker.py.
#include "multiprocessing_import_worker.hpp"

#include <iostream>

namespace multiprocessing_import_worker {
void worker() { std::cout << "Worker" << std::endl; }
}  // namespace multiprocessing_import_worker
