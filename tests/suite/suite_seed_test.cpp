// fix_suite_seed(): the default is fixed, BUSMAP_SEED and RC_PARAMS are
// honoured in that order of precedence, `random` draws and says so, and a
// malformed value is an error rather than a silent default.
#include "tests/support/suite_seed.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace busmap::testing {
namespace {

/// Sets the two variables for one test and puts them back afterwards.
class SuiteSeedTest : public ::testing::Test {
protected:
  void SetUp() override {
    saved_rc_ = get("RC_PARAMS");
    saved_busmap_ = get("BUSMAP_SEED");
  }
  void TearDown() override {
    put("RC_PARAMS", saved_rc_);
    put("BUSMAP_SEED", saved_busmap_);
  }
  static std::optional<std::string> get(const char *name) {
    const char *v = std::getenv(name);
    return v ? std::optional<std::string>(v) : std::nullopt;
  }
  static void put(const char *name, const std::optional<std::string> &v) {
    if (v)
      ::setenv(name, v->c_str(), 1);
    else
      ::unsetenv(name);
  }

private:
  std::optional<std::string> saved_rc_, saved_busmap_;
};

TEST_F(SuiteSeedTest, NothingSetIsTheFixedDefault) {
  put("RC_PARAMS", std::nullopt);
  put("BUSMAP_SEED", std::nullopt);
  const SuiteSeed s = fix_suite_seed();
  EXPECT_TRUE(s.error.empty());
  EXPECT_FALSE(s.drawn);
  EXPECT_EQ(s.value, DefaultSuiteSeed);
  EXPECT_EQ(get("RC_PARAMS"), "seed=1");
  EXPECT_EQ(get("BUSMAP_SEED"), "1");
  EXPECT_EQ(suite_seed(), 1u);
}

TEST_F(SuiteSeedTest, BusmapSeedIsPassedToRapidCheckKeepingOtherParams) {
  put("RC_PARAMS", "max_success=500");
  put("BUSMAP_SEED", "18446744073709551615");
  const SuiteSeed s = fix_suite_seed();
  EXPECT_TRUE(s.error.empty());
  EXPECT_EQ(s.value, ~std::uint64_t{0});
  EXPECT_EQ(get("RC_PARAMS"), "max_success=500 seed=18446744073709551615");
}

TEST_F(SuiteSeedTest, RapidChecksOwnSeedWinsAndBusmapFollows) {
  put("RC_PARAMS", "verbose_progress=0 seed=42");
  put("BUSMAP_SEED", "7");
  const SuiteSeed s = fix_suite_seed();
  EXPECT_EQ(s.value, 42u);
  EXPECT_EQ(get("RC_PARAMS"), "verbose_progress=0 seed=42");
  EXPECT_EQ(get("BUSMAP_SEED"), "42");
}

TEST_F(SuiteSeedTest, RandomDrawsANewSeedAndMarksIt) {
  put("RC_PARAMS", std::nullopt);
  put("BUSMAP_SEED", "random");
  const SuiteSeed a = fix_suite_seed();
  EXPECT_EQ(get("RC_PARAMS"), "seed=" + std::to_string(a.value));
  put("RC_PARAMS", std::nullopt); // else the seed just written there wins
  put("BUSMAP_SEED", "random");
  const SuiteSeed b = fix_suite_seed();
  EXPECT_TRUE(a.drawn && b.drawn);
  EXPECT_NE(a.value, b.value); // 64 random bits twice: equal once in 2^64
  EXPECT_EQ(get("BUSMAP_SEED"), std::to_string(b.value));
}

TEST_F(SuiteSeedTest, MalformedValuesAreErrors) {
  put("RC_PARAMS", std::nullopt);
  for (const char *bad : {"abc", "10k", "-1", "1 2", "18446744073709551616", "Random"}) {
    put("BUSMAP_SEED", bad);
    EXPECT_NE(fix_suite_seed().error.find("BUSMAP_SEED="), std::string::npos) << bad;
  }
  put("BUSMAP_SEED", std::nullopt);
  put("RC_PARAMS", "seed=0x10");
  EXPECT_NE(fix_suite_seed().error.find("RC_PARAMS"), std::string::npos);
  // "noseed=" is another key, not a seed.
  EXPECT_EQ(rc_seed_of("noseed=3"), "");
  EXPECT_EQ(rc_seed_of("a=1 seed=3 b=2"), "3");
}

} // namespace
} // namespace busmap::testing
