// Several threads at once: start, join and is_alive on different handles and on one handle.
#include <atomic>
#include <mp/process.hpp>
#include <thread>
#include <vector>

#include "support.hpp"

namespace mp_test {
namespace {

class Threads : public NoLeftovers {};

constexpr int kThreads = 8;

TEST_F(Threads, StartAndJoinTheirOwnChildrenAtOnce) {
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &wrong] {
      for (int i = 0; i < 20; ++i) {
        const int code = (t * 20 + i) % 200;
        mp::Process p([code] { mp::exit(code); });
        p.start();
        (void)p.is_alive();
        p.join();
        if (p.exitcode() != code) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_TRUE(mp::active_children().empty());
}

TEST_F(Threads, JoinAndPollTheSameHandleAtOnce) {
  Gate gate;
  mp::Process p([&gate] {
    gate.pass();
    mp::exit(9);
  });
  p.start();
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &p, &wrong] {
      if (t % 2 == 0) {
        p.join();
      } else {
        while (p.is_alive()) std::this_thread::sleep_for(1ms);
      }
      if (p.exitcode() != 9) ++wrong;  // every thread sees the one recorded exit code
    });
  }
  std::this_thread::sleep_for(50ms);
  gate.open();
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace mp_test
