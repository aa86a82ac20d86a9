// The one main() of the gtest executables, and the suite's seed.
//
// Every test is deterministic by default: a red run must mean a bug, never
// the luck of a draw, or people learn to rerun red CI.  RapidCheck draws a
// fresh seed per process unless RC_PARAMS names one, so before any test
// runs this main() fixes it (see tests/support/suite_seed.hpp for the
// rules: BUSMAP_SEED=N, BUSMAP_SEED=random, or RC_PARAMS=seed=N as given).
// The same seed reaches `busmap check` runs inside tests through
// BUSMAP_SEED, which the gtest oracle entry point reads.
//
// For the same reason the failure database is off (BUSMAP_DB=off, unless
// the environment names one): a failure kept by one test, or by the last
// run, would be replayed first by the next and change what it sees.  The
// tests of the database name their own directories.
#include "tests/support/suite_seed.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

namespace {

/// Names the seed under every failed test, so a red run can be repeated.
class SeedOnFailure : public testing::EmptyTestEventListener {
public:
  explicit SeedOnFailure(std::uint64_t seed) : seed_(seed) {}
  void OnTestEnd(const testing::TestInfo &info) override {
    if (info.result()->Failed())
      std::printf("busmap tests: %s.%s failed with seed %llu; BUSMAP_SEED=%llu reproduces it\n",
                  info.test_suite_name(), info.name(), static_cast<unsigned long long>(seed_),
                  static_cast<unsigned long long>(seed_));
  }

private:
  std::uint64_t seed_;
};

} // namespace

int main(int argc, char **argv) {
  testing::InitGoogleTest(&argc, argv);
  ::setenv("BUSMAP_DB", "off", 0); // inherited by the `busmap` runs of the tests
  const busmap::testing::SuiteSeed seed = busmap::testing::fix_suite_seed();
  if (!seed.error.empty()) {
    std::fprintf(stderr, "busmap tests: %s\n", seed.error.c_str());
    return 2;
  }
  if (seed.drawn)
    std::fprintf(stderr,
                 "busmap tests: BUSMAP_SEED=random drew seed %llu; "
                 "BUSMAP_SEED=%llu reproduces this run\n",
                 static_cast<unsigned long long>(seed.value),
                 static_cast<unsigned long long>(seed.value));
  testing::UnitTest::GetInstance()->listeners().Append(new SeedOnFailure(seed.value));
  return RUN_ALL_TESTS();
}
