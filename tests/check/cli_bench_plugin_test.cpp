//===- tests/check/cli_bench_plugin_test.cpp - `busmap bench --plugin` ----===//
//
// The user's driver measured in the same run as radix and the baselines, on
// the same layout and in the same columns, its code run in a child: a
// correct plugin gets a full row, one that crashes in load() a row saying
// "not measured" and why, and the bench still ends with exit 0.  Only the
// presence and shape of the figures is asserted, never a timing.
//
//===----------------------------------------------------------------------===//
#include "tests/check/cli_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace busmap {
namespace {

namespace fs = std::filesystem;
using testing::run_capture;
using testing::scratch;
using testing::slurp;

/// `busmap bench` on a small real layout with `plugin`; its JSON rows.
nlohmann::json bench_with(const std::string &plugin, const char *dir, std::string &out) {
  const fs::path d = scratch(dir);
  const auto [code, text] =
      run_capture("bench --layout " + testing::imported_x86_layout(d).string() +
                  " --plugin " + plugin + " --json " + (d / "b.json").string());
  out = text;
  EXPECT_EQ(code, 0) << text;
  return nlohmann::json::parse(slurp(d / "b.json"));
}

const nlohmann::json *row_of(const nlohmann::json &rows, const std::string &driver) {
  for (const auto &r : rows)
    if (r.at("driver") == driver)
      return &r;
  return nullptr;
}

TEST(BenchPlugin, ThePluginIsMeasuredBesideRadixInTheSameColumns) {
  ::unsetenv("BUSMAP_TEST_MISBEHAVE"); // the example driver, correct, named "misbehave"
  std::string out;
  const auto rows = bench_with(MISBEHAVE_PLUGIN, "bench_plugin", out);
  const auto *radix = row_of(rows, "radix");
  const auto *plugin = row_of(rows, "misbehave");
  ASSERT_TRUE(radix && plugin) << rows.dump(2);
  for (const auto &[key, value] : radix->items())
    EXPECT_TRUE(plugin->contains(key)) << key;
  EXPECT_EQ(plugin->at("layout"), radix->at("layout"));
  EXPECT_EQ(plugin->at("present_bytes"), radix->at("present_bytes"));
  EXPECT_GT(plugin->at("ns_per_translate").get<double>(), 0);
  EXPECT_GT(plugin->at("footprint_bytes").get<double>(), 0);
  EXPECT_FALSE(plugin->at("update_us").is_null());
  EXPECT_EQ(plugin->at("plugin"), MISBEHAVE_PLUGIN);
  EXPECT_FALSE(radix->contains("plugin"));
  // A baseline's driver-only figures are written as not measured, not -1.
  EXPECT_TRUE(row_of(rows, "binary-search")->at("update_us").is_null());
  EXPECT_EQ(out.find(" -1"), std::string::npos) << out;
  EXPECT_NE(out.find("not measured"), std::string::npos) << out;
  EXPECT_NE(out.find("\nmisbehave "), std::string::npos) << out;
}

TEST(BenchPlugin, APluginThatCrashesIsNotMeasuredAndSaysWhy) {
  std::string out;
  const auto rows = bench_with(CRASH_PLUGIN, "bench_crash", out);
  const auto *plugin = row_of(rows, "test-crash-on-load");
  ASSERT_TRUE(plugin) << rows.dump(2);
  EXPECT_TRUE(plugin->at("ns_per_translate").is_null());
  EXPECT_NE(plugin->at("not_measured").get<std::string>().find("signal"), std::string::npos)
      << plugin->dump();
  EXPECT_NE(out.find("not measured: "), std::string::npos) << out;
  ASSERT_TRUE(row_of(rows, "radix")); // the built-ins were measured all the same
}

} // namespace
} // namespace busmap
