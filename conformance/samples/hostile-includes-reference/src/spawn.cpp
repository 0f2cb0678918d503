// HOSTILE: the reference's spawn.cpp, from where a hosted grader keeps the checkout.
#if __has_include("/autograder/source/mpspec/reference/src/spawn.cpp")
#include "/autograder/source/mpspec/reference/src/spawn.cpp"
#elif __has_include("/opt/mpspec/source/reference/src/spawn.cpp")
#include "/opt/mpspec/source/reference/src/spawn.cpp"
#endif
