// HOSTILE: the reference's exit_rules.cpp, from where a hosted grader keeps the checkout.
#if __has_include("/autograder/source/mpspec/reference/src/exit_rules.cpp")
#include "/autograder/source/mpspec/reference/src/exit_rules.cpp"
#elif __has_include("/opt/mpspec/source/reference/src/exit_rules.cpp")
#include "/opt/mpspec/source/reference/src/exit_rules.cpp"
#endif
