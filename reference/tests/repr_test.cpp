// repr() in every state, exactly as CPython prints it (API.md row "repr").
#include <unistd.h>

#include <csignal>
#include <mp/process.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "support.hpp"

namespace mp_test {
namespace {

class Repr : public NoLeftovers {};

std::string me() { return std::to_string(getpid()); }

std::string stopped_repr(const std::string& name, int code) {
  mp::Process p({.name = name}, [code] { raise(-code); });
  p.start();
  p.join();
  return p.repr();
}

TEST_F(Repr, ShowsEveryStateOfTheSeedsTerminateExample) {
  Gate gate;
  mp::Process p({.name = "w"}, [&gate] { gate.pass(); });
  EXPECT_EQ(p.repr(), "<Process name='w' parent=" + me() + " initial>");
  p.start();
  const std::string pid = std::to_string(*p.pid());
  EXPECT_EQ(p.repr(), "<Process name='w' pid=" + pid + " parent=" + me() + " started>");
  p.terminate();
  p.join();
  EXPECT_EQ(p.repr(),
            "<Process name='w' pid=" + pid + " parent=" + me() + " stopped exitcode=-SIGTERM>");
  p.close();
  EXPECT_EQ(p.repr(), "<Process name='w' parent=" + me() + " closed>");
}

TEST_F(Repr, ShowsPositiveAndZeroExitCodesAsNumbers) {
  mp::Process one({.name = "w"}, [] { mp::exit(1); });
  mp::Process zero({.name = "w"}, [] {});
  one.start();
  zero.start();
  one.join();
  zero.join();
  EXPECT_THAT(one.repr(), ::testing::EndsWith(" stopped exitcode=1>"));
  EXPECT_THAT(zero.repr(), ::testing::EndsWith(" stopped exitcode=0>"));
}

TEST_F(Repr, NamesSignalsAsCPythonsTableDoes) {
  EXPECT_THAT(stopped_repr("w", -SIGKILL), ::testing::EndsWith(" exitcode=-SIGKILL>"));
  EXPECT_THAT(stopped_repr("w", -SIGABRT), ::testing::EndsWith(" exitcode=-SIGABRT>"));
  EXPECT_THAT(stopped_repr("w", -34), ::testing::EndsWith(" exitcode=-SIGRTMIN>"));
  EXPECT_THAT(stopped_repr("w", -35), ::testing::EndsWith(" exitcode=-35>"));
  EXPECT_THAT(stopped_repr("w", -64), ::testing::EndsWith(" exitcode=-SIGRTMAX>"));
}

TEST_F(Repr, EndsWithDaemonForDaemonicProcesses) {
  mp::Process d({.name = "d", .daemon = true}, [] {});
  EXPECT_EQ(d.repr(), "<Process name='d' parent=" + me() + " initial daemon>");
  d.start();
  d.join();
  EXPECT_THAT(d.repr(), ::testing::EndsWith(" stopped exitcode=0 daemon>"));
}

TEST_F(Repr, QuotesTheNameAsPythonsReprDoes) {
  EXPECT_EQ(mp::Process({.name = "it's"}, [] {}).repr(),
            "<Process name=\"it's\" parent=" + me() + " initial>");
  EXPECT_EQ(mp::Process({.name = "a'b\"c\\"}, [] {}).repr(),
            "<Process name='a\\'b\"c\\\\' parent=" + me() + " initial>");
  EXPECT_EQ(mp::Process({.name = "tab\there\n"}, [] {}).repr(),
            "<Process name='tab\\there\\n' parent=" + me() + " initial>");
}

// Python's repr escapes what str.isprintable() refuses, by the code point's width; the
// expected strings are what CPython 3.11 prints for the same names.
TEST_F(Repr, EscapesWhatPythonCallsUnprintable) {
  const auto quoted = [](const std::string& name) {
    const std::string text = mp::Process({.name = name}, [] {}).repr();
    return text.substr(text.find("name=") + 5, text.find(" parent=") - text.find("name=") - 5);
  };
  EXPECT_EQ(quoted("a\u00a0b"), "'a\\xa0b'");                  // no-break space (Zs)
  EXPECT_EQ(quoted("a\u00adb"), "'a\\xadb'");                  // soft hyphen (Cf)
  EXPECT_EQ(quoted("a\u2028b"), "'a\\u2028b'");                // line separator (Zl)
  EXPECT_EQ(quoted("a\u0378b"), "'a\\u0378b'");                // unassigned (Cn)
  EXPECT_EQ(quoted("a\U000E0001b"), "'a\\U000e0001b'");        // language tag (Cf)
  EXPECT_EQ(quoted("a\u00a1\u3000 b"), "'a\u00a1\\u3000 b'");  // printable; ideographic space
}

TEST_F(Repr, OfTheMainProgramIsMainProcess) {
  EXPECT_EQ(mp::current_process().repr(), "<_MainProcess name='MainProcess' parent=None started>");
}

TEST_F(Repr, InsideTheChildShowsNoPidAndParentProcessIsUnknown) {
  Pipe pipe;
  mp::Process p({.name = "w"}, [w = pipe.write_fd()] {
    write_text(w, mp::current_process().repr() + "\n" + mp::parent_process()->repr());
  });
  p.start();
  p.join();
  EXPECT_EQ(pipe.read_all(), "<Process name='w' parent=" + me() + " started>\n" +
                                 "<_ParentProcess name='MainProcess' parent=None unknown>");
}

TEST_F(Repr, OfAHandleUsedInAnotherProcessIsUnknown) {
  Gate gate;
  mp::Process sibling({.name = "s"}, [&gate] { gate.pass(); });
  sibling.start();
  Pipe pipe;  // made after the sibling started, so only p holds its write end
  mp::Process p([&sibling, w = pipe.write_fd()] { write_text(w, sibling.repr()); });
  p.start();
  p.join();
  EXPECT_EQ(pipe.read_all(), "<Process name='s' pid=" + std::to_string(*sibling.pid()) +
                                 " parent=" + me() + " unknown>");
  gate.open();
  sibling.join();
}

TEST_F(Repr, IsWhatOperatorShiftPrints) {
  const mp::Process p({.name = "w"}, [] {});
  std::ostringstream out;
  out << p;
  EXPECT_EQ(out.str(), p.repr());
}

}  // namespace
}  // namespace mp_test
