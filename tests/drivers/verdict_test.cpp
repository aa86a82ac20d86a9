// Every built-in implementation held to the verdicts impl/registry.hpp
// promises, in strict and in lenient mode: a driver expected to pass passes
// the whole behaviour suite; an implementation expected to fail is caught
// by its catching trace, by the invariant the registry names.  The catching
// traces run in a child process, the way every command runs driver code: a
// mutant caught by `crash` (a racing read of a freed block) takes down only
// the child.
#include "impl/registry.hpp"
#include "properties/checker.hpp"
#include "properties/oracle.hpp"
#include "tests/support/patient.hpp"
#include "tests/drivers/traces.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>
#include <vector>

namespace busmap::testing {
namespace {

std::vector<const Implementation *> all_implementations() {
  std::vector<const Implementation *> v;
  for (auto list : {builtin_drivers(), builtin_mutants()})
    for (const auto &i : list)
      v.push_back(&i);
  return v;
}

class Verdicts : public ::testing::TestWithParam<const Implementation *> {};

void expect_verdict(const Implementation &impl, Mode mode, Expect expect) {
  const Oracle oracle(*impl.driver);
  if (expect == Expect::Pass) {
    for (const auto &[name, trace, beyond_ehea] : behaviour_suite()) {
      if (beyond_ehea && impl.driver->name == std::string("ehea"))
        continue; // see EheaRefusesMemoryAboveItsIndex
      const Verdict v = oracle.run(trace, mode);
      EXPECT_TRUE(v.pass()) << impl.driver->name << " on " << name << " (" << to_string(mode)
                            << "):\n" << v.describe();
    }
    return;
  }
  const auto &catching = catching_traces();
  auto it = catching.find(impl.driver->name);
  ASSERT_NE(it, catching.end()) << "no catching trace for " << impl.driver->name;
  IsolationOptions isolation;
  isolation.timeout = PatientCaseTimeout; // no verdict by machine speed
  const TraceRun r = run_trace(*impl.driver, it->second, mode, isolation);
  ASSERT_TRUE(r.violation) << impl.driver->name << " (" << to_string(mode) << ") survived";
  EXPECT_EQ(r.violation->invariant, impl.fails) << r.report;
  EXPECT_EQ(it->second.expect_fail, impl.fails);
}

TEST_P(Verdicts, Strict) { expect_verdict(*GetParam(), Mode::Strict, GetParam()->strict); }
TEST_P(Verdicts, Lenient) { expect_verdict(*GetParam(), Mode::Lenient, GetParam()->lenient); }

INSTANTIATE_TEST_SUITE_P(Builtin, Verdicts, ::testing::ValuesIn(all_implementations()),
                         [](const auto &info) {
                           std::string n = info.param->driver->name;
                           for (char &c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c)))
                               c = '_';
                           return n;
                         });

// eHEA's three 13-bit levels index section numbers below 2^39; memory at
// or above 2^63 (16 MiB sections) cannot be mapped, and the driver says so
// by failing to load rather than aliasing it onto low memory.
TEST(Ehea, RefusesMemoryAboveItsIndex) {
  const busmap_driver &ehea = *find_implementation("ehea")->driver;
  for (const auto &t : behaviour_suite())
    if (t.beyond_ehea_index) {
      const Verdict v = Oracle(ehea).run(t.trace, Mode::Lenient);
      ASSERT_FALSE(v.pass()) << t.name;
      EXPECT_EQ(v.violation->invariant, inv::CleanFailure) << v.describe();
    }
}

TEST(Registry, NamesAreUniqueAndFailuresNamed) {
  std::set<std::string> names;
  for (const Implementation *i : all_implementations()) {
    EXPECT_TRUE(names.insert(i->driver->name).second) << i->driver->name;
    const bool fails = i->strict == Expect::Fail || i->lenient == Expect::Fail;
    EXPECT_EQ(fails, i->fails != nullptr) << i->driver->name;
  }
}

} // namespace
} // namespace busmap::testing
