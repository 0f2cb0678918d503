// HOSTILE: the reference's lifecycle.cpp, from where a hosted grader keeps the checkout.
#if __has_include("/autograder/source/mpspec/reference/src/lifecycle.cpp")
#include "/autograder/source/mpspec/reference/src/lifecycle.cpp"
#elif __has_include("/opt/mpspec/source/reference/src/lifecycle.cpp")
#include "/opt/mpspec/source/reference/src/lifecycle.cpp"
#endif
