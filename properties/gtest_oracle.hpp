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
// violated invariant and the shrunk trace in the trace file format; paste
// it into a .trace file and `busmap replay` it.
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
#include "properties/machine_filter.hpp"
#include "properties/trace_format.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
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

/// Runs the checker on `driver`; a failure is a non-fatal gtest failure
/// with the invariant, the report and the shrunk trace.
inline void expect_oracle_holds(const busmap_driver &driver, const CheckOptions &options) {
  const CheckResult r = check(driver, options);
  if (!r.pass())
    ADD_FAILURE() << describe_failure(r) << "\nfound from seed " << options.seed
                  << " (BUSMAP_SEED=" << options.seed << " runs the same traces again)"
                  << "\nshrunk trace (save as a .trace file and run "
                  << "`busmap replay` on it):\n"
                  << write_trace(r.failure->shrunk, "found by the gtest oracle entry point", r.impl);
  else if (!r.run_cut_short.empty())
    std::printf("note: %s\n", r.run_cut_short.c_str());
}

/// Part `part` of OracleParts of the run `options` describes.
inline void expect_oracle_part_holds(const busmap_driver &driver, unsigned part,
                                     CheckOptions options) {
  options.shard = Shard{part, OracleParts};
  expect_oracle_holds(driver, options);
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
  expect_oracle_part_holds(driver, part, std::move(options));
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
