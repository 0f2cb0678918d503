// join, join(timeout), is_alive, terminate/kill and sentinel: API.md rows "join",
// "is_alive" and "terminate/kill". Timing bounds are lower bounds or generous upper bounds
// that hold on a loaded 2-core machine; a "still running" child waits on a Gate, not a sleep.
#include <poll.h>
#include <sys/wait.h>

#include <csignal>
#include <mp/process.hpp>
#include <thread>

#include "support.hpp"

namespace mp_test {
namespace {

class Join : public NoLeftovers {};
class IsAlive : public NoLeftovers {};
class Signals : public NoLeftovers {};
class Sentinel : public NoLeftovers {};

TEST_F(Join, BlocksUntilTheChildHasExitedAndIsReaped) {
  mp::Process p([] { std::this_thread::sleep_for(200ms); });
  const auto start = Clock::now();
  p.start();
  p.join();
  EXPECT_GE(seconds_since(start), 0.2);
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_FALSE(p.is_alive());
}

TEST_F(Join, WithTimeoutReturnsWhileTheChildStillRuns) {
  Gate gate;
  mp::Process p([&gate] { gate.pass(); });
  p.start();
  const auto start = Clock::now();
  p.join(300ms);
  const double waited = seconds_since(start);
  EXPECT_GE(waited, 0.3);
  EXPECT_LT(waited, 2.5);
  EXPECT_TRUE(p.is_alive());
  EXPECT_FALSE(p.exitcode().has_value());
  gate.open();
  p.join();
  EXPECT_EQ(p.exitcode(), 0);  // the timeout never killed it
}

TEST_F(Join, WithTimeoutReturnsAsSoonAsTheChildEnds) {
  Gate gate;
  mp::Process p([&gate] { gate.pass(); });
  p.start();
  gate.open();  // the child ends now: the clock starts at its end, not at its start
  const auto start = Clock::now();
  p.join(30s);
  // Woken by the exit: neither the 30 s deadline nor a polling tick of seconds.
  EXPECT_LT(seconds_since(start), 5.0);
  EXPECT_EQ(p.exitcode(), 0);
}

TEST_F(Join, ZeroAndNegativeTimeoutsDoNotBlock) {
  Gate gate;
  mp::Process p([&gate] { gate.pass(); });
  p.start();
  const auto start = Clock::now();
  p.join(0s);
  p.join(mp::Seconds(-1));
  EXPECT_LT(seconds_since(start), 2.0);
  EXPECT_TRUE(p.is_alive());
  gate.open();
  p.join();
}

TEST_F(Join, CanBeRepeated) {
  mp::Process p([] { mp::exit(3); });
  p.start();
  p.join();
  p.join();
  p.join(1s);
  EXPECT_EQ(p.exitcode(), 3);
}

TEST_F(IsAlive, IsFalseBeforeStartTrueWhileRunningFalseAfter) {
  Gate gate;
  mp::Process p([&gate] { gate.pass(); });
  EXPECT_FALSE(p.is_alive());
  p.start();
  EXPECT_TRUE(p.is_alive());
  gate.open();
  p.join();
  EXPECT_FALSE(p.is_alive());
}

TEST_F(IsAlive, ReapsAChildThatHasEnded) {
  mp::Process p([] {});
  p.start();
  const pid_t pid = *p.pid();
  siginfo_t info{};
  ASSERT_EQ(waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT), 0);  // a zombie now
  EXPECT_FALSE(p.is_alive());
  EXPECT_EQ(waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT), -1)
      << "is_alive() left the zombie unreaped";
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_TRUE(mp::active_children().empty());
}

TEST_F(Signals, TerminateThenJoinGivesMinusSigterm) {
  Gate gate;
  mp::Process p([&gate] { gate.pass(); });
  p.start();
  p.terminate();
  p.join();
  EXPECT_EQ(p.exitcode(), -SIGTERM);
  EXPECT_FALSE(p.is_alive());
}

TEST_F(Signals, KillThenJoinGivesMinusSigkill) {
  Gate gate;  // never opened: only SIGKILL ends the child
  mp::Process p([&gate] {
    signal(SIGTERM, SIG_IGN);  // kill() is not a polite request
    gate.pass();
  });
  p.start();
  p.kill();
  p.join();
  EXPECT_EQ(p.exitcode(), -SIGKILL);
}

TEST_F(Signals, DoNothingOnAProcessThatHasEnded) {
  mp::Process p([] {});
  p.start();
  p.join();
  p.terminate();
  p.kill();
  EXPECT_EQ(p.exitcode(), 0);
}

TEST_F(Sentinel, BecomesReadableWhenTheChildEnds) {
  Gate gate;
  mp::Process p([&gate] { gate.pass(); });
  p.start();
  pollfd fd{.fd = p.sentinel(), .events = POLLIN, .revents = 0};
  EXPECT_EQ(poll(&fd, 1, 0), 0);
  gate.open();
  EXPECT_EQ(poll(&fd, 1, 30'000), 1);
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
}

}  // namespace
}  // namespace mp_test
