//===- tests/check/cli_settings_test.cpp - what `busmap check` is told and says -===//
//
// Issue 13's settings and reports, end to end through the real program:
// every number option is parsed strictly (exit 2 with the allowed form), the
// run says the seed it used (a drawn one too, and that seed reproduces the
// run), a passing driver is one line unless --stats, the statistics columns
// follow the longest name, the JSON names the run, sharded JUnit suites are
// named by shard, and --ktap is KTAP version 1 as tests/check/check_ktap.py
// (written from the kernel's spec) reads it.
//
//===----------------------------------------------------------------------===//
#include "tests/check/cli_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace busmap {
namespace {

namespace fs = std::filesystem;
using testing::run_capture;
using testing::scratch;
using testing::slurp;

/// Runs a shell command; its exit code and standard output.
std::pair<int, std::string> capture(const std::string &cmd) {
  FILE *pipe = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  for (std::size_t n; pipe && (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;)
    out.append(buf, n);
  const int status = pipe ? ::pclose(pipe) : -1;
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

/// `env busmap ARGS`: exit code and both streams.
std::pair<int, std::string> run_capture_env(const std::string &env, const std::string &args) {
  return capture(env + " " + testing::busmap_command(args) + " 2>&1");
}

/// `env busmap ARGS` with stdout alone (the KTAP), stderr dropped.
std::pair<int, std::string> stdout_of(const std::string &env, const std::string &args) {
  return capture(env + " " + testing::busmap_command(args) + " 2>/dev/null");
}

TEST(CheckSettings, EveryNumberOptionIsParsedStrictlyWithTheAllowedForm) {
  struct Case {
    const char *args, *message;
  };
  const Case cases[] = {
      {"check --traces 10k", "--traces: '10k': expected a whole decimal number of at least 1"},
      {"check --traces abc", "--traces: 'abc': expected a whole decimal number of at least 1"},
      {"check --traces 0", "--traces: '0': expected a whole decimal number of at least 1"},
      {"check --steps=-3", "--steps: '-3': expected a whole decimal number of at least 1"},
      {"check --seed 12x", "--seed: '12x': expected a whole decimal number or `random`"},
      {"check --time-budget 1e3", "--time-budget: '1e3': expected a number of seconds"},
      {"check --reruns ' 2'", "--reruns: ' 2': expected a whole decimal number"},
      {"check --shrink-time 0x10", "--shrink-time: '0x10': expected a whole decimal number"},
      {"check --case-timeout 0", "expected a whole decimal number from 1 to 86400000"},
      {"check --memory-limit 1M", "--memory-limit: '1M'"},
      {"check --mode Lenient", "Lenient not in {strict,lenient}"},
      {"replay --repeat 0 x.trace", "--repeat: '0': expected a whole decimal number from 1 to 1000000"},
      {"prove --sections 33", "--sections: '33': expected a whole decimal number from 2 to 32"},
      {"prove --jobs two", "--jobs: 'two'"},
      {"layout import --from iomem --block-size 16Mi x", "--block-size: '16Mi': expected a whole "
                                                           "number (decimal or 0x hex)"},
  };
  for (const auto &c : cases) {
    const auto [code, out] = run_capture(c.args);
    EXPECT_EQ(code, 2) << c.args << "\n" << out;
    EXPECT_NE(out.find(c.message), std::string::npos) << c.args << "\n" << out;
  }
}

TEST(CheckSettings, ANumberIsReadAsDecimalNeverAsOctal) {
  // CLI11 alone reads 010 as octal 8; the shared parser hands it 10.
  const auto [code, out] = run_capture("check --impl simple --traces 010 --out " +
                                       scratch("octal").string());
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("simple: pass, 10 traces"), std::string::npos) << out;
}

/// The seed the banner names, with " (drawn at random)" when it says so.
/// (No std::regex: GCC 12's -Wmaybe-uninitialized fires inside <regex>
/// under the sanitizers.)
std::string banner_seed(const std::string &out) {
  static const std::string suffix = ", strict mode";
  static const std::string drawn = " (drawn at random)";
  for (std::size_t at = out.find("seed "); at != std::string::npos; at = out.find("seed ", at + 1)) {
    std::size_t end = at + 5;
    while (end < out.size() && std::isdigit(static_cast<unsigned char>(out[end])))
      ++end;
    if (end == at + 5)
      continue;
    const std::string digits = out.substr(at + 5, end - at - 5);
    if (out.compare(end, suffix.size(), suffix) == 0)
      return digits;
    if (out.compare(end, drawn.size() + suffix.size(), drawn + suffix) == 0)
      return digits + drawn;
  }
  return "";
}

TEST(CheckSettings, ARandomSeedIsPrintedAndReproducesTheRun) {
  const fs::path d = scratch("random_seed");
  const std::string common = "check --impl simple --traces 6 --out " + (d / "out").string();
  const auto [c1, drawn] = run_capture(common + " --seed random --json " + (d / "a.json").string());
  ASSERT_EQ(c1, 0) << drawn;
  const std::string said = banner_seed(drawn);
  ASSERT_NE(said.find(" (drawn at random)"), std::string::npos) << drawn;
  const std::string seed = said.substr(0, said.find(' '));
  const auto a = nlohmann::json::parse(slurp(d / "a.json")).at(0);
  EXPECT_EQ(std::to_string(a.at("seed").get<std::uint64_t>()), seed);
  const auto [c2, again] = run_capture(common + " --seed " + seed + " --json " + (d / "b.json").string());
  ASSERT_EQ(c2, 0) << again;
  EXPECT_EQ(banner_seed(again), seed);
  EXPECT_EQ(nlohmann::json::parse(slurp(d / "b.json")).at(0).at("stats"), a.at("stats"));
  // The default stays deterministic.
  EXPECT_EQ(banner_seed(run_capture(common).second), "1");
}

TEST(CheckSettings, APassingDriverIsOneLineUnlessStatsAreAsked) {
  const fs::path d = scratch("one_line");
  const std::string common = "check --impl simple --impl radix --traces 4 --out " + d.string();
  const auto [code, out] = run_capture(common);
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(out.find("protocol path"), std::string::npos) << out;
  std::size_t lines = 0;
  for (char ch : out)
    lines += ch == '\n';
  EXPECT_EQ(lines, 4u) << out; // banner, one line per driver, the summary
  const auto [code2, stats] = run_capture(common + " --stats");
  ASSERT_EQ(code2, 0) << stats;
  EXPECT_NE(stats.find("  protocol path"), std::string::npos) << stats;
  EXPECT_NE(stats.find("  firmware setting (traces)"), std::string::npos) << stats;
}

/// The column at which each row's count ends, over every row of the tables.
std::set<std::size_t> count_columns(const std::string &table) {
  std::set<std::size_t> ends;
  std::istringstream in(table);
  for (std::string line; std::getline(in, line);) {
    const auto pct = line.rfind('%');
    const auto share = line.rfind("share");
    const auto end = pct != std::string::npos ? pct + 1 : share + 5;
    if (pct != std::string::npos || share != std::string::npos)
      ends.insert(end);
  }
  return ends;
}

TEST(CheckSettings, StatisticsColumnsFollowTheLongestName) {
  // A layout file's name is a row of the layout-class table: a long one
  // must widen the name column, not push its own row out of line.
  const fs::path d = scratch("wide_stats");
  const fs::path layout = testing::imported_x86_layout(d, std::string(70, 'w') + ".layout");
  const auto [code, out] = run_capture("check --impl simple --traces 3 --stats "
                                       "--layout " + layout.string() + " --out " + d.string());
  ASSERT_EQ(code, 0) << out;
  ASSERT_NE(out.find("file:" + std::string(70, 'w')), std::string::npos) << out;
  EXPECT_EQ(count_columns(out).size(), 1u) << out;
}

TEST(CheckSettings, TheJsonNamesSeedModeProfileAbiAndPlugin) {
  const fs::path d = scratch("json_fields");
  const auto [code, out] = run_capture(
      "check --impl simple --plugin " + std::string(TEST_PLUGIN_HEAP_HOLD) +
      " --traces 3 --seed 42 --mode lenient --profile ppc64 --json " + (d / "r.json").string() +
      " --out " + d.string());
  ASSERT_NE(code, 2) << out;
  const auto j = nlohmann::json::parse(slurp(d / "r.json"));
  ASSERT_EQ(j.size(), 2u);
  for (const auto &o : j) {
    EXPECT_EQ(o.at("seed"), 42);
    EXPECT_EQ(o.at("mode"), "lenient");
    EXPECT_EQ(o.at("profile"), "ppc64");
    EXPECT_EQ(o.at("abi_version"), 2);
    EXPECT_EQ(o.at("shard"), (nlohmann::json{{"index", 0}, {"total", 1}}));
    EXPECT_TRUE(o.at("stats").contains("ops"));
  }
  EXPECT_TRUE(j.at(0).at("plugin").is_null());
  EXPECT_EQ(j.at(1).at("plugin"), TEST_PLUGIN_HEAP_HOLD);
}

TEST(CheckSettings, ShardedJunitSuitesAreNamedByShard) {
  const fs::path d = scratch("junit_shards");
  std::string names;
  for (int i = 0; i < 2; ++i) {
    const std::string file = (d / ("s" + std::to_string(i) + ".xml")).string();
    const std::string env = "GTEST_TOTAL_SHARDS=2 GTEST_SHARD_INDEX=" + std::to_string(i);
    const auto [code, out] = run_capture_env(env, "check --impl simple --traces 4 --junit " + file +
                                                      " --out " + d.string());
    ASSERT_EQ(code, 0) << out;
    names += slurp(file);
  }
  EXPECT_NE(names.find("<testsuite name=\"simple shard 0 of 2\""), std::string::npos) << names;
  EXPECT_NE(names.find("<testsuite name=\"simple shard 1 of 2\""), std::string::npos) << names;
}

#ifdef BUSMAP_PYTHON
/// check_ktap.py on `text`: exit code and what it said.
std::pair<int, std::string> ktap_checker(const std::string &text, const fs::path &dir) {
  const fs::path file = dir / "out.ktap";
  std::ofstream(file) << text;
  return capture(std::string(BUSMAP_PYTHON) + " " + KTAP_CHECKER + " " + file.string() + " 2>&1");
}

TEST(CheckKtap, APassAndAFailureAreKtapVersionOne) {
  const fs::path d = scratch("ktap");
  const auto [code, ktap] =
      stdout_of("", "check --impl simple --impl miss-is-zero --traces 10 --ktap --out " + d.string());
  EXPECT_EQ(code, 1) << ktap;
  EXPECT_EQ(ktap.rfind("KTAP version 1\n", 0), 0u) << ktap;
  EXPECT_NE(ktap.find("\n1..2\n"), std::string::npos) << ktap;
  EXPECT_NE(ktap.find("\n    # Subtest: simple\n"), std::string::npos) << ktap;
  EXPECT_NE(ktap.find("\nok 1 simple\n"), std::string::npos) << ktap;
  EXPECT_NE(ktap.find("\n    not ok 5 exact-miss\n"), std::string::npos) << ktap;
  EXPECT_NE(ktap.find("\nnot ok 2 miss-is-zero\n"), std::string::npos) << ktap;
  // The human report is not mixed into it.
  EXPECT_EQ(ktap.find("busmap check:"), ktap.find("# busmap check:") + 2) << ktap;
  const auto [rc, said] = ktap_checker(ktap, d);
  EXPECT_EQ(rc, 0) << said << ktap;
}

TEST(CheckKtap, AShardWithNoTraceIsASkip) {
  const fs::path d = scratch("ktap_skip");
  const auto [code, ktap] = stdout_of("GTEST_TOTAL_SHARDS=2 GTEST_SHARD_INDEX=1",
                                      "check --impl simple --traces 1 --ktap --out " + d.string());
  EXPECT_EQ(code, 0) << ktap;
  EXPECT_NE(ktap.find("\nok 1 simple shard 1 of 2 # SKIP "), std::string::npos) << ktap;
  EXPECT_NE(ktap.find("\n    ok 1 device-view # SKIP "), std::string::npos) << ktap;
  const auto [rc, said] = ktap_checker(ktap, d);
  EXPECT_EQ(rc, 0) << said << ktap;
}

// The checker bites: each way of breaking the grammar is refused.
TEST(CheckKtap, TheCheckerRefusesWhatTheSpecDoesNotAllow) {
  const fs::path d = scratch("ktap_bad");
  const std::string good = "KTAP version 1\n1..1\n    KTAP version 1\n    1..1\n    ok 1 a\nok 1 s\n";
  ASSERT_EQ(ktap_checker(good, d).first, 0) << ktap_checker(good, d).second;
  const char *bad[] = {
      "TAP version 13\n1..0\n",                                            // no KTAP version line
      "KTAP version 1\nok 1 a\n",                                          // no plan
      "KTAP version 1\n1..2\nok 1 a\n",                                    // fewer results than planned
      "KTAP version 1\n1..1\nok 2 a\n",                                    // misnumbered
      "KTAP version 1\n1..1\nok 1 a#b\n",                                  // '#' in a description
      "KTAP version 1\n1..1\n  KTAP version 1\n  1..1\n  ok 1 a\nok 1 s\n", // indented by two
      "KTAP version 1\n1..1\n    KTAP version 1\n    1..1\n    not ok 1 a\nok 1 s\n", // disagrees
      "KTAP version 1\n1..1\n#no space\nok 1 a\n",                         // diagnostic without "# "
  };
  // All in one run of the checker (a Python start-up each is seconds on a
  // loaded machine): one verdict line per file, each a problem.
  std::string files;
  for (std::size_t i = 0; i < std::size(bad); ++i) {
    const fs::path f = d / ("bad" + std::to_string(i) + ".ktap");
    std::ofstream(f) << bad[i];
    files += " " + f.string();
  }
  const auto [rc, said] = capture(std::string(BUSMAP_PYTHON) + " " + KTAP_CHECKER + files + " 2>&1");
  EXPECT_EQ(rc, 1) << said;
  for (std::size_t i = 0; i < std::size(bad); ++i) {
    const std::string name = (d / ("bad" + std::to_string(i) + ".ktap")).string();
    EXPECT_NE(said.find(name + ":"), std::string::npos) << bad[i] << said;
    EXPECT_EQ(said.find(name + ": ok"), std::string::npos) << bad[i] << said;
  }
}
#endif

} // namespace
} // namespace busmap
