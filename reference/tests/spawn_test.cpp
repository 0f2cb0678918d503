// The start methods of API.md ("Start methods"): set_start_method's rules, and spawn, whose
// child is a new run of this test binary (test_main.cpp calls mp::freeze_support() first).
// Each test sets its method inside run_as_main, so the test process itself keeps fork; it
// first makes the method unset, as in a new program (the whole binary may run in one process,
// whose earlier tests fixed it: set_start_method(nullopt, force) is CPython's reset).
#include <unistd.h>

#include <array>
#include <csignal>
#include <functional>
#include <map>
#include <mp/process.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support.hpp"

namespace mp_test {
namespace {

using ::testing::HasSubstr;

class StartMethod : public NoLeftovers {};
// spawn and forkserver: both run a child that is not a copy of the main program.
class NewRun : public NoLeftovers, public ::testing::WithParamInterface<mp::StartMethod> {};

struct Point {  // a user type that says how it is written, by cereal's convention
  int x = 0;
  std::string label;
  template <class Archive>
  void serialize(Archive& archive) {
    archive(x, label);
  }
};

struct Opaque {  // a type that does not
  int x = 0;
};

int g_touched = 0;  // set by the parent before start(): a copy has it, a new run does not

void print_args(int n, const std::string& text, const std::vector<int>& numbers,
                const std::map<std::string, int>& table, const Point& point) {
  std::cout << n << " " << text << " " << numbers.size() << ":" << numbers.back() << " "
            << table.at("b") << " " << point.x << point.label << std::endl;
}

void print_globals() { std::cout << "g_touched=" << g_touched << std::endl; }

void print_identity() {
  std::cout << mp::current_process().name() << " daemon=" << mp::current_process().daemon()
            << " parent=" << mp::parent_process()->name()
            << " parent_pid=" << mp::parent_process()->pid().value_or(0) << std::endl;
  mp::Process grandchild(+[] { std::cout << mp::current_process().name() << std::endl; });
  grandchild.start();
  grandchild.join();
  std::cout << "method " << static_cast<int>(mp::get_start_method()) << std::endl;
}

// Calls `f`, printing what the ProcessError it throws says.
void print_refusal(const std::function<void()>& f) {
  try {
    f();
  } catch (const mp::ProcessError& e) {
    std::cout << e.what() << std::endl;
  }
}

std::string exit_status_line(mp::Process& p) {
  p.start();
  p.join();
  return std::to_string(*p.exitcode());
}

TEST_F(StartMethod, IsForkUntilSetAndASecondSetIsRefused) {
  const MainRun run = run_as_main([] {
    mp::set_start_method(std::nullopt, true);
    std::cout << (mp::get_start_method() == mp::StartMethod::fork) << std::endl;
    print_refusal([] { mp::set_start_method(mp::StartMethod::spawn); });
  });
  EXPECT_EQ(run.out, "1\ncontext has already been set\n");
}

TEST_F(StartMethod, SetOnceThenFixed) {
  const MainRun run = run_as_main([] {
    mp::set_start_method(std::nullopt, true);
    mp::set_start_method(mp::StartMethod::spawn);
    std::cout << (mp::get_start_method() == mp::StartMethod::spawn) << std::endl;
    print_refusal([] { mp::set_start_method(mp::StartMethod::fork); });
  });
  EXPECT_EQ(run.out, "1\ncontext has already been set\n");
}

TEST_F(StartMethod, AStartFixesIt) {
  const MainRun run = run_as_main([] {
    mp::set_start_method(std::nullopt, true);
    mp::Process p;
    p.start();
    p.join();
    print_refusal([] { mp::set_start_method(mp::StartMethod::spawn); });
  });
  EXPECT_EQ(run.out, "context has already been set\n");
}

TEST_F(StartMethod, ForceSetsItAllTheSameAndNulloptUnsetsIt) {
  const MainRun run = run_as_main([] {
    mp::set_start_method(std::nullopt, true);
    mp::set_start_method(mp::StartMethod::spawn);
    mp::set_start_method(mp::StartMethod::fork, true);
    std::cout << (mp::get_start_method() == mp::StartMethod::fork) << std::endl;
    mp::set_start_method(std::nullopt, true);
    mp::set_start_method(mp::StartMethod::spawn);  // unset again: no error
    std::cout << (mp::get_start_method() == mp::StartMethod::spawn) << std::endl;
  });
  EXPECT_EQ(run.out, "1\n1\n");
}

TEST_F(StartMethod, AllListsForkFirstAndSpawn) {
  const auto all = mp::get_all_start_methods();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.front(), mp::StartMethod::fork);
  EXPECT_THAT(all, ::testing::Contains(mp::StartMethod::spawn));
}

TEST_P(NewRun, RunsTheTargetWithArgsWrittenAndReadBack) {
  const MainRun run = run_as_main([method = GetParam()] {
    mp::set_start_method(std::nullopt, true);
    mp::set_start_method(method);
    mp::Process p(print_args, 3, std::string("three"), std::vector<int>{1, 2, 7},
                  std::map<std::string, int>{{"a", 1}, {"b", 2}}, Point{4, "four"});
    p.start();
    p.join();
  });
  EXPECT_EQ(run.out, "3 three 3:7 2 4four\n");
}

TEST_P(NewRun, TheChildIsANewRunWithFreshGlobalsWhereForkCopies) {
  const auto globals_seen = [](mp::StartMethod method) {
    return run_as_main([method] {
             mp::set_start_method(std::nullopt, true);
             if (method != mp::StartMethod::fork) mp::set_start_method(method);
             g_touched = 42;
             mp::Process p(print_globals);
             p.start();
             p.join();
           })
        .out;
  };
  EXPECT_EQ(globals_seen(mp::StartMethod::fork), "g_touched=42\n");
  EXPECT_EQ(globals_seen(GetParam()), "g_touched=0\n");
}

TEST_P(NewRun, NamesDaemonParentAndMethodAsUnderFork) {
  const MainRun run = run_as_main([method = GetParam()] {
    mp::set_start_method(std::nullopt, true);
    mp::set_start_method(method);
    mp::Process p(print_identity);
    // The number counts every Process this program made (in one process with earlier tests,
    // more than one): the child must carry on with the parent's.
    std::cout << p.name() << " " << getpid() << std::endl;
    p.start();
    p.join();
  });
  const std::string first = run.out.substr(0, run.out.find('\n'));
  const std::string name = first.substr(0, first.find(' '));
  const std::string main_pid = first.substr(first.find(' ') + 1);
  EXPECT_THAT(name, ::testing::StartsWith("Process-"));
  EXPECT_EQ(run.out, first + "\n" + name + " daemon=0 parent=MainProcess parent_pid=" + main_pid +
                         "\n" + name + ":1\nmethod " +
                         std::to_string(static_cast<int>(GetParam())) + "\n");
}

TEST_P(NewRun, ExitCodesFollowTheTable) {
  const MainRun run = run_as_main([method = GetParam()] {
    mp::set_start_method(std::nullopt, true);
    mp::set_start_method(method);
    mp::Process returns(+[] {});
    mp::Process exits(+[] { mp::exit(7); });
    mp::Process raises(
        {.name = "raises"}, +[] { throw std::runtime_error("boom"); });
    mp::Process killed(+[] { ::raise(SIGKILL); });
    std::cout << exit_status_line(returns) << " " << exit_status_line(exits) << " "
              << exit_status_line(killed) << std::endl;
    std::cout << exit_status_line(raises) << std::endl;
  });
  EXPECT_THAT(run.out, HasSubstr("0 7 -9\n"));
  EXPECT_THAT(run.out, HasSubstr("Process raises:\nstd::runtime_error: boom\n"));
  EXPECT_THAT(run.out, HasSubstr("\n1\n"));
}

TEST_P(NewRun, TerminateAndJoinReachTheNewRun) {
  const MainRun run = run_as_main([method = GetParam()] {
    mp::set_start_method(std::nullopt, true);
    mp::set_start_method(method);
    mp::Process p(+[] {
      for (;;) pause();
    });
    p.start();
    p.join(mp::Seconds(0.05));
    std::cout << p.is_alive() << std::endl;
    p.terminate();
    p.join();
    std::cout << *p.exitcode() << std::endl;
  });
  EXPECT_EQ(run.out, "1\n-15\n");
}

TEST_P(NewRun, ADaemonStillRunningIsTerminatedAtExit) {
  const MainRun run = run_as_main([method = GetParam()] {
    mp::set_start_method(std::nullopt, true);
    mp::set_start_method(method);
    mp::Process p(
        {.daemon = true}, +[] {
          for (;;) pause();
        });
    p.start();
  });
  EXPECT_TRUE(WIFEXITED(run.status));
}

TEST_P(NewRun, RefusesALambdaWithCapturesBeforeAnythingStarts) {
  const MainRun run = run_as_main([method = GetParam()] {
    mp::set_start_method(std::nullopt, true);
    mp::set_start_method(method);
    const std::string n = "3";
    mp::Process p([n] { std::cout << n; });
    try {
      p.start();
    } catch (const mp::ProcessError& e) {
      std::cout << e.what() << "\n"
                << (p.repr().find(" initial>") != std::string::npos) << " "
                << mp::active_children().size() << std::endl;
    }
  });
  EXPECT_THAT(run.out, HasSubstr("the target cannot be found again in a new process"));
  EXPECT_THAT(run.out, ::testing::EndsWith("\n1 0\n"));  // still initial; no child
}

TEST_P(NewRun, RefusesAnArgumentThatCannotBeWrittenEveryTime) {
  const MainRun run = run_as_main([method = GetParam()] {
    mp::set_start_method(std::nullopt, true);
    mp::set_start_method(method);
    mp::Process p(
        +[](Opaque) {}, Opaque{1});
    for (int attempt = 0; attempt < 2; ++attempt) {
      try {
        p.start();
      } catch (const mp::ProcessError& e) {
        std::cout << e.what() << " " << mp::active_children().size() << std::endl;
      }
    }
  });
  const std::string line =
      "an argument cannot be sent to a new process: its type has no cereal serialize() "
      "(numbers, strings, standard containers and types with serialize() can) 0\n";
  EXPECT_EQ(run.out, line + line);
}

TEST_F(StartMethod, ForkTakesTargetsAndArgsThatCannotMakeATrip) {
  const MainRun run = run_as_main([] {
    mp::set_start_method(std::nullopt, true);
    const std::string n = "3";
    mp::Process p([n] { std::cout << n << std::endl; });
    p.start();
    p.join();
    mp::Process q(
        +[](Opaque o) { std::cout << o.x << std::endl; }, Opaque{4});
    q.start();
    q.join();
  });
  EXPECT_EQ(run.out, "3\n4\n");
}

TEST_P(NewRun, WithoutFreezeSupportTheChildsStartThrowsTheBootstrappingError) {
  // A program whose main() does not call freeze_support(): its new run (the child, or the
  // forkserver) runs main() from the top, and its start() must refuse (no_guard.cpp prints
  // what happened).
  const std::string method = GetParam() == mp::StartMethod::spawn ? "spawn" : "forkserver";
  std::string out;
  {
    FILE* pipe = popen((std::string(MP_TEST_NO_GUARD_PROGRAM " ") + method + " 2>&1").c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::array<char, 4096> buffer{};
    while (const std::size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) {
      out.append(buffer.data(), n);
    }
    pclose(pipe);
  }
  EXPECT_THAT(out, HasSubstr("new run: An attempt has been made to start a new process before "
                             "the current process has finished its bootstrapping phase."));
  // Under spawn the child leaves with main()'s 3; under forkserver the server went away
  // before it forked anything, and the parent's start() says so.
  EXPECT_THAT(out, HasSubstr(method == "spawn" ? "parent: exitcode 3"
                                               : "parent: start failed: forkserver connection"));
}

void print_parent_pid() { std::cout << getppid() << std::endl; }

TEST_F(StartMethod, ForkserverChildrenAreForkedByOneServerNotByTheMainProgram) {
  const MainRun run = run_as_main([] {
    mp::set_start_method(std::nullopt, true);
    mp::set_start_method(mp::StartMethod::forkserver);
    std::cout << getpid() << std::endl;
    for (int i = 0; i < 2; ++i) {
      mp::Process p(print_parent_pid);
      p.start();
      p.join();
    }
  });
  std::istringstream lines(run.out);
  pid_t main_pid = 0;
  pid_t first = 0;
  pid_t second = 0;
  lines >> main_pid >> first >> second;
  EXPECT_NE(first, main_pid);
  EXPECT_EQ(first, second);
}

INSTANTIATE_TEST_SUITE_P(Methods, NewRun,
                         ::testing::Values(mp::StartMethod::spawn, mp::StartMethod::forkserver),
                         [](const auto& param_info) {
                           return param_info.param == mp::StartMethod::spawn ? "spawn"
                                                                             : "forkserver";
                         });

}  // namespace
}  // namespace mp_test
