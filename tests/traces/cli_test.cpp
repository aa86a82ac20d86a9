//===- tests/traces/cli_test.cpp - `busmap replay` and `busmap list` ------===//
//
// The commands a driver engineer types, run as processes: replay's exit
// codes (0 holds, 1 fails, 2 bad input) and what it prints, list's JSON
// held against the registry it reports, and replay and bench on a layout
// imported from a fixture machine (--layout).
//
//===----------------------------------------------------------------------===//
#include "impl/registry.hpp"
#include "properties/generators.hpp"
#include "properties/oracle.hpp"
#include "properties/trace_format.hpp"
#include "tests/traces/run_cli.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>

namespace busmap {
namespace {

using testing::run_busmap;
using testing::ScratchFile;

const std::string corpus = CORPUS_DIR;

bool contains(const std::string &haystack, const std::string &needle) {
  return haystack.find(needle) != std::string::npos;
}

// --- replay. ------------------------------------------------------------------

TEST(Replay, HoldingTraceExits0AndPrintsEachStep) {
  auto r = run_busmap("replay '" + corpus + "/handwritten/vetoed-online.trace'");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "driver simple, strict mode, 9 operations")) << r.output;
  EXPECT_TRUE(contains(r.output, "[5] online 0x40000000 veto=after\n")) << r.output;
  EXPECT_TRUE(contains(r.output, "holds (9 steps)")) << r.output;
  EXPECT_FALSE(contains(r.output, "h_register_pages")) << "journal without --verbose";
}

TEST(Replay, VerboseShowsNotifierAnswersAndFirmwareCalls) {
  auto r = run_busmap("replay --verbose '" + corpus + "/handwritten/vetoed-online.trace'");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "notify(GOING_ONLINE")) << r.output;
  EXPECT_TRUE(contains(r.output, "NOTIFY_OK")) << r.output;
  EXPECT_TRUE(contains(r.output, "h_register_pages(")) << r.output;
  EXPECT_TRUE(contains(r.output, "another notifier answers GOING_ONLINE with NOTIFY_BAD"))
      << r.output;
}

TEST(Replay, FailingTraceExits1WithInvariantExpectedAndActual) {
  auto r = run_busmap("replay '" + corpus + "/mutants/no-rerank-on-remove.trace'");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "driver no-rerank-on-remove")) << r.output;
  EXPECT_TRUE(contains(r.output, "violated at step 2: offline 0x0")) << r.output;
  EXPECT_TRUE(contains(r.output, "invariant device-view")) << r.output;
  EXPECT_TRUE(contains(r.output, "expected ")) << r.output;
  EXPECT_TRUE(contains(r.output, "actual ")) << r.output;
}

TEST(Replay, ExpectComparesWithTheHeader) {
  auto as_expected = run_busmap("replay --expect '" + corpus + "/mutants/no-rerank-on-remove.trace'");
  EXPECT_EQ(as_expected.exit_code, 0) << as_expected.output;
  EXPECT_TRUE(contains(as_expected.output,
                       "expected fail device-view, got fail device-view: as expected"));
  // The same trace against a correct driver holds, which is not what it expects.
  auto surprised = run_busmap("replay --expect --impl radix '" + corpus +
                              "/mutants/no-rerank-on-remove.trace'");
  EXPECT_EQ(surprised.exit_code, 1) << surprised.output;
  EXPECT_TRUE(contains(surprised.output, "expected fail device-view, got pass: NOT as expected"))
      << surprised.output;
}

TEST(Replay, ModeOptionOverridesTheHeader) {
  std::string trace = "'" + corpus + "/mutants/ehea-strict-window.trace'";
  EXPECT_EQ(run_busmap("replay " + trace).exit_code, 1);
  auto lenient = run_busmap("replay --mode lenient " + trace);
  EXPECT_EQ(lenient.exit_code, 0) << lenient.output;
  EXPECT_TRUE(contains(lenient.output, "lenient mode")) << lenient.output;
}

TEST(Replay, DefaultsToSimpleWithoutAnImplLine) {
  ScratchFile t("no-impl.trace", "busmap-trace 1\nblock 0x0 sections=1 online\nload\n");
  auto r = run_busmap("replay '" + t.path() + "'");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "driver simple")) << r.output;
}

TEST(Replay, ParseErrorExits2WithFileLineColumn) {
  ScratchFile t("bad.trace", "busmap-trace 1\nload\nonline 0x0 veto=maybe\n");
  auto r = run_busmap("replay '" + t.path() + "'");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, t.path() + ":3:17: expected veto=before or veto=after")) << r.output;
}

TEST(Replay, UnknownImplementationExits2) {
  ScratchFile t("unknown-impl.trace", "busmap-trace 1\nimpl no-such-driver\nload\n");
  auto from_header = run_busmap("replay '" + t.path() + "'");
  EXPECT_EQ(from_header.exit_code, 2) << from_header.output;
  EXPECT_TRUE(contains(from_header.output,
                       t.path() + ": the header names unknown implementation 'no-such-driver'"))
      << from_header.output;
  auto from_option = run_busmap("replay --impl nope '" + t.path() + "'");
  EXPECT_EQ(from_option.exit_code, 2) << from_option.output;
  EXPECT_TRUE(contains(from_option.output, "unknown implementation 'nope'; built-in: simple"))
      << from_option.output;
}

TEST(Replay, MissingFileExits2) {
  auto r = run_busmap("replay /nonexistent/x.trace");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "/nonexistent/x.trace: cannot read")) << r.output;
}

// --- --layout on replay and bench. ----------------------------------------------

/// A fixture machine imported as a user would, into a scratch .layout file.
struct ImportedLayout {
  ImportedLayout(const std::string &name, const std::string &from, const std::string &source)
      : file(name + ".layout", "") {
    auto r = run_busmap("layout import --from " + from + " '" + LAYOUT_FIXTURES + "/" + source +
                        "' -o '" + file.path() + "'");
    EXPECT_EQ(r.exit_code, 0) << r.output;
  }
  ScratchFile file;
};

TEST(Replay, LayoutOptionRunsTheOpsOnThatLayout) {
  // POWER partition: 27 LMBs of 256 MiB present, 0x40000000 among them.
  ImportedLayout power("power-dlpar", "devicetree", "power-dlpar");
  const std::string trace = "'" + corpus + "/handwritten/vetoed-online.trace'";
  auto own = run_busmap("replay --verbose " + trace);
  auto moved = run_busmap("replay --verbose " + trace + " --layout '" + power.file.path() + "'");
  EXPECT_EQ(moved.exit_code, 0) << moved.output;
  EXPECT_TRUE(contains(moved.output, "9 operations, on layout " + power.file.path() + " (27 blocks)"))
      << moved.output;
  // The load registers the layout's memory, not the trace's one LMB.
  EXPECT_TRUE(contains(own.output, "h_alloc_mr(bus=0x8000000000000000, length=0x10000000)"))
      << own.output;
  EXPECT_TRUE(contains(moved.output, "h_alloc_mr(bus=0x8000000000000000, length=0x1b0000000)"))
      << moved.output;
  // The trace's add targets an LMB the layout already has: refused.
  EXPECT_FALSE(contains(own.output, "overlaps an assigned block")) << own.output;
  EXPECT_TRUE(contains(moved.output, "hypervisor refuses: [0x40000000, +16 sections) overlaps"))
      << moved.output;
}

TEST(Replay, MalformedLayoutExits2WithFileAndLine) {
  ScratchFile bad("bad.layout",
                  "busmap-layout 1\nblock 0x0 sections=16 online\nblock 0x10 sections=1 online\n");
  auto r = run_busmap("replay '" + corpus + "/handwritten/vetoed-online.trace' --layout '" +
                      bad.path() + "'");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, bad.path() + ":3:")) << r.output;
}

TEST(Bench, LayoutOptionMeasuresThatLayoutOnly) {
  // x86-64, 64 blocks of 128 MiB around the PCI hole, 62 online.
  ImportedLayout x86("x86-pci-hole", "sysfs", "x86-pci-hole/sysfs");
  ScratchFile json("bench.json", "");
  auto r = run_busmap("bench --layout '" + x86.file.path() + "' --json '" + json.path() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::uint64_t online = 0;
  const Layout layout = read_layout_file(x86.file.path());
  for (const auto &b : layout.blocks)
    online += b.state == BlockState::Online ? b.sections << layout.config.section_shift : 0;
  std::ifstream in(json.path());
  const auto results = nlohmann::json::parse(in);
  std::set<std::string> drivers;
  for (const auto &row : results) {
    EXPECT_EQ(row.at("layout"), "file") << row;
    EXPECT_EQ(row.at("present_bytes").get<std::uint64_t>(), online) << row;
    EXPECT_GT(row.at("footprint_bytes").get<std::uint64_t>(), 0u) << row;
    drivers.insert(row.at("driver").get<std::string>());
  }
  EXPECT_TRUE(drivers.count("radix")) << r.output;
  EXPECT_TRUE(drivers.count("binary-search")) << r.output;
  // The racing figures, both designs on the same layout in the same run.
  for (const char *line : {"lookups racing updates", "\nradix            file", "\nstop-the-world   file",
                           "radix / stop-the-world while racing: "})
    EXPECT_NE(r.output.find(line), std::string::npos) << line << "\n" << r.output;
}

// --- list. ----------------------------------------------------------------------

TEST(List, JsonMatchesTheRegistry) {
  auto r = run_busmap("list --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  nlohmann::json j = nlohmann::json::parse(r.output);
  const auto &impls = j.at("implementations");
  std::size_t expected_count = builtin_drivers().size() + builtin_mutants().size();
  ASSERT_EQ(impls.size(), expected_count);
  for (const auto &e : impls) {
    const Implementation *i = find_implementation(e.at("name").get<std::string>());
    ASSERT_NE(i, nullptr) << e.dump();
    EXPECT_EQ(e.at("kind"), i->kind);
    EXPECT_EQ(e.at("expected"), i->strict == Expect::Pass ? "pass" : "fail");
    EXPECT_EQ(e.at("expected_lenient"), i->lenient == Expect::Pass ? "pass" : "fail");
    EXPECT_EQ(e.at("description"), i->driver->description);
    EXPECT_TRUE(e.at("kind") == "driver" || e.at("kind") == "mutant");
  }
  std::set<std::string> ids;
  for (const auto &v : j.at("invariants"))
    ids.insert(v.at("id").get<std::string>());
  for (const auto &v : invariants())
    EXPECT_TRUE(ids.count(v.id)) << v.id;
  ASSERT_EQ(j.at("layouts").size(), layout_classes().size());
  for (std::size_t k = 0; k < layout_classes().size(); ++k)
    EXPECT_EQ(j.at("layouts")[k].at("name"), layout_classes()[k].name);
}

TEST(List, TextNamesEveryImplementationAndInvariant) {
  auto r = run_busmap("list");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (auto list : {builtin_drivers(), builtin_mutants()})
    for (const auto &i : list)
      EXPECT_TRUE(contains(r.output, std::string("\n  ") + i.driver->name + " ")) << i.driver->name;
  for (const auto &v : invariants())
    EXPECT_TRUE(contains(r.output, std::string("\n  ") + v.id + " ")) << v.id;
}

} // namespace
} // namespace busmap
