# busmap_add_trace_tests(): every .trace file below a folder as its own
# ctest case, replayed by `busmap replay`.  One implementation for this
# repository's corpus (tests/traces/) and for a driver project using the
# installed package (docs/PACKAGING.md), where a regression kept with
# `busmap keep` says `expect pass`: red while the bug is in, green once
# it is fixed.
#
#   busmap_add_trace_tests(DIR <dir>
#     [PLUGIN <target-or-file> | IMPL <built-in name>]
#     [PROFILE <profile>...]  [LABELS <label>...]  [PREFIX <name>]
#     [HEADER <line>...]  [MUST_HOLD]  [ARGS <replay argument>...])
#
# DIR          the folder, searched recursively (new files are picked up at
#              the next configure, by CONFIGURE_DEPENDS)
# PLUGIN       a driver shared object: a CMake target (its file, built
#              first) or a path; IMPL a built-in driver; neither: each
#              trace's own `impl` line
# PROFILE      replay on these machine profiles (one case per trace and
#              profile) instead of each trace's own
# LABELS       ctest labels of the cases (default: traces)
# PREFIX       the cases' names are PREFIX/<path below DIR without .trace>
#              (with PROFILE: PREFIX/<profile>/<path>); default busmap-trace
# HEADER       only traces whose header has every one of these lines
#              (e.g. "expect pass")
# MUST_HOLD    a case passes when the trace holds, whatever its `expect`
#              line says (default: when the verdict is the expected one)
# ARGS         more arguments for `busmap replay` (e.g. --case-timeout MS)
#
# The program is the package's busmap_oracle::busmap, or in this
# repository the busmap target.
function(busmap_add_trace_tests)
  cmake_parse_arguments(PARSE_ARGV 0 arg "MUST_HOLD" "DIR;PLUGIN;IMPL;PREFIX"
                        "PROFILE;LABELS;HEADER;ARGS")
  if(NOT arg_DIR)
    message(FATAL_ERROR "busmap_add_trace_tests: DIR is required")
  endif()
  if(arg_PLUGIN AND arg_IMPL)
    message(FATAL_ERROR "busmap_add_trace_tests: PLUGIN and IMPL exclude each other")
  endif()
  if(TARGET busmap_oracle::busmap)
    set(busmap $<TARGET_FILE:busmap_oracle::busmap>)
  elseif(TARGET busmap)
    set(busmap $<TARGET_FILE:busmap>)
  else()
    message(FATAL_ERROR "busmap_add_trace_tests: no busmap program (find_package(busmap_oracle))")
  endif()
  get_filename_component(dir ${arg_DIR} ABSOLUTE)
  if(NOT arg_PREFIX)
    set(arg_PREFIX busmap-trace)
  endif()
  if(NOT arg_LABELS)
    set(arg_LABELS traces)
  endif()
  set(driver "")
  if(arg_PLUGIN AND TARGET ${arg_PLUGIN})
    set(driver --plugin $<TARGET_FILE:${arg_PLUGIN}>)
  elseif(arg_PLUGIN)
    get_filename_component(plugin ${arg_PLUGIN} ABSOLUTE)
    set(driver --plugin ${plugin})
  elseif(arg_IMPL)
    set(driver --impl ${arg_IMPL})
  endif()
  set(verdict --expect)
  if(arg_MUST_HOLD)
    set(verdict "")
  endif()
  set(profiles ${arg_PROFILE})
  if(NOT profiles)
    set(profiles -) # the trace's own profile
  endif()

  file(GLOB_RECURSE traces CONFIGURE_DEPENDS ${dir}/*.trace)
  list(SORT traces)
  foreach(trace IN LISTS traces)
    if(arg_HEADER)
      file(STRINGS ${trace} header REGEX "^[a-z]+ ")
      set(wanted TRUE)
      foreach(line IN LISTS arg_HEADER)
        if(NOT line IN_LIST header)
          set(wanted FALSE)
        endif()
      endforeach()
      if(NOT wanted)
        continue()
      endif()
    endif()
    file(RELATIVE_PATH name ${dir} ${trace})
    string(REGEX REPLACE "\\.trace$" "" name ${name})
    foreach(profile IN LISTS profiles)
      set(test ${arg_PREFIX}/${name})
      set(machine "")
      if(NOT profile STREQUAL "-")
        set(test ${arg_PREFIX}/${profile}/${name})
        set(machine --profile ${profile})
      endif()
      add_test(NAME ${test}
        COMMAND ${busmap} replay ${trace} ${verdict} ${driver} ${machine} ${arg_ARGS})
      set_tests_properties(${test} PROPERTIES LABELS "${arg_LABELS}")
    endforeach()
  endforeach()
endfunction()
