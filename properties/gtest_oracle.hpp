//===- properties/gtest_oracle.hpp - the oracle as a GoogleTest test -*- C++ -*-===//
//
// A driver project runs the whole oracle under its own ctest with one line:
//
//   #include "properties/gtest_oracle.hpp"
//   BUSMAP_ORACLE_TEST(MyDriverOracle, &my_driver);   // a busmap_driver*
//
// The macro defines a value-parameterized test with OracleParts instances;
// instance k runs the traces whose index is k modulo OracleParts, so the
// instances together are exactly one `busmap check` run.  Splitting the run
// this way is what makes GoogleTest's own sharding (GTEST_TOTAL_SHARDS /
// GTEST_SHARD_INDEX, as set by ctest or a CI farm) give each shard a
// disjoint part of the seeds: gtest hands whole test instances to shards.
// It also lets gtest_discover_tests run the parts in parallel.
//
// A failure is reported with ADD_FAILURE (non-fatal) and carries the
// violated invariant and the shrunk trace in the trace file format.
//
// The failure database (properties/failure_db.hpp), as `busmap check`
// keeps it: every part first replays its share of the failures kept in
// BUSMAP_DB (default .busmap/failures in the test's working directory;
// BUSMAP_DB=off: none), and a new shrunk failure is written there; the
// report names the file and the commands that replay it.  `busmap check
// --db DIR --prune` (or deleting the file) drops a kept failure once fixed.
//
// Environment knobs, so CI can run longer without rebuilding:
// BUSMAP_TRACES (total traces, default 200), BUSMAP_STEPS, BUSMAP_SEED,
// BUSMAP_MODE (strict|lenient), BUSMAP_CASE_TIMEOUT (milliseconds per case),
// BUSMAP_MEMORY_LIMIT (MiB per case, 0: none), BUSMAP_RERUNS (reruns of a
// failure before it counts; docs/CHECKING.md "Isolation"), and the machine: BUSMAP_PROFILE (a profile
// name, default portable), BUSMAP_CLASS (layout classes, comma separated)
// and BUSMAP_CONFIG (KEY=VALUE settings, comma separated), as `busmap
// check --profile/--class/--config` take them.  A bad value fails the test
// with a message naming the allowed values.
//
// Header-only: the test binary links busmap_properties and GTest.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PROPERTIES_GTEST_ORACLE_HPP
#define BUSMAP_PROPERTIES_GTEST_ORACLE_HPP

#include "properties/checker.hpp"
#include "properties/failure_db.hpp"
#include "properties/machine_filter.hpp"
#include "properties/trace_format.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace busmap::testing {

inline constexpr unsigned OracleParts = 8;

/// The checker's defaults, overridden by the BUSMAP_* environment knobs.
inline CheckOptions oracle_options_from_env() {
  CheckOptions o;
  auto number = [](const char *name, auto fallback) -> decltype(fallback) {
    const char *v = std::getenv(name);
    if (!v || !*v)
      return fallback;
    return static_cast<decltype(fallback)>(std::strtoull(v, nullptr, 10));
  };
  o.traces = number("BUSMAP_TRACES", o.traces);
  o.max_steps = number("BUSMAP_STEPS", o.max_steps);
  o.seed = number("BUSMAP_SEED", o.seed);
  o.case_timeout = std::chrono::milliseconds(
      number("BUSMAP_CASE_TIMEOUT", static_cast<std::uint64_t>(o.case_timeout.count())));
  o.memory_limit_mib = number("BUSMAP_MEMORY_LIMIT", o.memory_limit_mib);
  o.reruns = number("BUSMAP_RERUNS", o.reruns);
  if (const char *m = std::getenv("BUSMAP_MODE"); m && std::string(m) == "lenient")
    o.mode = Mode::Lenient;
  auto text = [](const char *name) {
    const char *v = std::getenv(name);
    return std::string(v ? v : "");
  };
  try {
    o.layouts = make_filter(text("BUSMAP_PROFILE"), split_list(text("BUSMAP_CLASS")),
                            split_list(text("BUSMAP_CONFIG")));
  } catch (const std::invalid_argument &e) {
    throw std::invalid_argument(
        fmt::format("BUSMAP_PROFILE='{}' BUSMAP_CLASS='{}' BUSMAP_CONFIG='{}': {}",
                    text("BUSMAP_PROFILE"), text("BUSMAP_CLASS"), text("BUSMAP_CONFIG"), e.what()));
  }
  return o;
}

/// The failure database BUSMAP_DB names (default .busmap/failures), or
/// none for BUSMAP_DB=off.
inline std::optional<FailureDb> oracle_db_from_env() {
  const char *v = std::getenv("BUSMAP_DB");
  const std::string dir = v && *v ? v : DefaultFailureDb;
  if (dir == "off")
    return std::nullopt;
  return FailureDb(dir);
}

/// How to run a kept failure again: this test binary with the database,
/// which replays kept failures first, and `busmap replay` when the driver
/// is also built as a plugin.
inline std::string replay_commands(const std::string &kept, const FailureDb &db) {
  std::error_code ec;
  const std::string exe = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string suite = info ? info->test_suite_name() : "*";
  return fmt::format("replay: BUSMAP_DB={} {} --gtest_filter='{}.*'\n"
                     "    or: busmap replay {} --plugin YOUR_DRIVER.so (the driver built as a plugin)",
                     db.dir(), exe.empty() ? "THIS_TEST" : exe, suite, kept);
}

/// Runs the checker on `driver`, the kept failures of `db` first (none:
/// generated traces only); a failure is a non-fatal gtest failure with the
/// invariant, the report, the shrunk trace, and where it was kept.
inline void expect_oracle_holds(const busmap_driver &driver, const CheckOptions &options,
                                const std::optional<FailureDb> &db = std::nullopt) {
  CheckResult r;
  std::string kept_file, kept_note;
  const std::string found_by = fmt::format(
      "found by: the gtest oracle entry point, BUSMAP_SEED={} BUSMAP_TRACES={} BUSMAP_STEPS={} "
      "BUSMAP_MODE={}",
      options.seed, options.traces, options.max_steps,
      options.mode == Mode::Strict ? "strict" : "lenient");
  try {
    if (db) {
      DbCheck c = check_with_db(driver, options, *db, false, found_by);
      r = std::move(c.result);
      kept_file = std::move(c.kept_file);
      kept_note = describe_replay(c.kept, false);
    } else {
      r = check(driver, options);
    }
  } catch (const std::runtime_error &e) { // the database could not be written
    ADD_FAILURE() << e.what();
    return;
  }
  if (!kept_note.empty())
    std::printf("%s: %s\n", r.impl.c_str(), kept_note.c_str());
  if (!r.pass())
    ADD_FAILURE() << describe_failure(r) << "\nfound from seed " << options.seed
                  << " (BUSMAP_SEED=" << options.seed << " runs the same traces again)\n"
                  << (kept_file.empty()
                          ? std::string("not written: BUSMAP_DB=off (save it as a .trace file "
                                        "and `busmap replay` it)")
                          : "shrunk trace written to " + kept_file + "\n" +
                                replay_commands(kept_file, *db))
                  << "\nshrunk trace:\n"
                  << write_trace(r.failure->shrunk, found_by, r.impl);
  else if (!r.run_cut_short.empty())
    std::printf("note: %s\n", r.run_cut_short.c_str());
}

/// Part `part` of OracleParts of the run `options` describes.
inline void expect_oracle_part_holds(const busmap_driver &driver, unsigned part,
                                     CheckOptions options,
                                     const std::optional<FailureDb> &db = std::nullopt) {
  options.shard = Shard{part, OracleParts};
  expect_oracle_holds(driver, options, db);
}

/// The same for the run the environment describes; a bad BUSMAP_* value
/// fails the test with its message.
inline void expect_oracle_part_holds(const busmap_driver &driver, unsigned part) {
  CheckOptions options;
  try {
    options = oracle_options_from_env();
  } catch (const std::invalid_argument &e) {
    ADD_FAILURE() << e.what();
    return;
  }
  expect_oracle_part_holds(driver, part, std::move(options), oracle_db_from_env());
}

class OracleTest : public ::testing::TestWithParam<unsigned> {};

} // namespace busmap::testing

/// Defines the tests Suite/Parts.Holds/0..OracleParts-1 checking `driver`
/// (an expression of type `const busmap_driver *`).
#define BUSMAP_ORACLE_TEST(Suite, driver)                                                      \
  class Suite : public ::busmap::testing::OracleTest {};                                      \
  TEST_P(Suite, Holds) { ::busmap::testing::expect_oracle_part_holds(*(driver), GetParam()); } \
  INSTANTIATE_TEST_SUITE_P(Parts, Suite,                                                       \
                           ::testing::Range(0u, ::busmap::testing::OracleParts))

#endif // BUSMAP_PROPERTIES_GTEST_ORACLE_HPP
