// Seed 10.4.1, multiprocessing_simpleargs.py: each child gets its number as an argument.
#include <iostream>
#include <mp/process.hpp>
#include <vector>

void worker(int num) { std::cout << "Worker: " << num << std::endl; }

int main() {
  std::vector<mp::Process> jobs;
  for (int i = 0; i < 5; ++i) {
    mp::Process p(worker, i);
    jobs.push_back(p);
    p.start();
  }
}
