// The proof obligations of smt/: proved (with satisfiable hypotheses) for
// the code the model and the radix driver run, and each paired mutant
// refuted by Z3 with a counterexample whose trace the oracle fails on the
// mutant driver and passes on the correct radix driver.
#include "cli/prove_trace.hpp"
#include "smt/prover.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace busmap::smt {
namespace {

/// Options whose verdicts do not depend on the machine's speed.  A
/// wall-clock limit per solver call turns a proof into `unknown` when the
/// machine is loaded (seen: `busmap prove`'s 10 s limit gave unknown after
/// 35 s on a 2-core machine at load 6), so the tests give every call the
/// longest limit there is and leave hangs to ctest's TIMEOUT.
ProveOptions patient() {
  ProveOptions o;
  o.timeout_ms = 600000;
  return o;
}

void expect_proved(const char *number, const char *subject) {
  ProveOptions o = patient();
  o.only = {std::string(number) + "/" + subject};
  bool seen = false;
  for (const Result &r : prove_obligations(o))
    if (r.subject == subject) {
      seen = true;
      EXPECT_EQ(r.verdict, Verdict::Proved) << r.obligation << ": " << r.detail;
      EXPECT_TRUE(r.hypotheses_satisfiable) << r.obligation << ": " << r.detail;
    }
  EXPECT_TRUE(seen) << "no " << subject << " sub-goals in obligation " << number;
}

TEST(SmtProofs, NoHoleCoverage) {
  expect_proved("1", "model");
  expect_proved("1", "driver");
}
TEST(SmtProofs, MrLengthWithinPartitionMemory) {
  expect_proved("2", "model");
  expect_proved("2", "driver");
}
TEST(SmtProofs, TranslationInsideTheMr) { expect_proved("3", "model"); }
TEST(SmtProofs, ExactMisses) {
  expect_proved("4", "model");
  expect_proved("4", "driver");
}
TEST(SmtProofs, RadixSplitIsABijection) { expect_proved("5", "driver"); }
TEST(SmtProofs, InductiveStepKeepsCanonicalSlots) { expect_proved("6", "driver"); }

TEST(SmtProofs, EverySubGoalIsReportedWithItsOwnVerdict) {
  ProveOptions o = patient();
  o.only = {"6"};
  const std::vector<Result> results = prove_obligations(o);
  ASSERT_EQ(results.size(), 1u);
  // Both updates, each invariant part, the rerank skip and the three run
  // identities.
  EXPECT_EQ(results[0].subgoals.size(), 12u);
  for (const SubGoal &g : results[0].subgoals) {
    EXPECT_EQ(g.verdict, Verdict::Proved) << g.name;
    EXPECT_TRUE(g.hypotheses_satisfiable) << g.name;
  }
}

// A solver that runs out of time says so: the obligation is unknown, with
// Z3's reason, never proved.
TEST(SmtProofs, TimeoutsAreUnknownNeverProved) {
  ProveOptions o;
  o.only = {"1/model"};
  o.timeout_ms = 1;
  const std::vector<Result> results = prove_obligations(o);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].verdict, Verdict::Unknown) << results[0].detail;
  EXPECT_NE(results[0].detail.find("timeout"), std::string::npos) << results[0].detail;
}

TEST(SmtProofs, EveryMutantIsRefutedByATraceItsDriverFails) {
  const ProveOptions o = patient();
  const std::vector<Result> results = refute_mutants(o);
  EXPECT_GE(results.size(), 12u);
  const auto untraced = std::count_if(results.begin(), results.end(),
                                      [](const Result &r) { return !r.traceable; });
  EXPECT_EQ(untraced, 2); // the two leaf-span goals
  for (const Result &r : results) {
    SCOPED_TRACE(r.obligation + " / " + r.mutant);
    ASSERT_EQ(r.verdict, Verdict::Refuted) << r.detail;
    if (!r.traceable) {
      // A goal about a leaf's storage: Z3's refutation is the bite.
      EXPECT_FALSE(r.counterexample);
      continue;
    }
    ASSERT_TRUE(r.counterexample);
    const char *driver = cli::mutant_driver_for(r.mutant);
    ASSERT_NE(driver, nullptr);
    const cli::TraceCheck check = cli::check_trace(cli::counterexample_trace(*r.counterexample), driver);
    EXPECT_TRUE(check.mutant_fails) << check.detail;
    EXPECT_TRUE(check.correct_passes) << check.detail;
  }
}

TEST(SmtProofs, RankCharacterisationIsPopcountForSmallN) {
  for (unsigned n : {4u, 8u, 12u}) {
    const CrossCheck x = crosscheck_rank(n, patient().timeout_ms);
    EXPECT_EQ(x.satisfies, Verdict::Proved) << n << ": " << x.detail;
    EXPECT_EQ(x.unique, Verdict::Proved) << n << ": " << x.detail;
  }
}

} // namespace
} // namespace busmap::smt
