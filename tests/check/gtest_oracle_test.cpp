// The GoogleTest entry point as a driver project uses it: the whole oracle
// on `simple` as one macro, and proof that the same entry point fails (with
// the shrunk trace in the message) on a broken driver.
#include "impl/drivers.hpp"
#include "properties/gtest_oracle.hpp"
#include "tests/support/patient.hpp"

#include <gtest/gtest-spi.h>

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

} // namespace
