# Installs the build tree into a scratch prefix, then configures, builds
# and runs the consumer project against it: the packaging test.  Called by
# ctest with -DBUILD_DIR= -DSOURCE_DIR= -DWORK_DIR= -DGENERATOR=
# -DBUILD_TYPE= -DSANITIZE=.
#
# Then the user's workflow with the installed tools, on a copy of the
# consumer's sources: the plugin built with its planted bug, `busmap check
# --plugin --db` finds and keeps the failure (and replays it first on the
# next run), `busmap keep` copies it into regressions/, the consumer's
# ctest (busmap_add_trace_tests) goes red; rebuilt without the bug, green.
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

# A step that must fail (exit 1 or ctest's 8): a verdict, not a broken tool.
function(step_fails what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc EQUAL 0 OR NOT rc MATCHES "^[0-9]+$" OR rc EQUAL 2)
    message(FATAL_ERROR "${what}: expected a failing verdict, got ${rc}:\n${out}\n${err}")
  endif()
  message(STATUS "${what}: fails, as it must")
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
set(src ${WORK_DIR}/src)
file(COPY ${SOURCE_DIR}/ DESTINATION ${src})
set(build ${WORK_DIR}/build)
set(busmap ${prefix}/bin/busmap)
function(build_consumer bug)
  step("configure the consumer (planted bug ${bug})" ${CMAKE_COMMAND} -S ${src} -B ${build}
       -G ${GENERATOR} -DCMAKE_BUILD_TYPE=${BUILD_TYPE} -DCMAKE_PREFIX_PATH=${prefix}
       -DVETOING_PLANTED_BUG=${bug} ${sanitize_flags})
  step("build the consumer (planted bug ${bug})" ${CMAKE_COMMAND} --build ${build})
endfunction()

build_consumer(ON)
set(plugin ${build}/libvetoing_plugin.so)
set(db ${WORK_DIR}/db)
step_fails("busmap check finds the planted bug" ${busmap} check --plugin ${plugin} --traces 50
     --db ${db} --out ${WORK_DIR}/out)
if(NOT step_output MATCHES "kept in the failure database: ${db}/vetoing/[0-9a-f]+\\.trace")
  message(FATAL_ERROR "the failure was not kept in ${db}:\n${step_output}")
endif()
step_fails("busmap check replays the kept failure first" ${busmap} check --plugin ${plugin}
     --traces 50 --db ${db} --out ${WORK_DIR}/out)
if(NOT step_output MATCHES "replayed 1 kept failure first")
  message(FATAL_ERROR "the kept failure was not replayed first:\n${step_output}")
endif()
step("busmap keep" ${busmap} keep ${WORK_DIR}/out/vetoing.trace ${src}/regressions)
build_consumer(ON) # the new regression file becomes a case
step_fails("the consumer's ctest with the bug in" ${CMAKE_COMMAND} -E chdir ${build}
     ${CMAKE_CTEST_COMMAND} --output-on-failure)
if(NOT step_output MATCHES "busmap-trace/vetoing")
  message(FATAL_ERROR "ctest ran no regression case busmap-trace/vetoing:\n${step_output}")
endif()

build_consumer(OFF)
step("the consumer's ctest with the bug fixed" ${CMAKE_COMMAND} -E chdir ${build}
     ${CMAKE_CTEST_COMMAND} --output-on-failure)
if(NOT step_output MATCHES "100% tests passed, 0 tests failed out of 1")
  message(FATAL_ERROR "expected the one regression case to pass:\n${step_output}")
endif()
# The fixed driver holds on the kept failure and on the generated traces.
step("busmap check prunes the fixed failure" ${busmap} check --plugin ${plugin} --traces 50
     --db ${db} --prune --out ${WORK_DIR}/out)
if(NOT step_output MATCHES "1 now holds \\(fixed\\), 1 removed")
  message(FATAL_ERROR "the fixed failure was not pruned:\n${step_output}")
endif()
step("run the consumer's test" ${build}/consumer_test)
message(STATUS "${step_output}")
