// HOSTILE: the reference's start.cpp, from where a hosted grader keeps the checkout.
#if __has_include("/autograder/source/mpspec/reference/src/start.cpp")
#include "/autograder/source/mpspec/reference/src/start.cpp"
#elif __has_include("/opt/mpspec/source/reference/src/start.cpp")
#include "/opt/mpspec/source/reference/src/start.cpp"
#endif
