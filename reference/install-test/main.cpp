// The example in mp/process.hpp's banner, built against the installed package.
#include <iostream>
#include <mp/process.hpp>

void worker(int n) { std::cout << "Worker: " << n << std::endl; }

int main() {
  mp::Process p(worker, 3);  // args are copied now
  p.start();                 // fork; the child runs worker(3) and _exits
  p.join();                  // blocks until the child is reaped
  return *p.exitcode();      // 0
}
