// Seed 10.4.2, multiprocessing_import_main.py: the target comes from another module.
#include <mp/process.hpp>
#include <vector>

#include "multiprocessing_import_worker.hpp"

int main() {
  std::vector<mp::Process> jobs;
  for (int i = 0; i < 5; ++i) {
    mp::Process p(multiprocessing_import_worker::worker);
    jobs.push_back(p);
    p.start();
  }
}
