//===- tests/check/driver_text_test.cpp - text that is not UTF-8 ---------===//
//
// Issue 15, finding 4: a driver's name, log lines or stderr in Latin-1 once
// made the harness's own JSON throw (a bogus "the harness threw" crash),
// left no --json file and wrote JUnit that was not valid XML.  Here the
// example driver, wrapped with Latin-1 text (wrapped_example.c), goes
// through `busmap check --json --junit` and `busmap replay`: the verdict is
// the honest one, both files parse, and the shrunk trace replays.
//
//===----------------------------------------------------------------------===//
#include "platform/driver_text.hpp"
#include "properties/trace_format.hpp"
#include "tests/check/cli_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace busmap {
namespace {

namespace fs = std::filesystem;
using testing::run_capture;
using testing::scratch;
using testing::slurp;

const std::string EscapedName = "pilote-\\xE9t\\xE9";

bool valid_utf8(const std::string &text) { return utf8_escaped(text) == text; }

/// The JUnit file is well-formed XML: parsed by Python's xml.etree where
/// Python is there, and always free of the bytes XML 1.0 forbids.
void expect_well_formed_xml(const fs::path &file) {
  const std::string xml = slurp(file);
  ASSERT_FALSE(xml.empty()) << file;
  EXPECT_TRUE(valid_utf8(xml)) << xml;
  for (char c : xml) {
    const auto u = static_cast<unsigned char>(c);
    EXPECT_FALSE(u < 0x20 && c != '\t' && c != '\n' && c != '\r') << "control byte " << int(u);
  }
#ifdef BUSMAP_PYTHON
  const std::string cmd = std::string(BUSMAP_PYTHON) +
                          " -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' " +
                          file.string();
  EXPECT_EQ(std::system(cmd.c_str()), 0) << xml;
#endif
}

struct Checked {
  int code;
  std::string output;
  nlohmann::json report; // the first outcome of --json
};

Checked check_plugin(const char *plugin, const fs::path &d) {
  const auto [code, out] =
      run_capture(std::string("check --plugin ") + plugin + " --traces 10 --json " +
                  (d / "r.json").string() + " --junit " + (d / "r.xml").string() + " --out " +
                  (d / "out").string());
  Checked c{code, out, {}};
  const std::string json = slurp(d / "r.json");
  if (!json.empty())
    c.report = nlohmann::json::parse(json).at(0);
  return c;
}

TEST(DriverTextCli, ALatin1NameAndLogPassWithValidReports) {
  const fs::path d = scratch("text_latin1");
  const Checked c = check_plugin(TEST_PLUGIN_LATIN1, d);
  ASSERT_EQ(c.code, 0) << c.output;
  EXPECT_EQ(c.report.at("impl"), EscapedName);
  EXPECT_EQ(c.report.at("verdict"), "pass");
  EXPECT_TRUE(valid_utf8(c.output)) << c.output;
  expect_well_formed_xml(d / "r.xml");
  EXPECT_NE(slurp(d / "r.xml").find(EscapedName), std::string::npos);
}

// A failure found before issue 15 too (footprint), whose report carries the
// Latin-1 name and log line: once "the harness threw: type_error.316".
TEST(DriverTextCli, AFailureWithLatin1TextIsReportedAndReplays) {
  const fs::path d = scratch("text_latin1_fail");
  const Checked c = check_plugin(TEST_PLUGIN_LATIN1_HOG, d);
  ASSERT_EQ(c.code, 1) << c.output;
  EXPECT_EQ(c.report.at("invariant"), "footprint") << c.output;
  EXPECT_EQ(c.report.at("impl"), EscapedName);
  EXPECT_EQ(c.output.find("the harness threw"), std::string::npos) << c.output;
  EXPECT_TRUE(valid_utf8(c.output)) << c.output;
  EXPECT_NE(c.output.find("m\\xE9moire \\xE0 jour \\xC3"), std::string::npos) << c.output;
  expect_well_formed_xml(d / "r.xml");
  const std::string trace = c.report.at("trace_file");
  EXPECT_TRUE(valid_utf8(slurp(trace)));
  const auto [code, out] =
      run_capture(std::string("replay --expect --plugin ") + TEST_PLUGIN_LATIN1_HOG + " " + trace);
  EXPECT_EQ(code, 0) << out;
}

// Latin-1 bytes and a control byte on stderr, then abort: a crash whose
// report quotes the stderr tail escaped.
TEST(DriverTextCli, ACrashWithLatin1StderrIsAnHonestCrash) {
  const fs::path d = scratch("text_latin1_abort");
  const Checked c = check_plugin(TEST_PLUGIN_LATIN1_ABORT, d);
  ASSERT_EQ(c.code, 1) << c.output;
  EXPECT_EQ(c.report.at("invariant"), "crash") << c.output;
  EXPECT_EQ(c.output.find("the harness threw"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("pilote: \\xE9\\xE9 erreur fatale"), std::string::npos) << c.output;
  EXPECT_TRUE(valid_utf8(c.output)) << c.output;
  expect_well_formed_xml(d / "r.xml");
  const std::string trace = c.report.at("trace_file");
  EXPECT_TRUE(valid_utf8(slurp(trace)));
  const auto [code, out] =
      run_capture(std::string("replay --expect --plugin ") + TEST_PLUGIN_LATIN1_ABORT + " " + trace);
  EXPECT_EQ(code, 0) << out;
  EXPECT_TRUE(valid_utf8(out)) << out;
}

} // namespace
} // namespace busmap
