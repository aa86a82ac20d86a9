// The JUnit XML writer of properties/junit.hpp.
#include "properties/junit.hpp"

#include <fmt/format.h>

namespace busmap::junit {

namespace {

/// U+FFFE and U+FFFF: valid UTF-8, but not characters XML 1.0 allows.
bool xml_noncharacter(std::string_view rest) {
  return rest.size() >= 3 && rest.substr(0, 2) == "\xEF\xBF" &&
         (rest[2] == '\xBE' || rest[2] == '\xBF');
}

} // namespace

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    const unsigned char u = static_cast<unsigned char>(ch);
    switch (ch) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&apos;"; break;
    default:
      // XML 1.0 allows no control characters but tab, newline and return,
      // and not U+FFFE or U+FFFF (text is valid UTF-8 by the time it is
      // here: platform/driver_text.hpp).
      if (u < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') {
        out += '?';
      } else if (xml_noncharacter(text.substr(i))) {
        out += '?';
        i += 2;
      } else {
        out += ch;
      }
    }
  }
  return out;
}

namespace {

std::string case_xml(const TestCase &c) {
  std::string s = fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\"",
                              escape(c.classname), escape(c.name), c.seconds);
  if (!c.failed && !c.skipped && c.system_out.empty())
    return s + "/>\n";
  s += ">\n";
  if (c.failed)
    s += fmt::format("      <failure message=\"{}\" type=\"invariant\">{}</failure>\n",
                     escape(c.failure_message), escape(c.failure_text));
  if (c.skipped)
    s += fmt::format("      <skipped message=\"{}\"/>\n", escape(c.skipped_message));
  if (!c.system_out.empty())
    s += fmt::format("      <system-out>{}</system-out>\n", escape(c.system_out));
  return s + "    </testcase>\n";
}

} // namespace

std::string to_xml(const std::vector<TestSuite> &suites, std::string_view name) {
  std::size_t tests = 0, failures = 0, skipped = 0;
  double seconds = 0;
  for (const auto &suite : suites) {
    seconds += suite.seconds;
    for (const auto &c : suite.cases)
      ++tests, failures += c.failed, skipped += c.skipped;
  }
  std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += fmt::format("<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" "
                   "skipped=\"{}\" time=\"{:.3f}\">\n",
                   escape(name), tests, failures, skipped, seconds);
  for (const auto &suite : suites) {
    std::size_t f = 0, k = 0;
    for (const auto &c : suite.cases)
      f += c.failed, k += c.skipped;
    s += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" "
                     "skipped=\"{}\" time=\"{:.3f}\">\n",
                     escape(suite.name), suite.cases.size(), f, k, suite.seconds);
    for (const auto &c : suite.cases)
      s += case_xml(c);
    s += "  </testsuite>\n";
  }
  return s + "</testsuites>\n";
}

} // namespace busmap::junit
