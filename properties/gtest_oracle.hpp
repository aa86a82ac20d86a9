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
// A failure is a non-fatal gtest failure at the BUSMAP_ORACLE_TEST line of
// the user's test file, with the violated invariant, the seed and the
// shrunk trace in the trace file format; paste it into a .trace file and
// `busmap replay` it.  A broken driver usually fails in every part; only
// the part that owns the run's first failing trace prints the report, the
// others fail with one line naming that part (first_failure_elsewhere).
//
// Each part prints the run it makes ("busmap oracle: seed 1, 200 traces of
// at most 40 steps, strict mode, profile portable, part 3 of 8") and records
// the seed as the test's busmap_seed property (in gtest's XML).
//
// The failure database (properties/failure_db.hpp), as `busmap check`
// keeps it: every part first replays its share of the failures kept in
// BUSMAP_DB (default .busmap/failures in the test's working directory;
// BUSMAP_DB=off: none), and a new shrunk failure is written there; the
// report names the file and the commands that replay it.  `busmap check
// --db DIR --prune` (or deleting the file) drops a kept failure once fixed.
//
// Environment knobs, so CI can run longer without rebuilding:
// BUSMAP_TRACES (total traces, default 200), BUSMAP_STEPS, BUSMAP_SEED (a
// number, default 1, or `random`: a seed is drawn once per test process and
// printed), BUSMAP_MODE (strict|lenient), BUSMAP_CASE_TIMEOUT (milliseconds
// per case), BUSMAP_MEMORY_LIMIT (MiB per case, 0: none), BUSMAP_RERUNS
// (reruns of a failure before it counts; docs/CHECKING.md "Isolation"), and
// the machine: BUSMAP_PROFILE (a profile name, default portable),
// BUSMAP_CLASS (layout classes, comma separated) and BUSMAP_CONFIG
// (KEY=VALUE settings, comma separated), as `busmap check
// --profile/--class/--config` take them.  Every value is parsed strictly
// (properties/settings.hpp): a bad one (`10k`, `abc`, `Lenient`) fails the
// test with a message naming the variable and the allowed form.
//
// Header-only: the test binary links busmap_properties and GTest.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PROPERTIES_GTEST_ORACLE_HPP
#define BUSMAP_PROPERTIES_GTEST_ORACLE_HPP

#include "properties/checker.hpp"
#include "properties/failure_db.hpp"
#include "properties/machine_filter.hpp"
#include "properties/settings.hpp"
#include "properties/trace_format.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>

namespace busmap::testing {

inline constexpr unsigned OracleParts = 8;

/// The run the environment asks for, and the seed as given.
struct OracleSettings {
  CheckOptions options;
  Seed seed;
};

/// BUSMAP_SEED: `random` is drawn once per process, so the parts that run
/// in one process still make one run.
inline Seed oracle_seed_from(const char *text) {
  if (!text || !*text)
    return Seed{};
  if (std::string_view(text) != "random")
    return parse_seed("BUSMAP_SEED", text);
  static const Seed drawn = parse_seed("BUSMAP_SEED", "random");
  return drawn;
}

/// The checker's defaults, overridden by the BUSMAP_* environment knobs;
/// throws std::invalid_argument naming a bad one.
inline OracleSettings oracle_settings_from_env() {
  OracleSettings s;
  CheckOptions &o = s.options;
  auto text = [](const char *name) {
    const char *v = std::getenv(name);
    return std::string(v ? v : "");
  };
  auto number = [&text](const char *name, std::uint64_t fallback, std::uint64_t min,
                        std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) {
    const std::string v = text(name);
    return v.empty() ? fallback : parse_number(name, v, min, max);
  };
  o.traces = number("BUSMAP_TRACES", o.traces, 1);
  o.max_steps = number("BUSMAP_STEPS", o.max_steps, 1);
  o.case_timeout = std::chrono::milliseconds(number(
      "BUSMAP_CASE_TIMEOUT", static_cast<std::uint64_t>(o.case_timeout.count()), 1,
      std::uint64_t{24} * 3600 * 1000));
  o.memory_limit_mib = number("BUSMAP_MEMORY_LIMIT", o.memory_limit_mib, 0);
  o.reruns = number("BUSMAP_RERUNS", o.reruns, 0);
  if (const std::string m = text("BUSMAP_MODE"); !m.empty())
    o.mode = parse_mode("BUSMAP_MODE", m);
  s.seed = oracle_seed_from(std::getenv("BUSMAP_SEED"));
  o.seed = s.seed.value;
  try {
    o.layouts = make_filter(text("BUSMAP_PROFILE"), split_list(text("BUSMAP_CLASS")),
                            split_list(text("BUSMAP_CONFIG")));
  } catch (const std::invalid_argument &e) {
    throw std::invalid_argument(
        fmt::format("BUSMAP_PROFILE='{}' BUSMAP_CLASS='{}' BUSMAP_CONFIG='{}': {}",
                    text("BUSMAP_PROFILE"), text("BUSMAP_CLASS"), text("BUSMAP_CONFIG"), e.what()));
  }
  return s;
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

inline CheckOptions oracle_options_from_env() { return oracle_settings_from_env().options; }

/// "seed 1, 200 traces of at most 40 steps, strict mode, profile portable":
/// the effective run, as each part prints it.
inline std::string describe_run(const CheckOptions &o, const Seed &seed) {
  return fmt::format("seed {}, {} traces of at most {} steps, {} mode, profile {}",
                     seed.describe(), o.traces, o.max_steps, mode_name(o.mode),
                     o.layouts.profile ? o.layouts.profile->name : default_profile().name);
}

/// Where a failure is reported: the user's BUSMAP_ORACLE_TEST line.
struct SourceLine {
  const char *file = __FILE__;
  int line = __LINE__;
};

/// How the entry point says it found a trace, in the kept file's comment.
inline std::string found_by(const CheckOptions &o) {
  return fmt::format("found by: the gtest oracle entry point, BUSMAP_SEED={} BUSMAP_TRACES={} "
                     "BUSMAP_STEPS={} BUSMAP_MODE={}",
                     o.seed, o.traces, o.max_steps, mode_name(o.mode));
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

/// The full report of a failed run: the invariant, the seed, the shrunk
/// trace, and where it was kept (`kept` empty: the database is off).
inline std::string failure_report(const CheckResult &r, const CheckOptions &options,
                                  const std::string &kept = {},
                                  const std::optional<FailureDb> &db = std::nullopt) {
  const std::string origin =
      r.failure->kept_file.empty()
          ? fmt::format("found from seed {}, generated trace #{} (BUSMAP_SEED={} runs the same "
                        "traces again)",
                        options.seed, r.failure->trace_index, options.seed)
          : fmt::format("found by replaying the kept failure {}", r.failure->kept_file);
  const std::string where =
      kept.empty() || !db ? std::string("not kept (BUSMAP_DB=off): save it as a .trace file and "
                                        "run `busmap replay` on it")
                          : fmt::format("shrunk trace kept in {}\n{}", kept,
                                        replay_commands(kept, *db));
  return fmt::format("{}\n{}\n{}\nshrunk trace:\n{}", describe_failure(r), origin, where,
                     write_trace(r.failure->shrunk, found_by(options), r.impl));
}

/// Keeps the failure of `r` in `db` (none when off or flaky); its path, or
/// empty.  Throws std::runtime_error when the file cannot be written.
inline std::string keep_failure(const CheckResult &r, const CheckOptions &options,
                                const std::optional<FailureDb> &db) {
  if (!db || !r.failure || r.failure->flaky)
    return {};
  if (!r.failure->kept_file.empty())
    return r.failure->kept_file;
  return db->keep(r.impl, r.failure->shrunk,
                  fmt::format("{}\ngenerated trace #{}\nviolated: {} at step {} ({}), {}",
                              found_by(options), r.failure->trace_index,
                              r.failure->violation.invariant, r.failure->violation.step + 1,
                              r.failure->violation.op, r.failure->violation.where));
}

/// Reports the failure of `r` at `at`, keeping it in `db` first.
inline void report_failure(const CheckResult &r, const CheckOptions &options,
                           const std::optional<FailureDb> &db, SourceLine at) {
  std::string kept;
  try {
    kept = keep_failure(r, options, db);
  } catch (const std::runtime_error &e) { // the database could not be written
    ADD_FAILURE_AT(at.file, at.line) << e.what();
  }
  ADD_FAILURE_AT(at.file, at.line) << failure_report(r, options, kept, db);
}

/// Replays the failures `db` keeps for `driver` (the share of options.shard);
/// true when one still fails, which is then reported at `at`.
inline bool kept_failure_fails(const busmap_driver &driver, const CheckOptions &options,
                               const std::optional<FailureDb> &db, SourceLine at) {
  if (!db)
    return false;
  CheckResult r;
  r.impl = driver.name ? driver.name : "?";
  KeptReplay kept = db->replay(driver, r.impl, options, false);
  if (const std::string note = describe_replay(kept, false); !note.empty())
    std::printf("%s: %s\n", r.impl.c_str(), note.c_str());
  if (!kept.failure)
    return false;
  r.failure = std::move(kept.failure);
  report_failure(r, options, db, at);
  return true;
}

/// Runs the checker on `driver`, the failures `db` keeps first; a failure
/// is a non-fatal gtest failure at `at` with the invariant, the report and
/// the shrunk trace, kept in `db`.
inline void expect_oracle_holds(const busmap_driver &driver, const CheckOptions &options,
                                const std::optional<FailureDb> &db = std::nullopt,
                                SourceLine at = {}) {
  if (kept_failure_fails(driver, options, db, at))
    return;
  const CheckResult r = check(driver, options);
  if (!r.pass())
    report_failure(r, options, db, at);
  else if (!r.run_cut_short.empty())
    std::printf("note: %s\n", r.run_cut_short.c_str());
}

/// "Parts/MyDriverOracle.Holds/5": the test that runs part `part`.
inline std::string part_test_name(std::size_t part) {
  const ::testing::TestInfo *t = ::testing::UnitTest::GetInstance()->current_test_info();
  return fmt::format("{}.{}/{}", t ? t->test_suite_name() : "Parts/<suite>", "Holds", part);
}

/// Part `part` of OracleParts of the run `options` describes.  A broken
/// driver usually fails in every part; the report is printed once, by the
/// part that owns the run's first failing trace.  So a part first runs
/// without shrinking; when it fails it asks whether an earlier trace of
/// another part fails too, and if so fails with one line pointing there;
/// only the owner of the first failure runs again to shrink and report.
/// The failures `db` keeps are replayed first (this part's share of them).
inline void expect_oracle_part_holds(const busmap_driver &driver, unsigned part,
                                     CheckOptions options,
                                     const std::optional<FailureDb> &db = std::nullopt,
                                     SourceLine at = {}) {
  options.shard = Shard{part, OracleParts};
  if (kept_failure_fails(driver, options, db, at))
    return;
  CheckOptions unshrunk = options;
  unshrunk.shrink.candidates = 0;
  unshrunk.reruns = 0;
  const CheckResult first = check(driver, unshrunk);
  if (first.pass()) {
    if (!first.run_cut_short.empty())
      std::printf("note: %s\n", first.run_cut_short.c_str());
    return;
  }
  const std::size_t mine = first.failure->trace_index;
  if (auto earlier = first_failure_elsewhere(driver, options, mine)) {
    ADD_FAILURE_AT(at.file, at.line) << fmt::format(
        "{}: fails {} from generated trace #{} (seed {}); the run's first failure, trace #{}, "
        "is reported in full by {}",
        first.impl, first.failure->violation.invariant, mine, options.seed, *earlier,
        part_test_name(*earlier % OracleParts));
    return;
  }
  const CheckResult shrunk = check(driver, options);
  // A failure that did not come again in the shrinking run is reported as
  // it was first seen, unshrunk.
  report_failure(shrunk.pass() ? first : shrunk, options, db, at);
}

/// The same for the run the environment describes, printed first; a bad
/// BUSMAP_* value fails the test with its message.
inline void expect_oracle_part_holds(const busmap_driver &driver, unsigned part,
                                     SourceLine at = {}) {
  OracleSettings s;
  try {
    s = oracle_settings_from_env();
  } catch (const std::invalid_argument &e) {
    ADD_FAILURE_AT(at.file, at.line) << e.what();
    return;
  }
  std::printf("busmap oracle: %s, part %u of 0..%u\n", describe_run(s.options, s.seed).c_str(),
              part, OracleParts - 1);
  std::fflush(stdout);
  ::testing::Test::RecordProperty("busmap_seed", std::to_string(s.seed.value));
  expect_oracle_part_holds(driver, part, std::move(s.options), oracle_db_from_env(), at);
}

class OracleTest : public ::testing::TestWithParam<unsigned> {};

} // namespace busmap::testing

/// Defines the tests Suite/Parts.Holds/0..OracleParts-1 checking `driver`
/// (an expression of type `const busmap_driver *`); failures are reported
/// at this line of the user's file.
#define BUSMAP_ORACLE_TEST(Suite, driver)                                                      \
  class Suite : public ::busmap::testing::OracleTest {};                                      \
  TEST_P(Suite, Holds) {                                                                       \
    ::busmap::testing::expect_oracle_part_holds(*(driver), GetParam(),                         \
                                                {__FILE__, __LINE__});                         \
  }                                                                                            \
  INSTANTIATE_TEST_SUITE_P(Parts, Suite,                                                       \
                           ::testing::Range(0u, ::busmap::testing::OracleParts))

#endif // BUSMAP_PROPERTIES_GTEST_ORACLE_HPP
