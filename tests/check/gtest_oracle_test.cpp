// The GoogleTest entry point as a driver project uses it: the whole oracle
// on `simple` as one macro, and proof that the same entry point fails (with
// the shrunk trace in the message) on a broken driver, at the user's line,
// with the full report printed by one part only; and that its BUSMAP_*
// settings are parsed strictly and a drawn seed is kept for the process;
// and that with a failure database it keeps the failure and replays it first.
#include "impl/drivers.hpp"
#include "properties/gtest_oracle.hpp"
#include "tests/support/patient.hpp"

#include <gtest/gtest-spi.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <set>
#include <string>

namespace {

// What a driver project writes: one line.
BUSMAP_ORACLE_TEST(SimpleOracle, &busmap::drivers::simple);

/// simple, but an online is answered NOTIFY_BAD with no fault injected.
int refusing_notify(void *drv, busmap_mem_action action, std::uint64_t start, std::uint64_t n) {
  if (action == BUSMAP_MEM_GOING_ONLINE)
    return BUSMAP_NOTIFY_BAD;
  return busmap::drivers::simple.notify(drv, action, start, n);
}

busmap_driver make_refusing() {
  busmap_driver d = busmap::drivers::simple;
  d.name = "test-refuses-online";
  d.notify = refusing_notify;
  return d;
}
const busmap_driver refusing = make_refusing();

busmap::CheckOptions few() {
  busmap::CheckOptions o;
  o.traces = 30;
  o.case_timeout = busmap::testing::PatientCaseTimeout;
  return o;
}

TEST(GtestOracle, FailsOnABrokenDriverWithTheShrunkTrace) {
  EXPECT_NONFATAL_FAILURE(busmap::testing::expect_oracle_holds(refusing, few()),
                          "clean-failure");
  EXPECT_NONFATAL_FAILURE(busmap::testing::expect_oracle_holds(refusing, few()),
                          "busmap-trace 2");
}

TEST(GtestOracle, PartsAreDisjointAndMakeOneRun) {
  busmap::CheckOptions whole = few();
  const auto all = busmap::check(busmap::drivers::simple, whole).records;
  std::size_t seen = 0;
  for (unsigned part = 0; part < busmap::testing::OracleParts; ++part) {
    busmap::CheckOptions o = few();
    o.shard = busmap::Shard{part, busmap::testing::OracleParts};
    for (const auto &rec : busmap::check(busmap::drivers::simple, o).records) {
      EXPECT_EQ(rec, all.at(rec.index));
      ++seen;
    }
  }
  EXPECT_EQ(seen, all.size());
}

/// The failures `body` reports, captured instead of failing this test.
template <class Body> std::vector<::testing::TestPartResult> failures_of(Body body) {
  ::testing::TestPartResultArray results;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    body();
  }
  std::vector<::testing::TestPartResult> out;
  for (int i = 0; i < results.size(); ++i)
    out.push_back(results.GetTestPartResult(i));
  return out;
}

/// "trace #N" from a part's pointer "... the run's first failure, trace #N,
/// is reported in full by Parts/Suite.Holds/K" (K one of the parts), or
/// none when the message is not one.  (No std::regex: GCC 12's -Wmaybe-
/// uninitialized fires inside <regex> under the sanitizers.)
std::optional<std::string> pointed_at(const std::string &m) {
  static const std::string lead = "the run's first failure, trace #", mid = ", is reported in full by ";
  const auto at = m.find(lead);
  if (at == std::string::npos)
    return std::nullopt;
  const auto digits = at + lead.size();
  const auto end = m.find(mid, digits);
  if (end == std::string::npos || end == digits ||
      m.find_first_not_of("0123456789", digits) != end)
    return std::nullopt;
  const std::string test = m.substr(end + mid.size());
  const auto holds = test.rfind(".Holds/");
  if (holds == std::string::npos || test.size() != holds + 8 || test.back() < '0' ||
      test.back() > '7' || test.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz/") != holds)
    return std::nullopt;
  return m.substr(at + lead.size() - 7, end - (at + lead.size() - 7));
}

TEST(GtestOracle, AFailureNamesTheUsersLineAndOnePartPrintsTheReport) {
  const int line = __LINE__ + 4;
  std::vector<::testing::TestPartResult> all;
  for (unsigned part = 0; part < busmap::testing::OracleParts; ++part)
    for (auto &f : failures_of([&] {
           busmap::testing::expect_oracle_part_holds(refusing, part, few(), std::nullopt, {__FILE__, __LINE__});
         }))
      all.push_back(f);
  ASSERT_EQ(all.size(), busmap::testing::OracleParts);
  std::size_t full = 0;
  std::set<std::string> first; // the trace each pointer names
  std::string report;
  for (const auto &f : all) {
    EXPECT_STREQ(f.file_name(), __FILE__);
    EXPECT_EQ(f.line_number(), line);
    const std::string m = f.message();
    if (m.find("busmap-trace 2") != std::string::npos) {
      ++full;
      report = m;
    } else if (auto trace = pointed_at(m)) {
      first.insert(*trace);
      // One line after gtest's own "Failed" line.
      EXPECT_EQ(std::count(m.begin(), m.end(), '\n'), m.starts_with("Failed\n") ? 1 : 0) << m;
    } else {
      ADD_FAILURE() << "neither the report nor a pointer to it: " << m;
    }
  }
  ASSERT_EQ(first.size(), 1u);
  EXPECT_NE(report.find("found from seed 1, generated " + *first.begin() + " "), std::string::npos)
      << report;
  EXPECT_EQ(full, 1u);
}

// With a failure database, the entry point writes the shrunk trace there,
// names the file and the commands that replay it, and the next run replays
// it first: the report then says it came from the kept file.
TEST(GtestOracle, KeepsTheFailureAndReplaysItFirst) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / fmt::format("busmap-gtest-db-{}", ::getpid());
  std::filesystem::remove_all(dir);
  const std::optional<busmap::FailureDb> db{busmap::FailureDb(dir.string())};
  const auto first = failures_of([&] { busmap::testing::expect_oracle_holds(refusing, few(), db); });
  ASSERT_EQ(first.size(), 1u);
  const auto kept = db->files(refusing.name);
  ASSERT_EQ(kept.size(), 1u);
  const std::string m1 = first[0].message();
  EXPECT_NE(m1.find("shrunk trace kept in " + kept[0]), std::string::npos) << m1;
  EXPECT_NE(m1.find("replay: BUSMAP_DB=" + dir.string()), std::string::npos) << m1;
  EXPECT_NE(m1.find("busmap replay " + kept[0] + " --plugin"), std::string::npos) << m1;
  EXPECT_NE(m1.find("found from seed 1, generated trace #"), std::string::npos) << m1;

  const auto again = failures_of([&] { busmap::testing::expect_oracle_holds(refusing, few(), db); });
  ASSERT_EQ(again.size(), 1u);
  const std::string m2 = again[0].message();
  EXPECT_NE(m2.find("found by replaying the kept failure " + kept[0]), std::string::npos) << m2;
  EXPECT_EQ(db->files(refusing.name), kept); // kept once, not again
  // A correct driver has nothing kept, and nothing of the other's replays.
  EXPECT_TRUE(failures_of([&] {
                busmap::testing::expect_oracle_holds(busmap::drivers::simple, few(), db);
              }).empty());
  std::filesystem::remove_all(dir);
}

/// Sets (or, with nullptr, unsets) an environment variable for a scope and
/// puts back what was there: test_main sets BUSMAP_SEED to the suite's seed
/// for every test of the process (tests/support/suite_seed.hpp).
class ScopedEnv {
public:
  ScopedEnv(const char *name, const char *value) : name_(name) {
    if (const char *old = std::getenv(name))
      old_ = old;
    value ? ::setenv(name, value, 1) : ::unsetenv(name);
  }
  ~ScopedEnv() { old_ ? ::setenv(name_, old_->c_str(), 1) : ::unsetenv(name_); }
  ScopedEnv(const ScopedEnv &) = delete;
  ScopedEnv &operator=(const ScopedEnv &) = delete;

private:
  const char *name_;
  std::optional<std::string> old_;
};

/// The message oracle_settings_from_env() refuses `name`=`value` with.
std::string refusal(const char *name, const char *value) {
  const ScopedEnv env(name, value);
  try {
    busmap::testing::oracle_settings_from_env();
  } catch (const std::invalid_argument &e) {
    return e.what();
  }
  return "";
}

TEST(GtestOracle, EverySettingIsParsedStrictly) {
  EXPECT_EQ(refusal("BUSMAP_TRACES", "abc"),
            "BUSMAP_TRACES='abc': expected a whole decimal number of at least 1");
  EXPECT_EQ(refusal("BUSMAP_TRACES", "10k"),
            "BUSMAP_TRACES='10k': expected a whole decimal number of at least 1");
  EXPECT_EQ(refusal("BUSMAP_TRACES", "0"),
            "BUSMAP_TRACES='0': expected a whole decimal number of at least 1");
  EXPECT_EQ(refusal("BUSMAP_STEPS", "-5"),
            "BUSMAP_STEPS='-5': expected a whole decimal number of at least 1");
  EXPECT_EQ(refusal("BUSMAP_MODE", "Lenient"), "BUSMAP_MODE='Lenient': expected strict or lenient");
  EXPECT_EQ(refusal("BUSMAP_SEED", "0x10"),
            "BUSMAP_SEED='0x10': expected a whole decimal number or `random`");
  EXPECT_EQ(refusal("BUSMAP_SEED", "99999999999999999999"),
            "BUSMAP_SEED='99999999999999999999': expected a whole decimal number or `random`");
  EXPECT_EQ(refusal("BUSMAP_CASE_TIMEOUT", "10s"),
            "BUSMAP_CASE_TIMEOUT='10s': expected a whole decimal number from 1 to 86400000");
  EXPECT_EQ(refusal("BUSMAP_MEMORY_LIMIT", " 1"),
            "BUSMAP_MEMORY_LIMIT=' 1': expected a whole decimal number of at least 0");
  EXPECT_EQ(refusal("BUSMAP_RERUNS", "+2"),
            "BUSMAP_RERUNS='+2': expected a whole decimal number of at least 0");
  // Good values are taken, not just tolerated.
  const ScopedEnv traces("BUSMAP_TRACES", "1000"), mode("BUSMAP_MODE", "lenient"),
      seed("BUSMAP_SEED", "77");
  const auto s = busmap::testing::oracle_settings_from_env();
  EXPECT_EQ(s.options.traces, 1000u);
  EXPECT_EQ(s.options.mode, busmap::Mode::Lenient);
  EXPECT_EQ(s.options.seed, 77u);
  EXPECT_EQ(busmap::testing::describe_run(s.options, s.seed),
            "seed 77, 1000 traces of at most 40 steps, lenient mode, profile portable");
}

TEST(GtestOracle, TheDefaultSeedIsOneAndARandomOneIsDrawnOncePerProcess) {
  {
    const ScopedEnv none("BUSMAP_SEED", nullptr);
    const auto fixed = busmap::testing::oracle_settings_from_env();
    EXPECT_EQ(fixed.options.seed, 1u);
    EXPECT_FALSE(fixed.seed.drawn);
  }
  const ScopedEnv random("BUSMAP_SEED", "random");
  const auto a = busmap::testing::oracle_settings_from_env();
  const auto b = busmap::testing::oracle_settings_from_env();
  EXPECT_TRUE(a.seed.drawn);
  EXPECT_EQ(a.options.seed, b.options.seed); // the parts of one process make one run
  EXPECT_EQ(busmap::testing::describe_run(a.options, a.seed).find(
                fmt::format("seed {} (drawn at random), ", a.options.seed)),
            0u);
}

} // namespace
