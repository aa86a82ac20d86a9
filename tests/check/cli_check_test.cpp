// `busmap check` end to end: exit codes, the trace file of a failure, its
// picture and its replay, the JSON and JUnit reports, a two-shard run whose
// union is one run, and runs from an imported layout (--layout).
#include "impl/registry.hpp"
#include "properties/trace_format.hpp"

#include "tests/check/cli_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace busmap {
namespace {

namespace fs = std::filesystem;

int run(const std::string &args, const std::string &env = "") {
  const std::string cmd = env + " " + testing::busmap_command(args) + " > /dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

using testing::run_capture;
using testing::scratch;
using testing::slurp;

/// Well-formed XML in the subset we write: balanced tags, quoted attributes.
/// Answers the element names in document order.
std::vector<std::string> parse_xml(const std::string &xml) {
  std::vector<std::string> stack, seen;
  for (std::size_t i = xml.find('<'); i != std::string::npos; i = xml.find('<', i)) {
    const std::size_t end = xml.find('>', i);
    if (end == std::string::npos)
      throw std::runtime_error("unterminated tag");
    std::string tag = xml.substr(i + 1, end - i - 1);
    i = end + 1;
    if (tag.starts_with("?"))
      continue;
    if (tag.starts_with("/")) {
      if (stack.empty() || stack.back() != tag.substr(1))
        throw std::runtime_error("mismatched </" + tag.substr(1) + ">");
      stack.pop_back();
      continue;
    }
    if (std::count(tag.begin(), tag.end(), '"') % 2)
      throw std::runtime_error("unbalanced quotes in <" + tag + ">");
    const std::string name = tag.substr(0, tag.find_first_of(" /"));
    seen.push_back(name);
    if (!tag.ends_with("/"))
      stack.push_back(name);
  }
  if (!stack.empty())
    throw std::runtime_error("unclosed <" + stack.back() + ">");
  return seen;
}

const char *a_mutant() {
  for (const auto &m : builtin_mutants())
    if (m.strict == Expect::Fail)
      return m.driver->name;
  return nullptr;
}

TEST(CheckCli, DefaultRunPassesAndReports) {
  const fs::path d = scratch("cli_pass");
  ASSERT_EQ(run("check --traces 10 --json " + (d / "r.json").string() + " --junit " +
                (d / "r.xml").string() + " --out " + (d / "out").string()),
            0);
  const auto j = nlohmann::json::parse(slurp(d / "r.json"));
  ASSERT_TRUE(j.is_array());
  ASSERT_FALSE(j.empty());
  for (const auto &o : j) {
    EXPECT_EQ(o.at("verdict"), "pass");
    EXPECT_EQ(o.at("traces"), 10);
    EXPECT_GT(o.at("steps").get<int>(), 10);
    EXPECT_TRUE(o.contains("impl") && o.contains("seconds"));
  }
  const auto names = parse_xml(slurp(d / "r.xml"));
  EXPECT_EQ(std::count(names.begin(), names.end(), "failure"), 0);
  EXPECT_GT(std::count(names.begin(), names.end(), "testcase"), 10);
}

TEST(CheckCli, FailureWritesATraceThatReplays) {
  const char *mutant = a_mutant();
  ASSERT_NE(mutant, nullptr);
  const fs::path d = scratch("cli_fail");
  ASSERT_EQ(run(std::string("check --impl ") + mutant + " --json " + (d / "r.json").string() +
                " --junit " + (d / "r.xml").string() + " --out " + (d / "out").string()),
            1);
  const auto o = nlohmann::json::parse(slurp(d / "r.json")).at(0);
  EXPECT_EQ(o.at("verdict"), "fail");
  const std::string file = o.at("trace_file");
  EXPECT_EQ(fs::path(file), d / "out" / (std::string(mutant) + ".trace"));
  const TraceFile tf = read_trace_file_with_impl(file);
  EXPECT_EQ(tf.impl, mutant);
  EXPECT_EQ(tf.trace.expect_fail, o.at("invariant"));
  EXPECT_EQ(tf.trace.ops.size(), o.at("trace_steps").get<std::size_t>());
  EXPECT_TRUE(o.contains("shrinks"));
  EXPECT_EQ(run("replay " + file), 1);
  EXPECT_EQ(run("replay --expect " + file), 0);
  const auto names = parse_xml(slurp(d / "r.xml"));
  EXPECT_EQ(std::count(names.begin(), names.end(), "failure"), 1);
  // The picture lies beside the trace: well-formed SVG showing the failure.
  const fs::path svg = d / "out" / (std::string(mutant) + ".svg");
  EXPECT_EQ(fs::path(o.at("svg_file").get<std::string>()), svg);
  const std::string picture = slurp(svg);
  const auto elements = parse_xml(picture);
  ASSERT_FALSE(elements.empty());
  EXPECT_EQ(elements.front(), "svg");
  EXPECT_NE(picture.find("<g id=\"verdict\" class=\"fail\">"), std::string::npos);
  EXPECT_NE(picture.find("<g id=\"blocks\">"), std::string::npos);
}

// Shrinking length-drift-on-repeat (seed 1) meets a coverage failure on
// the way: reported beside the shrunk trace, in the text, in the JSON and
// as a trace file of its own that replays to that failure.
TEST(CheckCli, AnotherFailureSeenWhileShrinkingIsReportedAndWritten) {
  const fs::path d = scratch("cli_other");
  const auto [code, out] = run_capture("check --impl length-drift-on-repeat --json " +
                                       (d / "r.json").string() + " --out " + (d / "out").string());
  ASSERT_EQ(code, 1) << out;
  const fs::path other = d / "out" / "length-drift-on-repeat.other-1.trace";
  EXPECT_NE(out.find("another failure seen while shrinking: invariant coverage"), std::string::npos)
      << out;
  EXPECT_NE(out.find("another failure seen while shrinking, written to " + other.string()),
            std::string::npos)
      << out;
  const auto o = nlohmann::json::parse(slurp(d / "r.json")).at(0);
  ASSERT_EQ(o.at("other_failures").size(), 1u) << o.dump(2);
  const auto &j = o.at("other_failures").at(0);
  EXPECT_EQ(j.at("invariant"), "coverage");
  EXPECT_EQ(fs::path(j.at("trace_file").get<std::string>()), other);
  const TraceFile tf = read_trace_file_with_impl(other.string());
  EXPECT_EQ(tf.impl, "length-drift-on-repeat");
  EXPECT_EQ(tf.trace.expect_fail, "coverage");
  EXPECT_EQ(tf.trace.ops.size(), j.at("trace_steps").get<std::size_t>());
  EXPECT_EQ(run("replay --expect " + other.string()), 0);
}

TEST(CheckCli, BadInputIsExitTwo) {
  EXPECT_EQ(run("check --impl no-such-driver"), 2);
  EXPECT_EQ(run("check --traces 0"), 2);
  EXPECT_EQ(run("check --mode sideways"), 2);
  EXPECT_EQ(run("check --plugin /nonexistent/driver.so"), 2);
  EXPECT_EQ(run("check --traces 5", "GTEST_TOTAL_SHARDS=2 GTEST_SHARD_INDEX=5"), 2);
}

TEST(CheckCli, TwoShardsAddUpToOneRun) {
  const fs::path d = scratch("cli_shards");
  const std::string common = "check --impl simple --traces 21 --out " + (d / "out").string();
  ASSERT_EQ(run(common + " --json " + (d / "one.json").string()), 0);
  nlohmann::json shards[2];
  for (int i = 0; i < 2; ++i) {
    const std::string env = "GTEST_TOTAL_SHARDS=2 GTEST_SHARD_INDEX=" + std::to_string(i) +
                            " GTEST_SHARD_STATUS_FILE=" + (d / "status").string();
    const std::string file = (d / ("shard" + std::to_string(i) + ".json")).string();
    ASSERT_EQ(run(common + " --json " + file, env), 0);
    shards[i] = nlohmann::json::parse(slurp(file)).at(0);
  }
  EXPECT_TRUE(fs::exists(d / "status"));
  const auto one = nlohmann::json::parse(slurp(d / "one.json")).at(0);
  EXPECT_EQ(shards[0].at("traces").get<int>(), 11);
  EXPECT_EQ(shards[1].at("traces").get<int>(), 10);
  EXPECT_EQ(shards[0].at("steps").get<int>() + shards[1].at("steps").get<int>(),
            one.at("steps").get<int>());
  // Every count of the statistics table adds up.
  for (const char *table : {"ops", "paths", "layouts"})
    for (const auto &[key, n] : one.at("stats").at(table).items()) {
      const auto part = [&](int i) {
        const auto &t = shards[i].at("stats").at(table);
        return t.contains(key) ? t.at(key).get<int>() : 0;
      };
      EXPECT_EQ(part(0) + part(1), n.get<int>()) << table << ": " << key;
    }
}

TEST(CheckCli, ADriverCrashingWhileDrawnCostsThePictureNotTheRun) {
  const fs::path d = scratch("cli_crash_draw");
  const auto [code, text] = run_capture("check --plugin " CRASH_PLUGIN " --traces 3 --out " +
                                        (d / "out").string() + " --json " +
                                        (d / "r.json").string());
  EXPECT_EQ(code, 1) << text;
  EXPECT_NE(text.find("picture not drawn: "), std::string::npos) << text;
  EXPECT_NE(text.find("0 of 1 implementations hold"), std::string::npos) << text;
  const auto o = nlohmann::json::parse(slurp(d / "r.json")).at(0);
  EXPECT_EQ(o.at("invariant"), "crash");
  EXPECT_TRUE(fs::exists(o.at("trace_file").get<std::string>()));
  EXPECT_FALSE(o.contains("svg_file"));
  EXPECT_FALSE(fs::exists(d / "out" / "test-crash-on-load.svg"));
}

//===--------------------------------------------------------------------===//
// --layout: traces start from a machine's layout.
//===--------------------------------------------------------------------===//

using testing::imported_x86_layout;

TEST(CheckCli, LayoutFilePassesOnSimpleAndTheStatsNameIt) {
  const fs::path d = scratch("cli_layout_pass");
  const fs::path layout = imported_x86_layout(d);
  const std::string args = "check --impl simple --traces 6 --out " + (d / "out").string() +
                           " --layout " + layout.string() + " --json ";
  ASSERT_EQ(run(args + (d / "a.json").string()), 0);
  ASSERT_EQ(run(args + (d / "b.json").string()), 0);
  const auto a = nlohmann::json::parse(slurp(d / "a.json")).at(0);
  EXPECT_EQ(a.at("verdict"), "pass");
  EXPECT_EQ(a.at("stats").at("layouts"), (nlohmann::json{{"file:x86-pci-hole.layout", 6}}));
  // The same seed gives the same run: the same operations, step for step.
  EXPECT_EQ(a.at("stats"), nlohmann::json::parse(slurp(d / "b.json")).at(0).at("stats"));
  // The statistics tables (--stats) name the layout file too.
  const auto [code, text] = run_capture(args + (d / "c.json").string() + " --stats");
  EXPECT_NE(text.find("file:x86-pci-hole.layout"), std::string::npos) << text;
}

TEST(CheckCli, LayoutFileCatchesAMutantAndDrawsIt) {
  const fs::path d = scratch("cli_layout_fail");
  const fs::path layout = imported_x86_layout(d);
  ASSERT_EQ(run("check --impl rank-off-by-one --traces 40 --out " + (d / "out").string() +
                " --layout " + layout.string() + " --json " + (d / "r.json").string()),
            1);
  const auto o = nlohmann::json::parse(slurp(d / "r.json")).at(0);
  EXPECT_EQ(o.at("verdict"), "fail");
  // The shrunk trace starts from the imported layout, not a generated one.
  const TraceFile tf = read_trace_file_with_impl(o.at("trace_file").get<std::string>());
  EXPECT_EQ(write_layout(tf.trace.layout), write_layout(read_layout_file(layout.string())));
  EXPECT_EQ(run("replay --expect " + o.at("trace_file").get<std::string>()), 0);
  const fs::path svg = d / "out" / "rank-off-by-one.svg";
  const auto elements = parse_xml(slurp(svg));
  ASSERT_FALSE(elements.empty()) << svg;
  EXPECT_EQ(elements.front(), "svg");
}

TEST(CheckCli, MalformedLayoutFileIsExitTwoNamingFileAndLine) {
  const fs::path d = scratch("cli_layout_bad");
  const fs::path bad = d / "bad.layout";
  std::ofstream(bad) << "busmap-layout 1\nblock 0x0 sections=16 online\nblock 0x1234 sections=16\n";
  const auto [code, text] = run_capture("check --impl simple --traces 2 --layout " + bad.string());
  EXPECT_EQ(code, 2) << text;
  EXPECT_NE(text.find(bad.string() + ":3:"), std::string::npos) << text;
  EXPECT_EQ(run("check --impl simple --traces 2 --layout " + (d / "missing.layout").string()), 2);
}

// Write errors (issue 15, finding 7): the verdict and the shrunk trace reach
// the terminal first, then every file that could not be written is named
// and the exit code is 2.  /dev/null/sub cannot be a directory even for root.
TEST(CheckCli, AnUnwritableOutDirKeepsTheFailureOnTheTerminal) {
  const auto [code, text] = run_capture("check --impl flat --traces 20 -q --out /dev/null/sub");
  EXPECT_EQ(code, 2) << text;
  EXPECT_NE(text.find("flat: FAIL footprint"), std::string::npos) << text;
  EXPECT_NE(text.find("shrunk trace, NOT written to /dev/null/sub/flat.trace"), std::string::npos)
      << text;
  EXPECT_NE(text.find("expect fail footprint"), std::string::npos) << text; // the trace itself
  EXPECT_EQ(text.find("replay: busmap replay"), std::string::npos) << text;
  EXPECT_NE(text.find("busmap: /dev/null/sub: cannot create the directory: Not a directory"),
            std::string::npos)
      << text;
  EXPECT_LT(text.find("flat: FAIL"), text.find("busmap: /dev/null/sub")) << text;
}

TEST(CheckCli, AReportThatCannotBeWrittenIsExitTwoAfterTheVerdict) {
  const fs::path d = scratch("cli_full_reports");
  const auto [code, text] = run_capture("check --impl simple --traces 2 -q --out " +
                                        (d / "out").string() +
                                        " --json /dev/full --junit /dev/full");
  EXPECT_EQ(code, 2) << text;
  EXPECT_NE(text.find("1 of 1 implementations hold"), std::string::npos) << text;
  EXPECT_NE(text.find("busmap: /dev/full: cannot write the JSON report: No space left on device"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("/dev/full: cannot write the JUnit report"), std::string::npos) << text;
}

} // namespace
} // namespace busmap
