// main() for the unit tests: the test process is a subreaper, so a descendant orphaned by a
// test is re-parented to it and NoLeftovers sees it.
#include <gtest/gtest.h>
#include <sys/prctl.h>

int main(int argc, char** argv) {
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
