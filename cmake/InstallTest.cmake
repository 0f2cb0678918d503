# cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -P InstallTest.cmake
# Installs the build into a scratch prefix, builds reference/install-test against it with
# find_package(mp), and runs the result: the exported mp::reference target must work.
file(REMOVE_RECURSE "${WORK_DIR}")
function(step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()
step(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${WORK_DIR}/prefix")
step(${CMAKE_COMMAND} -S "${SOURCE_DIR}/reference/install-test" -B "${WORK_DIR}/build"
     -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
step(${CMAKE_COMMAND} --build "${WORK_DIR}/build")
step("${WORK_DIR}/build/consumer")
if(NOT step_output STREQUAL "Worker: 3\n")
  message(FATAL_ERROR "consumer printed '${step_output}', expected 'Worker: 3'")
endif()
message(STATUS "installed package works: consumer printed Worker: 3")
