// HOSTILE: the reference's locate.cpp, from where a hosted grader keeps the checkout.
#if __has_include("/autograder/source/mpspec/reference/src/locate.cpp")
#include "/autograder/source/mpspec/reference/src/locate.cpp"
#elif __has_include("/opt/mpspec/source/reference/src/locate.cpp")
#include "/opt/mpspec/source/reference/src/locate.cpp"
#endif
