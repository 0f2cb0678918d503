// Names, current_process() and parent_process(): API.md rows "names" and "main".
#include <unistd.h>

#include <mp/process.hpp>
#include <string>

#include "support.hpp"

namespace mp_test {
namespace {

class Names : public NoLeftovers {};
class CurrentProcess : public NoLeftovers {};

int number_in(const std::string& default_name) {
  return std::stoi(default_name.substr(default_name.rfind('-') + 1));
}

TEST_F(Names, DefaultNamesCountEveryProcessConstructed) {
  // The seed's multiprocessing_names: two named processes, then worker_2 is Process-(n+3).
  const int n = number_in(mp::Process().name());
  const mp::Process service({.name = "my_service"}, [] {});
  const mp::Process worker_1({.name = "worker 1"}, [] {});
  const mp::Process worker_2([] {});
  EXPECT_EQ(service.name(), "my_service");
  EXPECT_EQ(worker_1.name(), "worker 1");
  EXPECT_EQ(worker_2.name(), "Process-" + std::to_string(n + 3));
}

TEST_F(Names, ChildrenOfAChildArePrefixedWithItsPosition) {
  Pipe pipe;
  const int n = number_in(mp::Process().name()) + 1;  // the next object is Process-n
  mp::Process child({.name = "svc"}, [w = pipe.write_fd()] {
    mp::Process first([] {});
    mp::Process second([] {});
    write_text(w, first.name() + " " + second.name());
  });
  child.start();
  child.join();
  EXPECT_EQ(pipe.read_all(),
            "Process-" + std::to_string(n) + ":1 Process-" + std::to_string(n) + ":2");
}

TEST_F(Names, SetNameIsWhatTheChildSees) {
  Pipe pipe;
  mp::Process p([w = pipe.write_fd()] { write_text(w, mp::current_process().name()); });
  p.set_name("renamed");
  p.start();
  p.join();
  EXPECT_EQ(pipe.read_all(), "renamed");
  EXPECT_EQ(p.name(), "renamed");
}

TEST_F(CurrentProcess, IsMainProcessInTheMainProgram) {
  EXPECT_EQ(mp::current_process().name(), "MainProcess");
  EXPECT_EQ(mp::current_process().pid(), getpid());
  EXPECT_TRUE(mp::current_process().is_alive());
  EXPECT_FALSE(mp::current_process().daemon());
  EXPECT_FALSE(mp::parent_process().has_value());
}

TEST_F(CurrentProcess, IsTheChildsOwnProcessInsideAChild) {
  Pipe pipe;
  mp::Process p({.name = "worker"}, [w = pipe.write_fd()] {
    const mp::Process me = mp::current_process();
    write_text(w, me.name() + " " + bit(*me.pid() == getpid()) + " " + bit(me.is_alive()));
  });
  p.start();
  p.join();
  EXPECT_EQ(pipe.read_all(), "worker 1 1");
}

TEST_F(CurrentProcess, ParentProcessInAChildIsTheCreator) {
  Pipe pipe;
  mp::Process p([w = pipe.write_fd()] {
    const auto parent = mp::parent_process();
    write_text(w, parent ? parent->name() + " " + std::to_string(*parent->pid()) + " " +
                               bit(parent->is_alive())
                         : "none");
  });
  p.start();
  p.join();
  EXPECT_EQ(pipe.read_all(), "MainProcess " + std::to_string(getpid()) + " 1");
}

TEST_F(CurrentProcess, ClosingParentProcessInAChildOnlyMarksItClosed) {
  // CPython's close() reaps only a child it started; on _ParentProcess it returns normally.
  Pipe pipe;
  mp::Process p([w = pipe.write_fd()] {
    mp::Process parent = *mp::parent_process();
    std::string seen;
    try {
      parent.close();
      parent.close();  // a second close works too
      seen = parent.repr() + " " + parent.name() + " " + std::to_string(*parent.pid()) + " " +
             bit(mp::parent_process()->is_alive());
    } catch (const std::exception& e) {
      seen = e.what();
    }
    write_text(w, seen);
  });
  p.start();
  p.join();
  EXPECT_EQ(pipe.read_all(), "<_ParentProcess name='MainProcess' parent=None closed> MainProcess " +
                                 std::to_string(getpid()) + " 1");
  EXPECT_EQ(p.exitcode(), 0);
}

}  // namespace
}  // namespace mp_test
