// Seed 10.4.6, multiprocessing_terminate.py: terminate(), then join() to update the status.
#include <chrono>
#include <iostream>
#include <mp/process.hpp>
#include <thread>

using namespace std::chrono_literals;

void slow_worker() {
  std::cout << "Starting worker" << std::endl;
  std::this_thread::sleep_for(100ms);
  std::cout << "Finished worker" << std::endl;
}

const char* py_bool(bool value) { return value ? "True" : "False"; }

int main() {
  mp::Process p(slow_worker);
  std::cout << "BEFORE: " << p << " " << py_bool(p.is_alive()) << std::endl;

  p.start();
  std::cout << "DURING: " << p << " " << py_bool(p.is_alive()) << std::endl;

  p.terminate();
  std::cout << "TERMINATED: " << p << " " << py_bool(p.is_alive()) << std::endl;

  p.join();
  std::cout << "JOINED: " << p << " " << py_bool(p.is_alive()) << std::endl;
}
