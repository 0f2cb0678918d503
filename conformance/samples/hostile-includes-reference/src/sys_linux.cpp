// HOSTILE: the reference's sys_linux.cpp, from where a hosted grader keeps the checkout.
#if __has_include("/autograder/source/mpspec/reference/src/sys_linux.cpp")
#include "/autograder/source/mpspec/reference/src/sys_linux.cpp"
#elif __has_include("/opt/mpspec/source/reference/src/sys_linux.cpp")
#include "/opt/mpspec/source/reference/src/sys_linux.cpp"
#endif
