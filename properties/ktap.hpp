//===- properties/ktap.hpp - KTAP version 1 output ----------------*- C++ -*-===//
//
// The kernel's test output format (Documentation/dev-tools/ktap.rst), so
// kselftest-style runners and kernel CI read busmap results as they read a
// KUnit suite's.  It writes the same suites and cases the JUnit report has
// (properties/junit.hpp), so the two formats cannot disagree:
//
//   KTAP version 1
//   # <header diagnostics>
//   1..<suites>
//       KTAP version 1
//       # Subtest: <suite>
//       1..<cases>
//       # <a failed case's report, one diagnostic line each>
//       not ok 1 <case>
//       ok 2 <case>
//   not ok 1 <suite>
//
// A subtest is indented four spaces; a skipped case or suite carries the
// "# SKIP <reason>" directive.  '#' never appears in a description (it would
// start a directive): it is written as '_'.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PROPERTIES_KTAP_HPP
#define BUSMAP_PROPERTIES_KTAP_HPP

#include "properties/junit.hpp"

#include <string>
#include <vector>

namespace busmap::ktap {

/// The KTAP document of `suites`, one top-level test per suite; `header`
/// lines become diagnostics before the plan.  A suite whose cases are all
/// skipped is itself a skipped test.
std::string to_ktap(const std::vector<junit::TestSuite> &suites,
                    const std::vector<std::string> &header = {});

} // namespace busmap::ktap

#endif // BUSMAP_PROPERTIES_KTAP_HPP
