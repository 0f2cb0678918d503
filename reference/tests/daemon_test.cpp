// Daemons and the at-exit rules: API.md rows "daemon", "at exit of the main program" and
// "child exit".
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <mp/process.hpp>
#include <stdexcept>
#include <string>
#include <thread>

#include "support.hpp"

namespace mp_test {
namespace {

class Daemon : public NoLeftovers {};
class AtExit : public NoLeftovers {};

bool pid_exists(pid_t pid) { return ::kill(pid, 0) == 0; }

int count(const std::string& text, const std::string& word) {
  int n = 0;
  for (auto i = text.find(word); i != std::string::npos; i = text.find(word, i + 1)) ++n;
  return n;
}

TEST_F(Daemon, DefaultsToFalseAndOptionsSetIt) {
  EXPECT_FALSE(mp::Process([] {}).daemon());
  EXPECT_TRUE(mp::Process({.daemon = true}, [] {}).daemon());
  mp::Process p([] {});
  p.set_daemon(true);
  EXPECT_TRUE(p.daemon());
}

TEST_F(Daemon, IsInheritedFromTheCreatingProcess) {
  Pipe pipe;
  mp::Process d({.daemon = true}, [w = pipe.write_fd()] {
    write_text(w, bit(mp::current_process().daemon()) + bit(mp::Process([] {}).daemon()) +
                      bit(mp::Process({.daemon = false}, [] {}).daemon()));
  });
  d.start();
  d.join();
  EXPECT_EQ(pipe.read_all(), "110");
}

TEST_F(AtExit, TheMainProgramTerminatesItsDaemonAndDoesNotWaitForIt) {
  const auto start = Clock::now();
  const MainRun run = run_as_main([] {
    const Pipe ready;
    mp::Process d({.daemon = true}, [&ready] {
      std::printf("Starting: %d\n", getpid());
      std::fflush(stdout);
      ready.say_ready();
      std::this_thread::sleep_for(std::chrono::seconds(30));
      std::printf("Exiting\n");
    });
    d.start();
    ready.wait_ready();  // then return from "main" while the daemon sleeps
  });
  EXPECT_LT(seconds_since(start), 20.0);  // far less than the daemon's 30 s
  ASSERT_TRUE(WIFEXITED(run.status));
  EXPECT_EQ(WEXITSTATUS(run.status), 0);
  EXPECT_EQ(count(run.out, "Exiting"), 0) << run.out;
  const auto at = run.out.find("Starting: ");
  ASSERT_NE(at, std::string::npos) << run.out;
  EXPECT_FALSE(pid_exists(std::stoi(run.out.substr(at + 10))));
}

TEST_F(AtExit, TheMainProgramWaitsForANonDaemonWithoutJoin) {
  const MainRun run = run_as_main([] {
    mp::Process n([] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      std::printf("Worker done\n");
    });
    n.start();
  });
  EXPECT_EQ(count(run.out, "Worker done"), 1) << run.out;
}

TEST_F(AtExit, AChildHandlesItsOwnChildrenBeforeItExits) {
  for (const bool raise : {false, true}) {
    Pipe pipe;
    const Pipe ready;
    mp::Process child([raise, &ready, w = pipe.write_fd()] {
      mp::Process grandchild([w] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        write_text(w, "grandchild done;");
      });
      mp::Process daemon({.daemon = true}, [w, &ready] {
        write_text(w, "daemon " + std::to_string(getpid()) + ";");
        ready.say_ready();
        std::this_thread::sleep_for(std::chrono::seconds(30));
        write_text(w, "daemon done;");
      });
      grandchild.start();
      daemon.start();
      ready.wait_ready();
      if (raise) throw std::runtime_error("boom");
    });
    child.start();
    child.join();
    const std::string seen = pipe.read_all();
    EXPECT_EQ(child.exitcode(), raise ? 1 : 0);
    EXPECT_EQ(count(seen, "grandchild done;"), 1) << seen;
    EXPECT_EQ(count(seen, "daemon done;"), 0) << seen;
    const auto at = seen.find("daemon ");
    ASSERT_NE(at, std::string::npos) << seen;
    EXPECT_FALSE(pid_exists(std::stoi(seen.substr(at + 7))));
  }
}

TEST_F(AtExit, DoesNotWaitForeverForAChildReapedBehindTheLibrarysBack) {
  const auto start = Clock::now();
  const MainRun run = run_as_main([] {
    mp::Process p([] {});
    p.start();
    waitpid(-1, nullptr, 0);  // the user reaps it: its exit code is lost, as in CPython
  });
  EXPECT_LT(seconds_since(start), 20.0);
  ASSERT_TRUE(WIFEXITED(run.status)) << run.out;
  EXPECT_EQ(WEXITSTATUS(run.status), 0);
}

TEST_F(AtExit, StartFlushesStdoutSoBufferedOutputIsNotDuplicated) {
  const MainRun run = run_as_main([] {
    std::printf("buffered;");  // stdout is a pipe: fully buffered, not yet written
    std::cout << "streamed;";
    mp::Process p([] {});
    p.start();
    p.join();
  });
  EXPECT_EQ(count(run.out, "buffered;"), 1) << run.out;
  EXPECT_EQ(count(run.out, "streamed;"), 1) << run.out;
}

TEST_F(AtExit, FlushingAlsoCoversIostreamsNotSyncedWithStdio) {
  const MainRun run = run_as_main([] {
    std::ios_base::sync_with_stdio(false);  // cout now buffers apart from stdout
    std::cout << "parent;";
    mp::Process p([] { std::cout << "child;"; });
    p.start();
    p.join();
  });
  EXPECT_EQ(run.out, "parent;child;");
}

TEST_F(AtExit, AChildRunsNoneOfTheParentsAtexitHandlers) {
  const MainRun run = run_as_main([] {
    std::atexit([] { std::printf("atexit handler ran\n"); });
    mp::Process p([] {});
    p.start();
    p.join();
  });
  EXPECT_EQ(count(run.out, "atexit handler ran"), 1) << run.out;
}

TEST_F(AtExit, AChildFlushesItsOutputBeforeExiting) {
  const MainRun run = run_as_main([] {
    mp::Process p([] {
      std::printf("no newline, no flush");
      std::cout << " and a stream";
    });
    p.start();
    p.join();
  });
  EXPECT_EQ(run.out, "no newline, no flush and a stream");
}

}  // namespace
}  // namespace mp_test
