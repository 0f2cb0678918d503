// The exit-code table of API.md, and mp::exit's unwinding.
#include <unistd.h>

#include <csignal>
#include <mp/process.hpp>
#include <stdexcept>
#include <string>
#include <thread>

#include "support.hpp"

namespace mp_test {
namespace {

class ExitCode : public NoLeftovers {};
class Exit : public NoLeftovers {};

template <class F>
std::optional<int> exitcode_of(F target) {
  mp::Process p(target);
  p.start();
  p.join();
  return p.exitcode();
}

// Runs `target` in a child whose stderr goes to a pipe; returns what it wrote there.
template <class F>
std::string stderr_of(mp::Process& p, F target) {
  Pipe pipe;
  p = mp::Process({.name = "raises"}, [target, w = pipe.write_fd()] {
    dup2(w, STDERR_FILENO);
    target();
  });
  p.start();
  p.join();
  return pipe.read_all();
}

TEST_F(ExitCode, IsZeroWhenTheTargetReturns) {
  EXPECT_EQ(exitcode_of([] {}), 0);
}

TEST_F(ExitCode, IsNWhenTheTargetCallsExitN) {
  EXPECT_EQ(exitcode_of([] { mp::exit(7); }), 7);
}

TEST_F(ExitCode, KeepsTheLowEightBitsOfExit) {
  EXPECT_EQ(exitcode_of([] { mp::exit(256); }), 0);
  EXPECT_EQ(exitcode_of([] { mp::exit(-1); }), 255);
}

TEST_F(ExitCode, IsOneWithTheTextOnStderrForExitText) {
  mp::Process p;
  EXPECT_EQ(stderr_of(p, [] { mp::exit("text"); }), "text\n");
  EXPECT_EQ(p.exitcode(), 1);
}

TEST_F(ExitCode, IsOneWithProcessNameAndMessageForAStdException) {
  mp::Process p;
  const std::string err = stderr_of(p, [] { throw std::runtime_error("There was an error!"); });
  EXPECT_EQ(p.exitcode(), 1);
  EXPECT_THAT(err, ::testing::StartsWith("Process raises:\n"));
  EXPECT_THAT(err, ::testing::HasSubstr("There was an error!"));
}

TEST_F(ExitCode, IsOneForAnExceptionNotDerivedFromStdException) {
  mp::Process p;
  const std::string err = stderr_of(p, [] { throw 42; });
  EXPECT_EQ(p.exitcode(), 1);
  EXPECT_THAT(err, ::testing::StartsWith("Process raises:\n"));
}

TEST_F(ExitCode, IsMinusTheSignalForAKilledChild) {
  EXPECT_EQ(exitcode_of([] { raise(SIGSEGV); }), -SIGSEGV);
  EXPECT_EQ(exitcode_of([] { raise(SIGKILL); }), -SIGKILL);
}

TEST_F(ExitCode, IsUnsetBeforeStartAndWhileRunning) {
  Gate gate;
  mp::Process p([&gate] { gate.pass(); });
  EXPECT_FALSE(p.exitcode().has_value());
  p.start();
  EXPECT_FALSE(p.exitcode().has_value());
  gate.open();
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
}

TEST_F(Exit, UnwindsTheTargetSoDestructorsRun) {
  Pipe pipe;
  mp::Process p([w = pipe.write_fd()] {
    struct Guard {
      int fd;
      ~Guard() { write_text(fd, "destructor ran"); }
    } guard{w};
    mp::exit(4);
  });
  p.start();
  p.join();
  EXPECT_EQ(pipe.read_all(), "destructor ran");
  EXPECT_EQ(p.exitcode(), 4);
}

TEST_F(Exit, IsNotSwallowedByCatchingStdException) {
  EXPECT_EQ(exitcode_of([] {
              try {
                mp::exit(5);
              } catch (const std::exception&) {
                // user code that catches "everything standard" must not eat the exit
              }
            }),
            5);
}

}  // namespace
}  // namespace mp_test
