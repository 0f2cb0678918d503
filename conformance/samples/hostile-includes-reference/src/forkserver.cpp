// HOSTILE: the reference's forkserver.cpp, from where a hosted grader keeps the checkout.
#if __has_include("/autograder/source/mpspec/reference/src/forkserver.cpp")
#include "/autograder/source/mpspec/reference/src/forkserver.cpp"
#elif __has_include("/opt/mpspec/source/reference/src/forkserver.cpp")
#include "/opt/mpspec/source/reference/src/forkserver.cpp"
#endif
