# mp_add_implementation(<target> <dir> [STRICT])
#
# Builds a directory laid out as shared/API.md says (include/mp/process.hpp, src/*.cpp) into
# a static library target. The reference is built with it, and so is every student's
# submission, so both are compiled the same way. STRICT turns on the project's warnings
# (and -Werror when MP_WERROR is ON); leave it off for code we do not own.
include_guard(GLOBAL)
find_package(Threads REQUIRED)

function(mp_add_implementation target dir)
  cmake_parse_arguments(PARSE_ARGV 2 arg "STRICT" "" "")
  get_filename_component(dir "${dir}" ABSOLUTE)
  if(NOT EXISTS "${dir}/include/mp/process.hpp")
    message(FATAL_ERROR "${dir} is not an implementation: include/mp/process.hpp is missing")
  endif()
  file(GLOB sources CONFIGURE_DEPENDS "${dir}/src/*.cpp")
  if(NOT sources)
    message(FATAL_ERROR "${dir} is not an implementation: src/*.cpp is empty")
  endif()
  add_library(${target} STATIC ${sources})
  target_include_directories(${target}
    PUBLIC $<BUILD_INTERFACE:${dir}/include> $<INSTALL_INTERFACE:include>
    PRIVATE "${dir}/src")
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_link_libraries(${target} PUBLIC Threads::Threads)
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  if(arg_STRICT)
    mp_strict_warnings(${target})
  endif()
endfunction()
