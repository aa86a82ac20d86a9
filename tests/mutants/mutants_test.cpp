// `busmap check` with its default settings against the zoo: every mutant
// is caught, and its failure shrinks to exactly as many operations as the
// hand-written minimal trace of tests/traces/minimal/<mutant>.trace, which
// fails the same way (the same failure signature); every built-in driver
// expected to pass passes (100 traces by default, 1,000 in the "heavy"
// test).  A disabled test measures the mean number of traces until the
// first failure per mutant over several seeds (docs/MUTANTS.md).
#include "impl/registry.hpp"
#include "properties/checker.hpp"
#include "properties/shrink.hpp"
#include "properties/trace_format.hpp"
#include "tests/support/patient.hpp"
#include "tests/support/suite_seed.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace busmap {
namespace {

std::string param_name(const ::testing::TestParamInfo<const Implementation *> &info) {
  std::string s;
  for (const char *p = info.param->driver->name; *p; ++p)
    s += std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_';
  return s;
}

std::vector<const Implementation *> all_of(std::span<const Implementation> list, Expect strict) {
  std::vector<const Implementation *> out;
  for (const auto &i : list)
    if (i.strict == strict)
      out.push_back(&i);
  return out;
}

class MutantIsCaught : public ::testing::TestWithParam<const Implementation *> {};

/// The shortest trace we could write by hand that fails `mutant`.
Trace minimal_trace(const char *mutant) {
  return read_trace_file(std::string(MINIMAL_TRACES) + "/" + mutant + ".trace");
}

TEST_P(MutantIsCaught, WithDefaultSettingsAndShrinksToItsMinimalTrace) {
  const Implementation &m = *GetParam();
  // The default settings, but for the shrink *time* budget: a wall-clock
  // limit would make the shrunk size depend on the machine (a sanitizer
  // build runs several times slower).  The candidate budget, which is
  // deterministic, stays as it is by default.
  CheckOptions options;
  options.shrink.time = std::chrono::hours(1);
  options.case_timeout = testing::PatientCaseTimeout; // likewise: no verdict by machine speed
  const CheckResult r = check(*m.driver, options);
  ASSERT_FALSE(r.pass()) << m.driver->name << " survived " << r.traces << " traces";
  const Failure &f = *r.failure;
  const Trace minimal = minimal_trace(m.driver->name);
  // In a child, as check runs it: a mutant caught by `crash` ends only that.
  IsolationOptions isolation;
  isolation.timeout = testing::PatientCaseTimeout;
  const TraceRun v = run_trace(*m.driver, minimal, minimal.mode, isolation);
  ASSERT_TRUE(v.violation) << "the minimal trace of " << m.driver->name << " holds";
  EXPECT_EQ(failure_signature(*v.violation), failure_signature(f.violation))
      << "the minimal trace fails another way than the shrunk one:\n"
      << v.report << describe_failure(r);
  EXPECT_EQ(f.shrunk.ops.size(), minimal.ops.size())
      << describe_failure(r) << write_trace(f.shrunk);
  EXPECT_TRUE(f.shrink_cut_short.empty()) << f.shrink_cut_short;
  RecordProperty("invariant", f.violation.invariant);
  RecordProperty("traces_until_failure", static_cast<int>(f.trace_index + 1));
  RecordProperty("shrunk_ops", static_cast<int>(f.shrunk.ops.size()));
  RecordProperty("shrink_candidates", static_cast<int>(f.candidates));
  if (m.fails && f.violation.invariant != m.fails)
    std::printf("note: %s caught by %s (the registry names %s)\n", m.driver->name,
                f.violation.invariant.c_str(), m.fails);
}

INSTANTIATE_TEST_SUITE_P(Zoo, MutantIsCaught,
                         ::testing::ValuesIn(all_of(builtin_mutants(), Expect::Fail)), param_name);
// The historical designs among the built-in drivers that fail strict mode
// (ehea, flat, lazy, identity-dup) are held to their minimal traces too.
INSTANTIATE_TEST_SUITE_P(SeedDrivers, MutantIsCaught,
                         ::testing::ValuesIn(all_of(builtin_drivers(), Expect::Fail)), param_name);

class DriverPasses : public ::testing::TestWithParam<const Implementation *> {};

void expect_passes(const Implementation &d, std::size_t traces) {
  CheckOptions o;
  o.traces = traces;
  o.seed = testing::suite_seed(); // 1 by default; a new one under BUSMAP_SEED=random
  o.case_timeout = testing::PatientCaseTimeout;
  const CheckResult r = check(*d.driver, o);
  EXPECT_TRUE(r.pass()) << describe_failure(r)
                        << (r.failure ? write_trace(r.failure->shrunk) : std::string());
  EXPECT_EQ(r.traces, traces);
}

TEST_P(DriverPasses, HundredTraces) { expect_passes(*GetParam(), 100); }
TEST_P(DriverPasses, ThousandTraces) { expect_passes(*GetParam(), 1000); }

INSTANTIATE_TEST_SUITE_P(Builtin, DriverPasses,
                         ::testing::ValuesIn(all_of(builtin_drivers(), Expect::Pass)), param_name);

// Run by hand: check_mutants --gtest_also_run_disabled_tests
//   --gtest_filter='*Measure*'; prints the table of docs/MUTANTS.md.
TEST(MutantZoo, DISABLED_MeasureTracesUntilFirstFailure) {
  const std::uint64_t seeds[] = {1, 2, 3, 4, 5, 6, 7, 8};
  std::printf("| mutant | caught by | mean traces until first failure (seeds 1-8) | max |\n"
              "|---|---|---|---|\n");
  for (const Implementation *m : all_of(builtin_mutants(), Expect::Fail)) {
    double sum = 0;
    std::size_t worst = 0;
    std::string caught_by;
    for (auto seed : seeds) {
      CheckOptions o;
      o.seed = seed;
      o.shrink.candidates = 0; // only the first failure matters here
      const CheckResult r = check(*m->driver, o);
      const std::size_t n = r.failure ? r.failure->trace_index + 1 : o.traces + 1;
      sum += static_cast<double>(n);
      worst = std::max(worst, n);
      if (r.failure && caught_by.find(r.failure->violation.invariant) == std::string::npos)
        caught_by += (caught_by.empty() ? "" : ", ") + r.failure->violation.invariant;
    }
    std::printf("| %s | %s | %.1f | %zu |\n", m->driver->name, caught_by.c_str(),
                sum / std::size(seeds), worst);
  }
}

// Run by hand: mutants_tests --gtest_also_run_disabled_tests
//   --gtest_filter='*PassesNeeded*'; for each concrete shrink pass, the
//   mutants whose shrunk trace is longer without it (docs/CHECKING.md).
TEST(MutantZoo, DISABLED_MeasurePassesNeeded) {
  for (const ShrinkPass &pass : shrink_passes()) {
    std::string longer;
    for (const Implementation *m : all_of(builtin_mutants(), Expect::Fail)) {
      CheckOptions o;
      o.shrink.passes_off = {pass.name};
      const CheckResult r = check(*m->driver, o);
      const std::size_t minimal = minimal_trace(m->driver->name).ops.size();
      if (r.failure && r.failure->shrunk.ops.size() > minimal)
        longer += fmt::format(" {} ({} ops, minimal {})", m->driver->name,
                              r.failure->shrunk.ops.size(), minimal);
    }
    std::printf("without %s:%s\n", pass.name, longer.empty() ? " every mutant still minimal" : longer.c_str());
  }
}

} // namespace
} // namespace busmap
