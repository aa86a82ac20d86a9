# Installation: the `busmap` program, the public headers, the static
# libraries of the oracle and a CMake package, so that a driver project
# writes
#
#   find_package(busmap_oracle REQUIRED)
#   target_link_libraries(my_driver_tests PRIVATE busmap_oracle::oracle)
#
# and gets the Oracle, the trace format, the built-in drivers and their
# dependencies (RapidCheck stays static: Debian's is not PIC).
# docs/PACKAGING.md says how to use the package.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(BUSMAP_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/busmap_oracle)
set(BUSMAP_INSTALL_API_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR}/busmap_oracle)

# The one target a driver project links: the oracle and everything under it.
add_library(busmap_oracle INTERFACE)
target_link_libraries(busmap_oracle INTERFACE busmap_properties)

set(busmap_exported_targets
  busmap_oracle busmap_abi busmap_platform busmap_driver_heap busmap_model busmap_impl
  busmap_trace_format busmap_properties)
list(APPEND busmap_exported_targets busmap_layouts busmap_report)

# Every library folder names the source tree as its include directory for
# the build tree only; installed, its headers live under include/busmap_oracle.
foreach(target IN LISTS busmap_exported_targets)
  if(NOT target STREQUAL busmap_abi AND NOT target STREQUAL busmap_oracle)
    target_include_directories(${target} PUBLIC
      $<INSTALL_INTERFACE:${BUSMAP_INSTALL_API_INCLUDEDIR}>)
  endif()
  string(REPLACE "busmap_" "" short ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${short})
endforeach()

# The program is exported too (busmap_oracle::busmap): busmap_add_trace_tests()
# runs it.
install(TARGETS busmap EXPORT busmap_oracleTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS ${busmap_exported_targets} EXPORT busmap_oracleTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT busmap_oracleTargets NAMESPACE busmap_oracle::
  DESTINATION ${BUSMAP_INSTALL_CMAKEDIR})

# Headers: the C ABI and layout arithmetic under include/busmap/, the C++
# API (which includes "platform/...", "properties/..." paths) under
# include/busmap_oracle/.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/busmap
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")
foreach(dir platform model impl properties layouts report)
  if(IS_DIRECTORY ${PROJECT_SOURCE_DIR}/${dir})
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/
      DESTINATION ${BUSMAP_INSTALL_API_INCLUDEDIR}/${dir} FILES_MATCHING PATTERN "*.hpp")
  endif()
endforeach()

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/busmap_oracleConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/busmap_oracleConfig.cmake
  INSTALL_DESTINATION ${BUSMAP_INSTALL_CMAKEDIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/busmap_oracleConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/busmap_oracleConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/busmap_oracleConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/BusmapTraceTests.cmake
  DESTINATION ${BUSMAP_INSTALL_CMAKEDIR})
