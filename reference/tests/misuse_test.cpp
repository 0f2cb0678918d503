// Every misuse throws mp::ProcessError with CPython's message, in CPython's order
// (API.md row "misuse").
#include <mp/process.hpp>
#include <string>
#include <system_error>

#include "support.hpp"

namespace mp_test {
namespace {

class Misuse : public NoLeftovers {};

// Runs `attempt` in a child and returns the ProcessError message it threw there.
template <class F>
std::string message_in_child(F attempt) {
  Pipe pipe;
  mp::Process p([attempt, w = pipe.write_fd()]() mutable {
    try {
      attempt();
      write_text(w, "no error");
    } catch (const mp::ProcessError& e) {
      write_text(w, e.what());
    }
  });
  p.start();
  p.join();
  return pipe.read_all();
}

TEST_F(Misuse, StartingTwice) {
  mp::Process p([] {});
  p.start();
  EXPECT_PROCESS_ERROR(p.start(), "cannot start a process twice");
  p.join();
  EXPECT_PROCESS_ERROR(p.start(), "cannot start a process twice");
}

TEST_F(Misuse, StartingFromAnotherProcessThanTheCreator) {
  mp::Process p([] {});
  EXPECT_EQ(message_in_child([p]() mutable { p.start(); }),
            "can only start a process object created by current process");
}

TEST_F(Misuse, StartingInsideADaemon) {
  Pipe pipe;
  mp::Process d({.daemon = true}, [w = pipe.write_fd()] {
    try {
      mp::Process([] {}).start();
    } catch (const mp::ProcessError& e) {
      write_text(w, e.what());
    }
  });
  d.start();
  d.join();
  EXPECT_EQ(pipe.read_all(), "daemonic processes are not allowed to have children");
}

TEST_F(Misuse, JoiningItself) {
  EXPECT_PROCESS_ERROR(mp::current_process().join(), "can only join a child process");
  EXPECT_EQ(message_in_child([] { mp::current_process().join(); }),
            "can only join a child process");
}

TEST_F(Misuse, JoiningAnotherProcesssChildIsCheckedBeforeNotStarted) {
  mp::Process unstarted([] {});
  EXPECT_EQ(message_in_child([unstarted]() mutable { unstarted.join(); }),
            "can only join a child process");
}

TEST_F(Misuse, JoiningBeforeStart) {
  mp::Process p([] {});
  EXPECT_PROCESS_ERROR(p.join(), "can only join a started process");
  EXPECT_PROCESS_ERROR(p.join(1s), "can only join a started process");
}

TEST_F(Misuse, TestingAnotherProcesssChild) {
  mp::Process p([] {});
  EXPECT_EQ(message_in_child([p] { (void)p.is_alive(); }), "can only test a child process");
}

TEST_F(Misuse, SettingDaemonAfterStart) {
  mp::Process p([] {});
  p.start();
  EXPECT_PROCESS_ERROR(p.set_daemon(true), "process has already started");
  p.join();
}

TEST_F(Misuse, SentinelBeforeStart) {
  const mp::Process p([] {});
  EXPECT_PROCESS_ERROR((void)p.sentinel(), "process not started");
}

TEST_F(Misuse, SignallingBeforeStart) {
  mp::Process p([] {});
  EXPECT_THROW(p.terminate(), mp::ProcessError);
  EXPECT_THROW(p.kill(), mp::ProcessError);
}

TEST_F(Misuse, ClosingWhileRunning) {
  Gate gate;
  mp::Process p([&gate] { gate.pass(); });
  p.start();
  EXPECT_PROCESS_ERROR(p.close(),
                       "Cannot close a process while it is still running. You should first call "
                       "join() or terminate().");
  gate.open();
  p.join();
}

TEST_F(Misuse, UsingAClosedProcess) {
  mp::Process p({.name = "w"}, [] {});
  p.start();
  p.join();
  p.close();
  const char* closed = "process object is closed";
  EXPECT_PROCESS_ERROR(p.start(), closed);
  EXPECT_PROCESS_ERROR(p.join(), closed);
  EXPECT_PROCESS_ERROR((void)p.is_alive(), closed);
  EXPECT_PROCESS_ERROR(p.terminate(), closed);
  EXPECT_PROCESS_ERROR(p.kill(), closed);
  EXPECT_PROCESS_ERROR((void)p.exitcode(), closed);
  EXPECT_PROCESS_ERROR((void)p.pid(), closed);
  EXPECT_PROCESS_ERROR((void)p.sentinel(), closed);
  // These keep working.
  EXPECT_EQ(p.name(), "w");
  EXPECT_FALSE(p.daemon());
  EXPECT_THAT(p.repr(), ::testing::EndsWith(" closed>"));
  p.close();
}

TEST_F(Misuse, IsALogicErrorSoCallersCanTellItFromOsFailures) {
  mp::Process p([] {});
  EXPECT_THROW(p.join(), std::logic_error);
}

}  // namespace
}  // namespace mp_test
