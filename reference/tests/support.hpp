// Test support: a fixture that fails any test leaving a process behind, and small helpers
// to observe children (pipes, fd counts, a forked "main program").
#ifndef MP_REFERENCE_TESTS_SUPPORT_HPP_
#define MP_REFERENCE_TESTS_SUPPORT_HPP_

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace mp_test {

using Clock = std::chrono::steady_clock;
using std::chrono_literals::operator""ms;
using std::chrono_literals::operator""s;

// Every test derives its suite from this: TearDown fails the test if a child (or an orphaned
// descendant, which the subreaper main() brings back to us) is still there, and kills it.
class NoLeftovers : public ::testing::Test {
 protected:
  void TearDown() override;
};

// Pids of this process's children, from /proc.
std::vector<pid_t> children_of_this_process();

// Entries in /proc/self/fd.
int open_fd_count();

// A pipe whose read end stays here; the child writes to `write_fd()`.
class Pipe {
 public:
  Pipe();
  ~Pipe();
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  [[nodiscard]] int write_fd() const { return fds_[1]; }
  [[nodiscard]] int read_fd() const { return fds_[0]; }
  // A one-byte handshake: the child says "ready", the test waits for it (no sleeping).
  void say_ready() const;
  void wait_ready() const;
  void close_write();
  // Closes our write end and reads until every writer has closed it.
  std::string read_all();

 private:
  int fds_[2];
};

// A child that blocks until the test opens the gate: deterministic "still running" without
// sleeping. Construct before starting the child; the child calls pass(), the test open().
class Gate {
 public:
  // In the child: drop our copy of the write end, then block until the test opens the gate.
  void pass() const;
  // In the test: release every child waiting in pass().
  void open();

 private:
  Pipe pipe_;
};

// Writes `text` to fd (in a child: reports a value to the test).
void write_text(int fd, const std::string& text);

// Runs `body` in a raw-forked process that then returns from "main" with std::exit(0), so
// the library's at-exit rules run there as they would at the end of a program. stdout and
// stderr of that process (and of its children) are captured. Returns the wait status.
struct MainRun {
  int status;
  std::string out;
};
MainRun run_as_main(const std::function<void()>& body);

// "1" or "0": how a child reports a bool through a pipe.
inline std::string bit(bool value) { return value ? "1" : "0"; }

// Seconds since `start`.
double seconds_since(Clock::time_point start);

}  // namespace mp_test

// Expects `statement` to throw mp::ProcessError whose what() is exactly `message`.
#define EXPECT_PROCESS_ERROR(statement, message) \
  EXPECT_THAT([&] { statement; },                \
              ::testing::ThrowsMessage<mp::ProcessError>(::testing::StrEq(message)))

#endif  // MP_REFERENCE_TESTS_SUPPORT_HPP_
