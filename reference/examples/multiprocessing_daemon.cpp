// Seed 10.4.4, multiprocessing_daemon.py: the daemon is terminated when the main program
// exits, so its "Exiting" line never appears.
#include <chrono>
#include <iostream>
#include <mp/process.hpp>
#include <thread>

using namespace std::chrono_literals;

// The seed's daemon(); renamed because <unistd.h> declares daemon(3).
void daemon_worker() {
  const mp::Process p = mp::current_process();
  std::cout << "Starting: " << p.name() << " " << *p.pid() << std::endl;
  std::this_thread::sleep_for(2s);
  std::cout << "Exiting : " << p.name() << " " << *p.pid() << std::endl;
}

void non_daemon() {
  const mp::Process p = mp::current_process();
  std::cout << "Starting: " << p.name() << " " << *p.pid() << std::endl;
  std::cout << "Exiting : " << p.name() << " " << *p.pid() << std::endl;
}

int main() {
  mp::Process d({.name = "daemon"}, daemon_worker);
  d.set_daemon(true);

  mp::Process n({.name = "non-daemon"}, non_daemon);
  n.set_daemon(false);

  d.start();
  std::this_thread::sleep_for(1s);
  n.start();
}
