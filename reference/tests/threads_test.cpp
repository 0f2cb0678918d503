// Several threads at once: start, join and is_alive on different handles and on one handle.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <future>
#include <latch>
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
  std::latch started(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &p, &wrong, &started] {
      started.count_down();
      if (t % 2 == 0) {
        p.join();
      } else {
        while (p.is_alive()) std::this_thread::sleep_for(1ms);  // polling is what is tested
      }
      if (p.exitcode() != 9) ++wrong;  // every thread sees the one recorded exit code
    });
  }
  started.wait();  // every thread is about to join or poll: let the child end under them
  gate.open();
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

// A stdout whose writes say that they have begun, then block until the test releases them:
// a pipe that nobody reads, without the timing of a real one.
struct StalledStream {
  Pipe writing;  // one byte per write that has begun
  Pipe release;  // closing its write end lets every write through

  static ssize_t write(void* cookie, const char* /*data*/, size_t size) {
    auto* self = static_cast<StalledStream*>(cookie);
    self->writing.say_ready();
    char c = 0;
    while (read(self->release.read_fd(), &c, 1) > 0) {
    }
    return static_cast<ssize_t>(size);
  }
};

TEST_F(Threads, NameDoesNotWaitForAStartThatIsFlushingAFullStdout) {
  StalledStream stream;
  FILE* const stalled = fopencookie(
      &stream, "w",
      {.read = nullptr, .write = &StalledStream::write, .seek = nullptr, .close = nullptr});
  ASSERT_NE(stalled, nullptr);
  std::fputs("pending output", stalled);  // buffered: start() must flush it
  FILE* const saved = stdout;
  stdout = stalled;  // what start() flushes; gtest prints nothing until we restore it
  mp::Process p({.name = "w"}, [] {});
  std::thread starter([&p] { p.start(); });
  stream.writing.wait_ready();  // start() is inside its flush, blocked
  auto name = std::async(std::launch::async, [&p] { return p.name(); });
  // A deadlock detector, not a timing bound: name() takes microseconds when it works.
  const bool answered = name.wait_for(20s) == std::future_status::ready;
  stream.release.close_write();
  starter.join();
  stdout = saved;
  std::fclose(stalled);
  EXPECT_TRUE(answered) << "name() waited for another thread's start() to finish flushing";
  EXPECT_EQ(name.get(), "w");
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
}

}  // namespace
}  // namespace mp_test
