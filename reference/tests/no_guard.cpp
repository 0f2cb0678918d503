// A program that forgets mp::freeze_support(): under spawn its child runs main() from the top
// and must not start children of its own (spawn_test.cpp runs it).
#include <cstdlib>
#include <iostream>
#include <mp/process.hpp>

namespace {
void worker() { std::cout << "worker ran" << std::endl; }
}  // namespace

int main() {
  const bool child = std::getenv("MP_SPAWN_FD") != nullptr;
  mp::set_start_method(mp::StartMethod::spawn);
  mp::Process p(worker);
  try {
    p.start();
  } catch (const mp::ProcessError& e) {
    std::cout << (child ? "child: " : "parent: ") << e.what() << std::endl;
    return 3;
  }
  p.join();
  std::cout << "parent: exitcode " << *p.exitcode() << std::endl;
  return 0;
}
