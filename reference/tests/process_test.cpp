// Target and args, handles, active_children: API.md rows "target and args" and "handles".
#include <unistd.h>

#include <concepts>
#include <memory>
#include <mp/process.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"

namespace mp_test {
namespace {

class Target : public NoLeftovers {};
class Handles : public NoLeftovers {};

TEST_F(Target, RunsInAnotherProcessWhoseParentIsUs) {
  Pipe pipe;
  mp::Process p([w = pipe.write_fd()] {
    write_text(w, std::to_string(getpid()) + " " + std::to_string(getppid()));
  });
  p.start();
  p.join();
  const std::string seen = pipe.read_all();
  EXPECT_EQ(seen, std::to_string(*p.pid()) + " " + std::to_string(getpid()));
  EXPECT_NE(*p.pid(), getpid());
}

TEST_F(Target, ReceivesItsArgs) {
  Pipe pipe;
  mp::Process p([](int w, int n, const std::string& s) { write_text(w, std::to_string(n) + s); },
                pipe.write_fd(), 3, std::string("x"));
  p.start();
  p.join();
  EXPECT_EQ(pipe.read_all(), "3x");
}

TEST_F(Target, ArgsAreCopiedAtConstruction) {
  Pipe pipe;
  std::string word = "before";
  mp::Process p([](int w, const std::string& s) { write_text(w, s); }, pipe.write_fd(), word);
  word = "after";
  p.start();
  p.join();
  EXPECT_EQ(pipe.read_all(), "before");
}

TEST_F(Target, ReturnValueIsIgnored) {
  mp::Process p([] { return 7; });
  p.start();
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
}

TEST_F(Target, DefaultConstructedProcessDoesNothingAndExitsZero) {
  mp::Process p;
  p.start();
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
}

int counter = 0;

TEST_F(Target, MemoryChangesInTheChildAreNotSeenByTheParent) {
  mp::Process p([] { counter = 42; });
  p.start();
  p.join();
  EXPECT_EQ(counter, 0);
}

TEST_F(Handles, ACopyRefersToTheSameProcess) {
  mp::Process p([] {});
  mp::Process q(p);  // copies the handle, never wraps p as a target
  std::vector<mp::Process> v;
  v.emplace_back(p);
  EXPECT_TRUE(q == p);
  EXPECT_TRUE(v[0] == p);
  q.start();
  EXPECT_EQ(p.pid(), q.pid());
  v[0].join();
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_FALSE(mp::Process([] {}) == p);
}

TEST_F(Handles, DroppingEveryHandleNeitherKillsNorWaits) {
  Gate gate;
  Pipe pipe;
  const auto start = Clock::now();
  {
    mp::Process p([&gate, w = pipe.write_fd()] {
      gate.pass();
      write_text(w, "finished");
    });
    p.start();
  }
  EXPECT_LT(seconds_since(start), 5.0);  // did not wait for the gated child
  auto alive = mp::active_children();
  ASSERT_EQ(alive.size(), 1U);  // not killed: the library still tracks it
  gate.open();
  alive[0].join();
  EXPECT_EQ(alive[0].exitcode(), 0);
  EXPECT_EQ(pipe.read_all(), "finished");
}

TEST_F(Handles, ActiveChildrenListsRunningChildrenAndForgetsEndedOnes) {
  Gate gate;
  mp::Process running([&gate] { gate.pass(); });
  mp::Process ended([] {});
  running.start();
  ended.start();
  ended.join();
  const auto alive = mp::active_children();
  ASSERT_EQ(alive.size(), 1U);
  EXPECT_TRUE(alive[0] == running);
  gate.open();
  running.join();
  EXPECT_TRUE(mp::active_children().empty());
}

TEST(CpuCount, IsTheNumberOfCpusOnline) {
  EXPECT_EQ(mp::cpu_count(), sysconf(_SC_NPROCESSORS_ONLN));
}

// mp::Target: what the constructors accept, checked at compile time.
void takes_int(int /*n*/) {}
void takes_unique(const std::unique_ptr<int>& /*p*/) {}
struct MoveOnlyCallable {
  std::unique_ptr<int> held;
  void operator()() const {}
};
static_assert(mp::Target<void (*)(int), int>);
static_assert(mp::Target<decltype(takes_int)&, int&>);
static_assert(mp::Target<void (*)(const std::string&), const char*>);
static_assert(mp::Target<void (*)(const std::string&), std::string&>);
// A move-only arg: invocable on an lvalue, but not copyable into the child's std::function.
static_assert(std::invocable<decltype(takes_unique)&, std::unique_ptr<int>&>);
static_assert(!mp::Target<decltype(takes_unique)&, std::unique_ptr<int>>);
static_assert(!std::constructible_from<mp::Process, decltype(takes_unique)&, std::unique_ptr<int>>);
static_assert(!mp::Target<MoveOnlyCallable>);
static_assert(!mp::Target<void (*)(int), std::string>);  // not invocable with these args
// A handle is never a target: Process q(p) copies it.
static_assert(!mp::Target<mp::Process&>);

}  // namespace
}  // namespace mp_test
