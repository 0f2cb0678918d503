// Seed 10.4.5, multiprocessing_daemon_join.py: joining the daemon lets it finish.
#include <chrono>
#include <iostream>
#include <mp/process.hpp>
#include <thread>

using namespace std::chrono_literals;

// The seed's daemon(); renamed because <unistd.h> declares daemon(3).
void daemon_worker() {
  const std::string name = mp::current_process().name();
  std::cout << "Starting: " << name << std::endl;
  std::this_thread::sleep_for(2s);
  std::cout << "Exiting : " << name << std::endl;
}

void non_daemon() {
  const std::string name = mp::current_process().name();
  std::cout << "Starting: " << name << std::endl;
  std::cout << "Exiting : " << name << std::endl;
}

int main() {
  mp::Process d({.name = "daemon"}, daemon_worker);
  d.set_daemon(true);

  mp::Process n({.name = "non-daemon"}, non_daemon);
  n.set_daemon(false);

  d.start();
  std::this_thread::sleep_for(1s);
  n.start();

  d.join();
  n.join();
}
