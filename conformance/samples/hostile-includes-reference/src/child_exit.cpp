// HOSTILE: the reference's child_exit.cpp, from where a hosted grader keeps the checkout.
#if __has_include("/autograder/source/mpspec/reference/src/child_exit.cpp")
#include "/autograder/source/mpspec/reference/src/child_exit.cpp"
#elif __has_include("/opt/mpspec/source/reference/src/child_exit.cpp")
#include "/opt/mpspec/source/reference/src/child_exit.cpp"
#endif
