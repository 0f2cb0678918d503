// HOSTILE: the reference's module.cpp, from where a hosted grader keeps the checkout.
#if __has_include("/autograder/source/mpspec/reference/src/module.cpp")
#include "/autograder/source/mpspec/reference/src/module.cpp"
#elif __has_include("/opt/mpspec/source/reference/src/module.cpp")
#include "/opt/mpspec/source/reference/src/module.cpp"
#endif
