// Seed 10.4.2, multiprocessing_import_main.py: the target comes from another module.
// Run as `multiprocessing_import_main [--start-method fork|spawn|forkserver]`.
#include <mp/process.hpp>
#include <string>
#include <vector>

#include "multiprocessing_import_worker.hpp"

int main(int argc, char** argv) {
  // The C++ form of the seed's `if __name__ == '__main__':`. Under spawn and forkserver a
  // child is a new run of this program: here it finds the worker again, runs it and exits,
  // so the loop below runs in the main program only.
  mp::freeze_support();
  if (argc == 3 && std::string(argv[1]) == "--start-method") {
    const std::string method = argv[2];
    mp::set_start_method(method == "spawn"        ? mp::StartMethod::spawn
                         : method == "forkserver" ? mp::StartMethod::forkserver
                                                  : mp::StartMethod::fork);
  }
  std::vector<mp::Process> jobs;
  for (int i = 0; i < 5; ++i) {
    mp::Process p(multiprocessing_import_worker::worker);
    jobs.push_back(p);
    p.start();
  }
}
