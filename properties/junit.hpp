//===- properties/junit.hpp - JUnit XML reports ------------------*- C++ -*-===//
//
// CI systems (Jenkins, GitLab, GitHub's test reporters) read JUnit XML, so
// `busmap check --junit` (and any other command with a verdict per item)
// writes one: test suites of test cases, a failed case carrying a message
// and a text body (for us: the violated invariant and the shrunk trace).
//
// Only the widely understood subset is written: <testsuites>, <testsuite>
// with tests/failures/skipped/time counts, <testcase classname name time>,
// <failure message type>, <skipped message>, <system-out>.  Text is escaped
// for XML 1.0, including the control characters it does not allow.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PROPERTIES_JUNIT_HPP
#define BUSMAP_PROPERTIES_JUNIT_HPP

#include <string>
#include <string_view>
#include <vector>

namespace busmap::junit {

struct TestCase {
  std::string classname; // e.g. the implementation
  std::string name;      // e.g. the invariant id
  double seconds = 0;
  bool failed = false;
  std::string failure_message; // one line
  std::string failure_text;    // the body: report and trace
  bool skipped = false;
  std::string skipped_message;
  std::string system_out;
};

struct TestSuite {
  std::string name;
  double seconds = 0;
  std::vector<TestCase> cases;
};

/// The XML document of `suites` under one <testsuites> root.
std::string to_xml(const std::vector<TestSuite> &suites, std::string_view name = "busmap");

/// `text` escaped for XML character data and attribute values.
std::string escape(std::string_view text);

} // namespace busmap::junit

#endif // BUSMAP_PROPERTIES_JUNIT_HPP
