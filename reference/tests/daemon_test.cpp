// Daemons and the at-exit rules: API.md rows "daemon", "at exit of the main program" and
// "child exit".
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <mp/process.hpp>
#include <stdexcept>
#include <string>

#include "support.hpp"

namespace mp_test {
namespace {

class Daemon : public NoLeftovers {};
class AtExit : public NoLeftovers {};

bool pid_exists(pid_t pid) { return ::kill(pid, 0) == 0; }

// A gate that opens when the process that made it has exited: nothing closes its write end
// before the exit does (unlike Gate, whose destructor would open it as a scope ends).
class ExitGate {
 public:
  ExitGate() {
    if (pipe2(fds_, O_CLOEXEC) != 0) std::abort();
  }
  // In a child: blocks until every other holder of the write end (the maker) has exited.
  void pass() const {
    close(fds_[1]);
    char c = 0;
    while (read(fds_[0], &c, 1) > 0) {
    }
  }

 private:
  int fds_[2] = {-1, -1};
};

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
  const MainRun run = run_as_main([] {
    const Pipe ready;
    // If the main program left without terminating the daemon, the gate would open as it
    // exits and the daemon would print "Exiting". If it waited for the daemon without
    // terminating it, both would wait forever (the CTest timeout).
    const ExitGate gate;
    mp::Process d({.daemon = true}, [&ready, &gate] {
      std::printf("Starting: %d\n", getpid());
      std::fflush(stdout);
      ready.say_ready();
      gate.pass();
      std::printf("Exiting\n");
    });
    d.start();
    ready.wait_ready();  // then return from "main" while the daemon waits
  });
  ASSERT_TRUE(WIFEXITED(run.status));
  EXPECT_EQ(WEXITSTATUS(run.status), 0);
  EXPECT_EQ(count(run.out, "Exiting"), 0) << run.out;
  const auto at = run.out.find("Starting: ");
  ASSERT_NE(at, std::string::npos) << run.out;
  EXPECT_FALSE(pid_exists(std::stoi(run.out.substr(at + 10))));
}

// True if `pid` was left to us: an orphan comes to this process (a subreaper) when its
// parent exits without reaping it. Reaps it then.
bool was_left_to_us(pid_t pid) { return waitpid(pid, nullptr, 0) == pid; }

TEST_F(AtExit, TheMainProgramWaitsForANonDaemonWithoutJoin) {
  const MainRun run = run_as_main([] {
    // The worker ends only once a daemon sibling has ended, which the at-exit rules bring
    // about (after a pass that reaps what has already ended): so the worker still runs when
    // the rules begin, and only their join can reap it.
    Gate daemon_gone;
    mp::Process worker([&daemon_gone] {
      daemon_gone.pass();
      std::printf("Worker %d done\n", getpid());
    });
    worker.start();
    const ExitGate main_gone;  // made after the worker: the daemon alone waits on it
    mp::Process daemon({.daemon = true}, [&main_gone] { main_gone.pass(); });
    daemon.start();
    daemon_gone.open();  // our copy: now only the daemon holds it open
  });
  // The output alone cannot tell: reading it waits for the worker too (it shares the pipe).
  // Who reaped the worker does: the main program's at-exit rules, which means it waited.
  const auto at = run.out.find("Worker ");
  ASSERT_NE(at, std::string::npos) << run.out;
  EXPECT_EQ(count(run.out, "done"), 1) << run.out;
  EXPECT_FALSE(was_left_to_us(std::stoi(run.out.substr(at + 7))))
      << "the main program exited without waiting for its worker";
}

TEST_F(AtExit, AChildHandlesItsOwnChildrenBeforeItExits) {
  for (const bool raise : {false, true}) {
    Pipe pipe;
    const Pipe ready;
    mp::Process child([raise, &ready, w = pipe.write_fd()] {
      // As above: the grandchild ends only once the daemon has, so only a join reaps it.
      Gate daemon_gone;
      mp::Process grandchild([w, &daemon_gone] {
        daemon_gone.pass();
        write_text(w, "grandchild " + std::to_string(getpid()) + ";");
      });
      grandchild.start();
      const ExitGate child_gone;  // opens if this child exits leaving its daemon running
      mp::Process daemon({.daemon = true}, [w, &ready, &child_gone] {
        write_text(w, "daemon " + std::to_string(getpid()) + ";");
        ready.say_ready();
        child_gone.pass();
        write_text(w, "daemon done;");
      });
      daemon.start();
      daemon_gone.open();
      ready.wait_ready();
      if (raise) throw std::runtime_error("boom");
    });
    child.start();
    child.join();
    const std::string seen = pipe.read_all();
    EXPECT_EQ(child.exitcode(), raise ? 1 : 0);
    EXPECT_EQ(count(seen, "daemon done;"), 0) << seen;
    const auto at = seen.find("daemon ");
    ASSERT_NE(at, std::string::npos) << seen;
    EXPECT_FALSE(pid_exists(std::stoi(seen.substr(at + 7))));
    const auto grandchild_at = seen.find("grandchild ");
    ASSERT_NE(grandchild_at, std::string::npos) << seen;
    EXPECT_FALSE(was_left_to_us(std::stoi(seen.substr(grandchild_at + 11))))
        << "the child exited without waiting for its own child";
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
