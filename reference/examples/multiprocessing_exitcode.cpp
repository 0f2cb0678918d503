// Seed 10.4.7, multiprocessing_exitcode.py: the exit code of each way a child can end.
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <mp/process.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace std::chrono_literals;

void exit_error() { mp::exit(1); }

void exit_ok() {}

int return_value() { return 1; }  // the return value is ignored, as in Python

void raises() { throw std::runtime_error("There was an error!"); }

void terminated() { std::this_thread::sleep_for(3s); }

int main() {
  // A std::function<void()> accepts return_value too: its result is dropped, as in Python.
  const std::vector<std::pair<std::string, std::function<void()>>> funcs = {
      {"exit_error", exit_error},
      {"exit_ok", exit_ok},
      {"return_value", return_value},
      {"raises", raises},
      {"terminated", terminated}};
  std::vector<mp::Process> jobs;
  for (const auto& [name, target] : funcs) {
    std::cout << "Starting process for " << name << std::endl;
    mp::Process j({.name = name}, target);
    jobs.push_back(j);
    j.start();
  }

  jobs.back().terminate();

  for (mp::Process& j : jobs) {
    j.join();
    // Python: "{:>15}.exitcode = {}".format(j.name, j.exitcode)
    std::printf("%15s.exitcode = %d\n", j.name().c_str(), *j.exitcode());
    std::fflush(stdout);
  }
}
