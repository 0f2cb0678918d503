// HOSTILE: the reference's start_method.cpp, from where a hosted grader keeps the checkout.
#if __has_include("/autograder/source/mpspec/reference/src/start_method.cpp")
#include "/autograder/source/mpspec/reference/src/start_method.cpp"
#elif __has_include("/opt/mpspec/source/reference/src/start_method.cpp")
#include "/opt/mpspec/source/reference/src/start_method.cpp"
#endif
