# One helper per kind of target, so every test, example and benchmark is declared alike:
#   mp_strict_warnings(<target>)
#   mp_gtest(<name> SOURCES ... LIBS ... [LABELS ...] [TIMEOUT s])
#   mp_example(<name> SOURCES ... LIBS ...)
include_guard(GLOBAL)

function(mp_strict_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion)
  if(MP_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# A GoogleTest binary; each TEST becomes its own CTest test (its own process), with a
# timeout and labels, since hangs are how process code fails.
function(mp_gtest name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "TIMEOUT" "SOURCES;LIBS;LABELS")
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 60)
  endif()
  find_package(GTest REQUIRED)
  include(GoogleTest)
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE ${arg_LIBS} GTest::gtest)
  mp_strict_warnings(${name})
  gtest_discover_tests(${name}
    TEST_PREFIX "${name}/"
    DISCOVERY_TIMEOUT 30
    PROPERTIES LABELS "${arg_LABELS}" TIMEOUT ${arg_TIMEOUT})
endfunction()

function(mp_example name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;LIBS")
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE ${arg_LIBS})
  mp_strict_warnings(${name})
endfunction()
