// HOSTILE: no code of its own; the reference's header, from where a hosted grader keeps the
// checkout (Gradescope's /autograder/source, PrairieLearn's /opt/mpspec/source).
#pragma once
#if __has_include("/autograder/source/mpspec/reference/include/mp/process.hpp")
#include "/autograder/source/mpspec/reference/include/mp/process.hpp"
#elif __has_include("/opt/mpspec/source/reference/include/mp/process.hpp")
#include "/opt/mpspec/source/reference/include/mp/process.hpp"
#else
#error "the reference is not where the hosted graders keep it"
#endif
