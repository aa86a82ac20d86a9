//===- properties/ktap.cpp - KTAP version 1 output -------------------------===//
//
// to_ktap() of properties/ktap.hpp: a version line and a plan at each
// nesting level, results numbered from 1, diagnostics as "# " lines.
//
//===----------------------------------------------------------------------===//
#include "properties/ktap.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

namespace busmap::ktap {
namespace {

/// A description: one line, no '#' (which would open a directive).
std::string description(std::string text) {
  std::replace(text.begin(), text.end(), '#', '_');
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

/// Each line of `text` as a diagnostic line at `indent`.
void diagnostics(std::string &out, const std::string &indent, const std::string &text) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    out += line.empty() ? indent + "#\n" : indent + "# " + line + "\n";
}

void result(std::string &out, const std::string &indent, bool ok, std::size_t number,
            const std::string &name, const std::string &skip_reason) {
  out += fmt::format("{}{} {} {}", indent, ok ? "ok" : "not ok", number, description(name));
  if (!skip_reason.empty())
    out += " # SKIP " + description(skip_reason);
  out += "\n";
}

bool all_skipped(const junit::TestSuite &suite) {
  return !suite.cases.empty() && std::all_of(suite.cases.begin(), suite.cases.end(),
                                             [](const junit::TestCase &c) { return c.skipped; });
}

void subtest(std::string &out, const junit::TestSuite &suite) {
  const std::string in = "    ";
  out += in + "KTAP version 1\n";
  out += in + "# Subtest: " + description(suite.name) + "\n";
  out += fmt::format("{}1..{}\n", in, suite.cases.size());
  std::size_t n = 0;
  for (const auto &c : suite.cases) {
    if (c.failed) {
      diagnostics(out, in, c.failure_message);
      diagnostics(out, in, c.failure_text);
    } else if (!c.system_out.empty()) {
      diagnostics(out, in, c.system_out);
    }
    result(out, in, !c.failed, ++n, c.name, c.skipped ? c.skipped_message : "");
  }
}

} // namespace

std::string to_ktap(const std::vector<junit::TestSuite> &suites,
                    const std::vector<std::string> &header) {
  std::string out = "KTAP version 1\n";
  for (const auto &h : header)
    diagnostics(out, "", h);
  out += fmt::format("1..{}\n", suites.size());
  std::size_t n = 0;
  for (const auto &suite : suites) {
    subtest(out, suite);
    const bool ok = std::none_of(suite.cases.begin(), suite.cases.end(),
                                 [](const junit::TestCase &c) { return c.failed; });
    result(out, "", ok, ++n, suite.name,
           all_skipped(suite) ? suite.cases.front().skipped_message : "");
  }
  return out;
}

} // namespace busmap::ktap
