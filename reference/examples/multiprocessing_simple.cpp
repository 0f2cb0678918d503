// Seed 10.4.1, multiprocessing_simple.py: five children, each prints "Worker"; the main
// program does not join them, yet waits for them before it exits.
#include <iostream>
#include <mp/process.hpp>
#include <vector>

void worker() { std::cout << "Worker" << std::endl; }

int main() {
  std::vector<mp::Process> jobs;
  for (int i = 0; i < 5; ++i) {
    mp::Process p(worker);
    jobs.push_back(p);
    p.start();
  }
}
