# One ctest case of a fuzz target (fuzz/CMakeLists.txt):
#   cmake -DMODE=fuzz|corpus -DTARGET=EXE -DSEEDS=DIR -DWORK=DIR -P run_fuzz.cmake
# MODE=fuzz runs libFuzzer for $BUSMAP_FUZZ_SECONDS (default 60) seconds,
# growing WORK/corpus from the seeds; MODE=corpus runs every seed and every
# input of WORK/corpus once.  A crash is kept as WORK/crash-* (a slow input
# as timeout-*, a memory hog as oom-*) and fails the case.
cmake_minimum_required(VERSION 3.25)
set(seconds 60)
if(DEFINED ENV{BUSMAP_FUZZ_SECONDS})
  set(seconds $ENV{BUSMAP_FUZZ_SECONDS})
endif()
if(NOT seconds MATCHES "^[0-9]+$")
  message(FATAL_ERROR "BUSMAP_FUZZ_SECONDS must be a whole number of seconds, not '${seconds}'")
endif()
file(MAKE_DIRECTORY ${WORK}/corpus)
# Limits per input: 120 s and 2 GiB.  A device tree at the importers' cap of
# 2^20 LMBs takes about 4 s of CPU under ASan (both machine kinds), and up to
# 40 s of wall time on a 2-core machine shared with builds; a hang or a
# quadratic blow-up still shows.
set(limits -timeout=120 -rss_limit_mb=2048 -artifact_prefix=${WORK}/ -print_final_stats=1)
if(MODE STREQUAL "corpus")
  set(run ${TARGET} -runs=0 ${limits} ${WORK}/corpus ${SEEDS})
else()
  set(run ${TARGET} -max_total_time=${seconds} ${limits} ${WORK}/corpus ${SEEDS})
endif()
message(STATUS "running: ${run}")
execute_process(COMMAND ${run} RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${TARGET} exited with ${status}: see the report above and ${WORK}/")
endif()
