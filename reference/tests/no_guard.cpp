// A program that forgets mp::freeze_support(): under spawn its child, and under forkserver
// its server, runs main() from the top and must not start children of its own
// (spawn_test.cpp runs it as `mp_no_guard spawn|forkserver`).
#include <cstdlib>
#include <iostream>
#include <mp/process.hpp>
#include <string>
#include <system_error>

namespace {
void worker() { std::cout << "worker ran" << std::endl; }
}  // namespace

int main(int argc, char** argv) {
  const bool new_run =
      std::getenv("MP_SPAWN_FD") != nullptr || std::getenv("MP_FORKSERVER_FD") != nullptr;
  const bool server = argc > 1 && std::string(argv[1]) == "forkserver";
  mp::set_start_method(server ? mp::StartMethod::forkserver : mp::StartMethod::spawn);
  mp::Process p(worker);
  try {
    p.start();
  } catch (const mp::ProcessError& e) {
    std::cout << (new_run ? "new run: " : "parent: ") << e.what() << std::endl;
    return 3;
  } catch (const std::system_error& e) {
    std::cout << "parent: start failed: " << e.what() << std::endl;
    return 4;
  }
  p.join();
  std::cout << "parent: exitcode " << *p.exitcode() << std::endl;
  return 0;
}
