//===- tests/stress/stress_test.cpp - busmap stress bites and does not ----===//
//
// The free-running mode (properties/stress.hpp) runs translations on real
// threads beside the driver's updates.  The correct drivers hold: radix and
// simple, and two plain-C drivers written against driver.h alone
// (published_array.c and the C example).  A lookup that overlaps the
// events of one operation may see the state between them (GOING_OFFLINE
// answered, then CANCEL_OFFLINE after a failed migration), and the judge
// accepts it.  A driver that answers wrong while it updates is caught by
// the answer check; the lock-free eHEA lookup of the blocks it frees is
// caught by ThreadSanitizer in the tsan preset.
//
// Scheduling decides what a free-running thread sees, so the two tests
// that need a lookup at a given moment use a driver that waits for one:
// its notify() spins until a data-path thread has translated an address of
// the event's block, so the overlap happens on every run.
//
//===----------------------------------------------------------------------===//
#include "impl/drivers.hpp"
#include "properties/oracle.hpp"
#include "properties/plugin.hpp"
#include "properties/stress.hpp"
#include "tests/support/frees_after_restart.hpp"
#include "tests/support/trace_builder.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace busmap {
namespace {

using testing::GiB;
using testing::MiB;
using testing::TraceBuilder;

StressOptions short_run(std::chrono::milliseconds duration = std::chrono::milliseconds(1500)) {
  StressOptions o;
  o.threads = 2;
  o.duration = duration;
  o.events.seed = 7;
  o.events.case_timeout = std::chrono::minutes(5); // no verdict by machine speed
  return o;
}

void expect_holds(const busmap_driver &d) {
  const StressResult r = stress(d, short_run());
  EXPECT_FALSE(r.failure) << r.invariant << "\n" << r.failure.value_or("");
  EXPECT_GT(r.translations, 0u); // the threads did translate beside the events
}

TEST(Stress, RadixHolds) { expect_holds(drivers::radix); }
TEST(Stress, SimpleHolds) { expect_holds(drivers::simple); }

TEST(Stress, PlainCLockFreeDriverHolds) {
  const Plugin plugin = Plugin::open(PUBLISHED_ARRAY_PLUGIN);
  expect_holds(plugin.driver());
}

// Read sections and synchronize_rcu() are real in stress: the RCU build
// frees the replaced array with traffic running, after a grace period.
TEST(Stress, PlainCRcuDriverHolds) {
  const Plugin plugin = Plugin::open(PUBLISHED_ARRAY_RCU_PLUGIN);
  expect_holds(plugin.driver());
}

// Lock words really wait in stress: lookups and the publish share one.
TEST(Stress, PlainCLockedDriverHolds) {
  const Plugin plugin = Plugin::open(PUBLISHED_ARRAY_LOCKED_PLUGIN);
  expect_holds(plugin.driver());
}

TEST(Stress, ExampleDriverHolds) {
  const Plugin plugin = Plugin::open(EXAMPLE_DRIVER_PLUGIN);
  expect_holds(plugin.driver());
}

// --- A driver that waits for the data path. -----------------------------------

/// radix, whose notify() of `At` first waits until a data-path thread has
/// translated an address of the event's range.  With `WrongMeanwhile`,
/// the translations made while it waits answer one page too high: a
/// lookup that reads a half-updated table.
template <busmap_mem_action At, bool WrongMeanwhile> struct WaitsForTheDataPath {
  inline static std::atomic<std::uint64_t> first{0}, end{0}; // the range waited on
  inline static std::atomic<bool> seen{false};
  inline static std::uint32_t page_shift = 0; // the platform's, from load()

  static void *load(const busmap_platform *p) {
    page_shift = p->page_shift;
    return drivers::radix.load(p);
  }
  static void unload(void *d) { drivers::radix.unload(d); }
  static int notify(void *d, busmap_mem_action action, std::uint64_t pfn, std::uint64_t n) {
    if (action == At) {
      first = pfn << page_shift, end = (pfn + n) << page_shift, seen = false;
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
      while (!seen && std::chrono::steady_clock::now() < deadline)
        std::this_thread::yield();
      end = 0;
    }
    return drivers::radix.notify(d, action, pfn, n);
  }
  static std::uint64_t translate(void *d, std::uint64_t phys) {
    const std::uint64_t bus = drivers::radix.translate(d, phys);
    if (phys < first || phys >= end)
      return bus;
    seen = true;
    return WrongMeanwhile && bus != BUSMAP_INVALID ? bus + 0x1000 : bus;
  }
  static int xmit(void *d, std::uint64_t phys, std::uint32_t len) {
    return drivers::radix.xmit(d, phys, len);
  }
  static int refill_rx(void *d, std::uint64_t phys, std::uint32_t len) {
    return drivers::radix.refill_rx(d, phys, len);
  }
  static constexpr busmap_driver driver{BUSMAP_ABI_VERSION,   "waits-for-the-data-path",
                                        "radix, waiting for a lookup", BUSMAP_DRIVER_CANONICAL,
                                        load, unload, notify, translate, xmit, refill_rx};
};

/// One event whose block the threads read while the driver waits.
StressOptions around(Trace t) {
  StressOptions o = short_run(std::chrono::milliseconds(500));
  o.trace = std::move(t);
  return o;
}

// An offline whose migration fails: radix unmaps the block at GOING_OFFLINE
// and maps it again at CANCEL_OFFLINE.  A lookup made between the two
// answers a miss, which neither the step's start nor its end has: the
// state between the events, which a judge of step states alone would
// reject in a correct driver.
TEST(Stress, ALookupBetweenTheEventsOfOneOperationSeesTheStateBetweenThem) {
  const busmap_driver &d = WaitsForTheDataPath<BUSMAP_MEM_CANCEL_OFFLINE, false>::driver;
  const StressResult r = stress(d, around(TraceBuilder()
                                              .block(0, 256 * MiB)
                                              .block(1 * GiB, 256 * MiB)
                                              .load()
                                              .offline(1 * GiB, Veto::None, /*migrate_fail=*/true)
                                              .build()));
  EXPECT_FALSE(r.failure) << r.failure.value_or("");
  EXPECT_GT(r.translations, 0u);
}

// A lookup that answers wrong while the driver updates is caught.
TEST(Stress, AWrongAnswerDuringAnUpdateIsCaught) {
  const busmap_driver &d = WaitsForTheDataPath<BUSMAP_MEM_GOING_OFFLINE, true>::driver;
  const StressResult r = stress(
      d, around(TraceBuilder().block(0, 256 * MiB).block(1 * GiB, 256 * MiB).load().offline(1 * GiB).build()));
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.invariant, inv::Race);
  EXPECT_NE(r.failure->find("on a data-path thread answers one of the states it overlapped"),
            std::string::npos)
      << *r.failure;
}

#if defined(__SANITIZE_THREAD__)
using testing::frees_after_restart; // radix in eHEA's order (tests/support)

/// The run of `d` is flagged, in whichever of three ways the scheduling
/// gives first: ThreadSanitizer reports a data race between the update
/// (unlinking a block, or the allocator poisoning it as it is freed) and a
/// lookup's read; or the lookup reads the poison before any report and
/// answers wrong (race-answer) or follows a poisoned pointer
/// (ThreadSanitizer's SEGV report).
void expect_flagged(const busmap_driver &d) {
  const StressResult r = stress(d, short_run(std::chrono::seconds(20)));
  ASSERT_TRUE(r.failure);
  if (r.invariant == inv::Race)
    return;
  EXPECT_EQ(r.invariant, inv::Crash) << *r.failure;
  const bool race = r.failure->find("SUMMARY: ThreadSanitizer: data race") != std::string::npos;
  const bool poisoned_pointer = r.failure->find("SUMMARY: ThreadSanitizer: SEGV") != std::string::npos;
  EXPECT_TRUE(race || poisoned_pointer) << *r.failure;
}

TEST(Stress, ThreadSanitizerFlagsAFreeAfterTheRestartThatRacesALookup) {
  expect_flagged(frees_after_restart);
}

// The RCU build without its synchronize_rcu() frees an array a lookup that
// began before the publish may still read: the grace period is what makes
// the other build safe.
TEST(Stress, ThreadSanitizerFlagsAFreeWithoutAGracePeriod) {
  const Plugin plugin = Plugin::open(PUBLISHED_ARRAY_RCU_NO_GRACE_PLUGIN);
  expect_flagged(plugin.driver());
}

// eHEA frees an emptied table block with its ports running and its lookup
// takes no lock: ThreadSanitizer reports the free racing a lookup, unless
// the lookup answers from the poison first.
TEST(Stress, ThreadSanitizerFlagsTheLockFreeEheaLookup) { expect_flagged(drivers::ehea); }
#endif

} // namespace
} // namespace busmap
