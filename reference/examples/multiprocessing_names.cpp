// Seed 10.4.3, multiprocessing_names.py: explicit names, and the default name Process-3 for
// the third Process created.
#include <chrono>
#include <iostream>
#include <mp/process.hpp>
#include <thread>

using namespace std::chrono_literals;

void worker() {
  const std::string name = mp::current_process().name();
  std::cout << name << " Starting" << std::endl;
  std::this_thread::sleep_for(2s);
  std::cout << name << " Exiting" << std::endl;
}

void my_service() {
  const std::string name = mp::current_process().name();
  std::cout << name << " Starting" << std::endl;
  std::this_thread::sleep_for(3s);
  std::cout << name << " Exiting" << std::endl;
}

int main() {
  mp::Process service({.name = "my_service"}, my_service);
  mp::Process worker_1({.name = "worker 1"}, worker);
  mp::Process worker_2(worker);  // default name

  worker_1.start();
  worker_2.start();
  service.start();
}
