// Resources: no zombie and no fd left behind, fds a child does not inherit, OS failures
// (API.md rows "OS failure" and "handles").
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <mp/process.hpp>
#include <string>
#include <system_error>
#include <vector>

#include "support.hpp"

namespace mp_test {
namespace {

class Resources : public NoLeftovers {};

TEST_F(Resources, FiveHundredChildrenLeaveNoZombieAndNoFd) {
  const int fds_before = open_fd_count();
  {
    std::vector<mp::Process> children;
    for (int i = 0; i < 500; ++i) {
      children.emplace_back([] {});
      children.back().start();
    }
    for (auto& child : children) {
      child.join();
      EXPECT_EQ(child.exitcode(), 0);
    }
  }
  EXPECT_TRUE(children_of_this_process().empty());  // a zombie is still our child
  EXPECT_EQ(open_fd_count(), fds_before);
}

TEST_F(Resources, AChildDoesNotInheritItsSiblingsPidfds) {
  Gate gate;
  std::vector<mp::Process> siblings;
  std::vector<int> sentinels;
  for (int i = 0; i < 5; ++i) {
    siblings.emplace_back([&gate] { gate.pass(); });
    siblings.back().start();
    sentinels.push_back(siblings.back().sentinel());
  }
  Pipe pipe;
  mp::Process p([&sentinels, w = pipe.write_fd()] {
    std::string open;  // sibling sentinels still open here: there should be none
    for (const int fd : sentinels) {
      if (fcntl(fd, F_GETFD) != -1) open += std::to_string(fd) + " ";
    }
    write_text(w, open.empty() ? "none" : open);
  });
  p.start();
  p.join();
  EXPECT_EQ(pipe.read_all(), "none");
  gate.open();
  for (auto& s : siblings) s.join();
}

TEST_F(Resources, TheSentinelIsCloseOnExec) {
  mp::Process p([] {});
  p.start();
  EXPECT_TRUE(fcntl(p.sentinel(), F_GETFD) & FD_CLOEXEC);
  p.join();
}

TEST_F(Resources, AFailedStartThrowsSystemErrorAndLeavesTheObjectInitial) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "the sanitizer runtimes need fds of their own, so fd exhaustion breaks them";
#endif
  // With no fd to spare, the pidfd (or the fallback pipe) cannot be opened.
  rlimit saved{};
  getrlimit(RLIMIT_NOFILE, &saved);
  mp::Process p({.name = "w"}, [] {});
  rlimit tight = saved;
  const int lowest_free = dup(0);  // new fds take the lowest free number: make it too high
  close(lowest_free);
  tight.rlim_cur = static_cast<rlim_t>(lowest_free);
  setrlimit(RLIMIT_NOFILE, &tight);
  EXPECT_THROW(p.start(), std::system_error);
  setrlimit(RLIMIT_NOFILE, &saved);
  EXPECT_THAT(p.repr(), ::testing::EndsWith(" initial>"));
  EXPECT_FALSE(p.pid().has_value());
  p.start();  // and it can be started again
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
}

}  // namespace
}  // namespace mp_test
