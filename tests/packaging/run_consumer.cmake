# Installs the build tree into a scratch prefix, then configures, builds
# and runs the consumer project against it: the packaging test.  Called by
# ctest with -DBUILD_DIR= -DSOURCE_DIR= -DWORK_DIR= -DGENERATOR=
# -DBUILD_TYPE= -DSANITIZE=.
set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})

function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "${what}: ok")
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

step("install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(file bin/busmap include/busmap/driver.h include/busmap_oracle/properties/oracle.hpp
             lib/cmake/busmap_oracle/busmap_oracleConfig.cmake)
  if(NOT EXISTS ${prefix}/${file})
    message(FATAL_ERROR "the install has no ${file}")
  endif()
endforeach()
step("installed busmap help" ${prefix}/bin/busmap help invariants)
if(NOT step_output MATCHES "device-view")
  message(FATAL_ERROR "`busmap help invariants` does not list device-view:\n${step_output}")
endif()

set(sanitize_flags "")
if(SANITIZE)
  set(sanitize_flags -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined)
endif()
step("configure the consumer" ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build
     -G ${GENERATOR} -DCMAKE_BUILD_TYPE=${BUILD_TYPE} -DCMAKE_PREFIX_PATH=${prefix}
     ${sanitize_flags})
step("build the consumer" ${CMAKE_COMMAND} --build ${WORK_DIR}/build)
step("run the consumer's test" ${WORK_DIR}/build/consumer_test)
message(STATUS "${step_output}")
