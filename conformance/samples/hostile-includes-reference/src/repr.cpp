// HOSTILE: the reference's repr.cpp, from where a hosted grader keeps the checkout.
#if __has_include("/autograder/source/mpspec/reference/src/repr.cpp")
#include "/autograder/source/mpspec/reference/src/repr.cpp"
#elif __has_include("/opt/mpspec/source/reference/src/repr.cpp")
#include "/opt/mpspec/source/reference/src/repr.cpp"
#endif
