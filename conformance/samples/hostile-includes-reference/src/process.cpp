// HOSTILE: the reference's process.cpp, from where a hosted grader keeps the checkout.
#if __has_include("/autograder/source/mpspec/reference/src/process.cpp")
#include "/autograder/source/mpspec/reference/src/process.cpp"
#elif __has_include("/opt/mpspec/source/reference/src/process.cpp")
#include "/opt/mpspec/source/reference/src/process.cpp"
#endif
