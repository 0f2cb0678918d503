// HOSTILE: the reference's registry.cpp, from where a hosted grader keeps the checkout.
#if __has_include("/autograder/source/mpspec/reference/src/registry.cpp")
#include "/autograder/source/mpspec/reference/src/registry.cpp"
#elif __has_include("/opt/mpspec/source/reference/src/registry.cpp")
#include "/opt/mpspec/source/reference/src/registry.cpp"
#endif
