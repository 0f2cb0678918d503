// main() for the unit tests: the test process is a subreaper, so a descendant orphaned by a
// test is re-parented to it and NoLeftovers sees it. A child started by spawn is a new run of
// this binary: freeze_support() runs its target there and exits.
#include <gtest/gtest.h>
#include <sys/prctl.h>

#include <mp/process.hpp>

int main(int argc, char** argv) {
  mp::freeze_support();
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
