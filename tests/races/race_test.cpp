//===- tests/races/race_test.cpp - race-answer bites and does not ----------===//
//
// A translation racing the driver's handling of an event (race=AT:ADDR) must
// answer the map before or after the event.  Two drivers that read a table
// block they have just freed are caught, each only because of the race: the
// real eHEA design (ehea_rem_sect frees an emptied block, then unlinks it)
// and the radix mutant that retires a block in that order.  The correct
// drivers (radix, simple, and published_array.c, a plain-C driver written
// against driver.h alone) publish the new table before they free the old one
// and hold with a race at every preemption point of every step of a trace
// that grows, shrinks and collapses their tables, and of steps whose events
// undo each other (a race between them reads the window's map).  (The C example plugin
// publishes before it frees too, but answers a miss while it holds no MR in
// mid re-registration, which race-answer reports: docs/CHECKING.md.)
//
//===----------------------------------------------------------------------===//
#include "impl/drivers.hpp"
#include "impl/mutants/mutants.hpp"
#include "impl/registry.hpp"
#include "properties/checker.hpp"
#include "properties/oracle.hpp"
#include "properties/plugin.hpp"
#include "tests/support/frees_after_restart.hpp"
#include "tests/support/trace_builder.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace busmap {
namespace {

using testing::GiB;
using testing::MiB;
using testing::TiB;
using testing::TraceBuilder;

/// The radix mutant a race catches: an emptied table block is freed while
/// the table still links it (docs/MUTANTS.md).
const busmap_driver &freed_while_linked = mutants::block_freed_while_linked;

using testing::frees_after_restart; // radix in eHEA's order (tests/support)

/// A block alone in its table leaf (16 MiB sections: eHEA's leaf spans
/// 128 GiB, radix's 16 GiB), next to one that stays.  Offlining it frees
/// that leaf after the new MR is registered.
Trace lone_leaf_offline(std::vector<Race> races) {
  Trace t = TraceBuilder().block(0, 16 * MiB).block(1 * TiB, 16 * MiB).load().offline(1 * TiB).build();
  t.ops.back().races = std::move(races);
  return t;
}

/// The verdict of `t` run the way commands run driver code (a child process).
TraceRun isolated(const busmap_driver &d, const Trace &t) {
  IsolationOptions o;
  o.timeout = std::chrono::minutes(10); // no verdict by machine speed
  return run_trace(d, t, t.mode, o);
}

/// Reading the freed leaf is caught: a poisoned entry decodes to a wrong bus
/// address (race-answer); under AddressSanitizer the read itself is reported.
void expect_freed_read_caught(const TraceRun &r) {
  ASSERT_TRUE(r.violation) << r.report;
#if defined(__SANITIZE_ADDRESS__)
  EXPECT_EQ(r.violation->invariant, inv::Crash) << r.report;
  EXPECT_NE(r.violation->actual.find("heap-use-after-free"), std::string::npos) << r.report;
#else
  EXPECT_EQ(r.violation->invariant, inv::Race) << r.report;
  EXPECT_NE(r.violation->actual.find("6b6b6b6b"), std::string::npos) << r.report;
#endif
}

/// The preemption points at which the driver frees something while
/// handling step `step` of `t`, in order: found from the journal, so that
/// the tests do not hard-code the driver's count of firmware calls.
std::vector<std::uint32_t> free_points(const busmap_driver &d, const Trace &t, std::size_t step) {
  Trace probe = t;
  if (step >= probe.ops.size())
    return {};
  for (std::uint32_t k = 1; k < 4096; ++k)
    probe.ops[step].races.push_back({k, 0});
  std::vector<std::uint32_t> found;
  OracleOptions o;
  o.trace_out = [&](std::string_view text) {
    for (auto at = text.find("inside free(): translate(0x0)"); at != std::string_view::npos;
         at = text.find("inside free(): translate(0x0)", at + 1)) {
      const auto race = text.rfind("race ", at);
      found.push_back(
          static_cast<std::uint32_t>(std::stoul(std::string(text.substr(race + 5, at - race - 5)))));
    }
  };
  // A translation of 0 reads only the block that stays: safe for any driver.
  EXPECT_TRUE(Oracle(d, o).run(probe).pass());
  return found;
}

std::uint32_t first_free_point(const busmap_driver &d, const Trace &t, std::size_t step) {
  const auto points = free_points(d, t, step);
  return points.empty() ? 0 : points.front();
}

TEST(RaceAnswer, CatchesEheaReadingTheLeafItFreed) {
  const std::uint32_t k = first_free_point(drivers::ehea, lone_leaf_offline({}), 1);
  ASSERT_GT(k, 0u);
  const Trace quiet = lone_leaf_offline({});
  EXPECT_FALSE(isolated(drivers::ehea, quiet).violation) << "ehea fails without the race";
  expect_freed_read_caught(isolated(drivers::ehea, lone_leaf_offline({{k, 1 * TiB + 0x1000}})));
  // One point later the leaf is unlinked: the same translation misses, as
  // the map after the offline does.
  EXPECT_FALSE(isolated(drivers::ehea, lone_leaf_offline({{k + 1, 1 * TiB + 0x1000}})).violation);
}

/// A block at 2^60, alone on its path of inner nodes, offlined: radix frees
/// its leaf and then the inner nodes above it.  A freed leaf reads as a miss
/// (its poisoned span holds no index), which the map after the offline
/// allows; a freed inner node's poisoned child pointer is followed.
Trace lone_path_offline(std::vector<Race> races) {
  constexpr std::uint64_t Far = std::uint64_t{1} << 60;
  Trace t = TraceBuilder().block(0, 16 * MiB).block(Far, 16 * MiB).load().offline(Far).build();
  t.ops.back().races = std::move(races);
  return t;
}

TEST(RaceAnswer, CatchesTheRadixMutantThatFreesALinkedBlock) {
  constexpr std::uint64_t Reader = (std::uint64_t{1} << 60) + 0x1000;
  // Found with the same order of frees, unlinked first (the mutant, run in
  // this process, would fault on the freed root the reader of 0 goes through).
  const auto points = free_points(frees_after_restart, lone_path_offline({}), 1);
  ASSERT_FALSE(points.empty());
  EXPECT_FALSE(isolated(freed_while_linked, lone_path_offline({})).violation);
  // The step's frees: the page list's buffer, the leaf, the inner nodes.
  std::optional<TraceRun> caught;
  std::uint32_t at = 0;
  for (const std::uint32_t k : points) {
    TraceRun r = isolated(freed_while_linked, lone_path_offline({{k, Reader}}));
    if (!caught && r.violation) {
      caught = std::move(r);
      at = k;
    }
  }
  ASSERT_TRUE(caught) << "no free of the step is caught";
#if defined(__SANITIZE_ADDRESS__)
  EXPECT_NE(caught->violation->actual.find("heap-use-after-free"), std::string::npos)
      << caught->report;
#else
  // The poisoned pointer (0x6b6b...) faults in the racing translate.
  EXPECT_EQ(caught->violation->invariant, inv::Crash) << caught->report;
  EXPECT_NE(caught->report.find("translate() racing an event"), std::string::npos)
      << caught->report;
#endif
  // Each block unlinked first, a race at every one of them holds.
  for (const std::uint32_t k : points)
    EXPECT_FALSE(isolated(frees_after_restart, lone_path_offline({{k, Reader}})).violation) << k;
  // radix frees with traffic stopped: none of its frees is a point.
  EXPECT_TRUE(free_points(drivers::radix, lone_path_offline({}), 1).empty());
  EXPECT_GT(at, 0u);
}

TEST(RaceAnswer, ReplayRepeatsTheInterleaving) {
  // This offline has two points (start_traffic, the leaf's free): the
  // hcalls of its re-registration run while traffic is stopped.
  const Trace t = lone_leaf_offline({{1, 0x1000}, {1, 1 * TiB}, {2, 1 * TiB + 0x1000}});
  auto journal = [&] {
    std::string text;
    OracleOptions o;
    o.trace_out = [&](std::string_view s) { text += s; };
    EXPECT_TRUE(Oracle(frees_after_restart, o).run(t).pass());
    return text;
  };
  const std::string first = journal();
  EXPECT_NE(first.find("race 2 inside free()"), std::string::npos) << first;
  EXPECT_EQ(first, journal());
}

// --- No false alarm: a race at every preemption point. ------------------------

/// Hot-add into the middle (re-ranking), a sparse block at 2^60 whose tree
/// path is freed and grown again (inner nodes, the root collapsing).
Trace table_churn() {
  constexpr std::uint64_t high = 1ull << 60;
  return TraceBuilder()
      .block(0, 16 * MiB)
      .block(1 * GiB, 16 * MiB, BlockState::Offline)
      .block(high, 16 * MiB)
      .load()
      .online(1 * GiB)
      .offline(high)
      .online(high)
      .offline(1 * GiB)
      .online(1 * GiB)
      .build();
}

/// Addresses in the block that stays, the blocks that change, and none.
const std::vector<std::uint64_t> probes = {0x1000, 1 * GiB + 0x2000, (1ull << 60) + 0x3000,
                                           0x2000000000};

/// table_churn() with a race on 0x1000 (in the block every step keeps) at
/// points 1 to `points` - 1 of every step, and `o` set to gather its
/// journal into `journal`.
Trace churn_racing_everywhere(std::uint32_t points, OracleOptions &o, std::string &journal) {
  Trace t = table_churn();
  for (auto &op : t.ops)
    for (std::uint32_t k = 1; k < points; ++k)
      op.races.push_back({k, 0x1000});
  o.trace_out = [&journal](std::string_view text) { journal += text; };
  return t;
}

/// Runs `base` once per preemption point k of every online and offline
/// step, with a race of every probe address at k; every run must hold.
/// Answers the number of points raced.
std::size_t expect_every_point_holds(const busmap_driver &d, const Trace &base) {
  std::size_t raced = 0;
  for (std::size_t step = 0; step < base.ops.size(); ++step) {
    if (base.ops[step].kind != OpKind::Online && base.ops[step].kind != OpKind::Offline)
      continue;
    for (std::uint32_t k = 1;; ++k) {
      Trace t = base;
      for (std::uint64_t a : probes)
        t.ops[step].races.push_back({k, a});
      bool past = false;
      OracleOptions o;
      o.on_step = [&](const StepRecord &r) {
        if (r.index == step && !r.race_paths.empty())
          past = r.race_paths.front().starts_with("race past");
      };
      const Verdict v = Oracle(d, o).run(t);
      EXPECT_TRUE(v.pass()) << d.name << ", step " << step << ", race at " << k << ":\n"
                            << v.describe();
      if (!v.pass() || past)
        break;
      ++raced;
      if (k > 4096) {
        ADD_FAILURE() << "step " << step << " never runs out of preemption points";
        break;
      }
    }
  }
  return raced;
}

/// Steps whose events undo each other: another notifier vetoes after the
/// driver accepted GOING_ONLINE (CANCEL_ONLINE follows), an offline's page
/// migration fails after GOING_OFFLINE (CANCEL_OFFLINE), and the same after
/// a veto of GOING_OFFLINE.  Between the two events the driver's map is
/// the window's (the new block mapped, the leaving one unmapped), which
/// neither the map before the step nor the one after it shows: a race
/// there must be judged against the state between the events.
Trace undone_steps() {
  constexpr std::uint64_t high = 1ull << 60;
  return TraceBuilder()
      .block(0, 16 * MiB)
      .block(1 * GiB, 16 * MiB, BlockState::Offline)
      .block(high, 16 * MiB)
      .load()
      .online(1 * GiB, Veto::After)
      .offline(high, Veto::None, /*migrate_fail=*/true)
      .offline(high, Veto::After)
      .build();
}

// The counts below are the points each driver passes with traffic running
// (traffic stops before the map changes, so the allocations, hcalls and
// frees of an update fall inside the stop and are not points; what the
// driver does after the restart is):
// a floor a little under today's, so the sweep cannot pass by racing nothing.
TEST(RaceAnswer, RacesBetweenEventsThatUndoEachOtherReadTheWindow) {
  EXPECT_GT(expect_every_point_holds(drivers::radix, undone_steps()), 5u);
  EXPECT_GT(expect_every_point_holds(frees_after_restart, undone_steps()), 12u);
  EXPECT_GT(expect_every_point_holds(drivers::simple, undone_steps()), 30u);
  const Plugin published = Plugin::open(PUBLISHED_ARRAY_PLUGIN);
  EXPECT_GT(expect_every_point_holds(published.driver(), undone_steps()), 4u);
  const Plugin example = Plugin::open(EXAMPLE_DRIVER_PLUGIN);
  EXPECT_GT(expect_every_point_holds(example.driver(), undone_steps()), 4u);
}

// The state between the events widens what a race may answer by that
// state's map only: eHEA's read of the leaf it frees inside GOING_OFFLINE
// is still caught when the migration then fails and CANCEL_OFFLINE follows.
TEST(RaceAnswer, AFreedReadBetweenEventsThatUndoEachOtherIsStillCaught) {
  auto undone = [](std::vector<Race> races) {
    Trace t = lone_leaf_offline(std::move(races));
    t.ops.back().migrate_fail = true;
    return t;
  };
  const std::uint32_t k = first_free_point(drivers::ehea, undone({}), 1);
  ASSERT_GT(k, 0u);
  EXPECT_FALSE(isolated(drivers::ehea, undone({})).violation) << "ehea fails without the race";
  expect_freed_read_caught(isolated(drivers::ehea, undone({{k, 1 * TiB + 0x1000}})));
}

TEST(RaceAnswer, RadixHoldsWithARaceAtEveryPoint) {
  EXPECT_GT(expect_every_point_holds(drivers::radix, table_churn()), 8u);
  EXPECT_GT(expect_every_point_holds(frees_after_restart, table_churn()), 12u);
}

TEST(RaceAnswer, SimpleHoldsWithARaceAtEveryPoint) {
  EXPECT_GT(expect_every_point_holds(drivers::simple, table_churn()), 25u);
}

TEST(RaceAnswer, PlainCLockFreeDriverHoldsWithARaceAtEveryPoint) {
  const Plugin plugin = Plugin::open(PUBLISHED_ARRAY_PLUGIN);
  EXPECT_TRUE(Oracle(plugin.driver()).run(table_churn()).pass());
  EXPECT_GT(expect_every_point_holds(plugin.driver(), table_churn()), 4u);
  // The RCU build frees after the restart, past more points.
  const Plugin rcu = Plugin::open(PUBLISHED_ARRAY_RCU_PLUGIN);
  EXPECT_TRUE(Oracle(rcu.driver()).run(table_churn()).pass());
  EXPECT_GT(expect_every_point_holds(rcu.driver(), table_churn()), 8u);
}

// The C example driver frees its MR and answers misses between
// stop_traffic() and start_traffic(): no race runs there (nothing is
// translated while the queues are stopped), so it holds.
TEST(RaceAnswer, ExampleDriverHoldsWithARaceAtEveryPoint) {
  const Plugin plugin = Plugin::open(EXAMPLE_DRIVER_PLUGIN);
  EXPECT_TRUE(Oracle(plugin.driver()).run(table_churn()).pass());
  EXPECT_GT(expect_every_point_holds(plugin.driver(), table_churn()), 4u);
}

// No data-path translation runs while a driver has traffic stopped
// (netif_tx_disable, napi_disable): the callbacks of a re-registration,
// made between stop_traffic() and start_traffic(), are not preemption
// points, while the frees after the restart (of a driver that frees then,
// as eHEA does), and start_traffic()'s return, are.
TEST(RaceAnswer, CallbacksWhileTrafficIsStoppedAreNotPreemptionPoints) {
  std::string journal;
  OracleOptions o;
  const Trace t = churn_racing_everywhere(256, o, journal);
  ASSERT_TRUE(Oracle(frees_after_restart, o).run(t).pass());
  EXPECT_NE(journal.find("inside start_traffic()"), std::string::npos) << journal;
  EXPECT_NE(journal.find("inside free()"), std::string::npos) << journal;
  for (const char *stopped : {"inside stop_traffic()", "inside h_free_mr()", "inside h_alloc_mr()",
                              "inside h_register_pages()", "inside rewrite_rx()"})
    EXPECT_EQ(journal.find(stopped), std::string::npos) << stopped << "\n" << journal;
}

/// An online that re-ranks the block the race reads (radix re-registers
/// its MR), with a race at point `at`.
Trace reranking_online(std::uint32_t at) {
  return TraceBuilder()
      .block(0, 16 * MiB, BlockState::Offline)
      .block(16 * MiB, 16 * MiB)
      .load()
      .online(0)
      .race(at, 16 * MiB + 0x1000)
      .build();
}

// A racing hit is judged by where it lands, not by which map it came from.
// mr-freed-before-stop changes its map and replaces its MR with traffic
// running: a translation racing the replacement answers the new map's bus
// address (the map after the event, which a before-or-after reading would
// accept) while no MR holds it yet.  Any packet posted with it fails on the
// adapter, so it is caught; radix, which stops traffic first, holds.
TEST(RaceAnswer, AHitIsJudgedByWhereItLandsNotByWhichMapItCameFrom) {
  // A block onlined below the one the race reads moves it up one rank.
  const auto trace = reranking_online;
  const busmap_driver &unquiesced = *find_implementation("mr-freed-before-stop")->driver;
  std::optional<TraceRun> caught;
  for (std::uint32_t at = 1; at < 32 && !caught; ++at) {
    TraceRun r = isolated(unquiesced, trace(at));
    if (r.violation && r.violation->invariant == inv::Race)
      caught = std::move(r);
  }
  ASSERT_TRUE(caught) << "no race of the online is caught";
  // The answer is the map after the event (rank 1), which no MR holds yet.
  EXPECT_NE(caught->violation->actual.find("0x8000000001001000, which no live MR holds"),
            std::string::npos)
      << caught->report;
  EXPECT_NE(caught->violation->expected.find("after (0x8000000001001000)"), std::string::npos)
      << caught->report;
  for (std::uint32_t at = 1; at < 32; ++at)
    EXPECT_FALSE(isolated(drivers::radix, trace(at)).violation) << at;
}

// ABI 1 has no data path: nothing translates while such a driver handles
// an event, so it is never raced (the ABI 1 build of the C example answers
// a miss while it holds no MR in mid re-registration, which an ABI 2 driver
// would do with traffic stopped).
TEST(RaceAnswer, AnAbi1DriverIsNeverRaced) {
  const Plugin abi1 = Plugin::open(EXAMPLE_DRIVER_ABI1_PLUGIN);
  ASSERT_EQ(abi1.driver().abi_version, 1u);
  std::string journal;
  std::size_t no_ops = 0;
  OracleOptions o;
  const Trace t = churn_racing_everywhere(64, o, journal);
  o.on_step = [&](const StepRecord &r) {
    for (const std::string &path : r.race_paths)
      no_ops += path.starts_with("race past");
  };
  EXPECT_TRUE(Oracle(abi1.driver(), o).run(t).pass());
  EXPECT_EQ(journal.find("on a second thread"), std::string::npos) << journal;
  EXPECT_GT(no_ops, 5 * 63u);
  // The same trace on the ABI 2 build races.
  journal.clear();
  const Plugin abi2 = Plugin::open(EXAMPLE_DRIVER_PLUGIN);
  EXPECT_TRUE(Oracle(abi2.driver(), o).run(t).pass());
  EXPECT_NE(journal.find("on a second thread"), std::string::npos) << journal;
}

// --- A data path that waits on the driver's lock. ----------------------------

/// radix with a lock word: its translate() takes the word, and its notify()
/// holds it while it logs the event with traffic running, as a driver that
/// keeps per-event bookkeeping under its own lock does.  `Order` says where
/// notify() takes the word: after radix's update (correct), around it (so
/// the update's stop_traffic() runs with the word held), or after it and
/// without giving it back.
enum class Order { AfterUpdate, AroundUpdate, NeverUnlocked };

template <Order O> struct LockedRadix {
  const busmap_platform *p;
  void *radix;
  std::uint32_t word;

  static LockedRadix &of(void *drv) { return *static_cast<LockedRadix *>(drv); }
  void lock() { p->lock(p->ctx, &word); }
  void unlock() { p->unlock(p->ctx, &word); }

  static void *load(const busmap_platform *p) {
    auto *d = static_cast<LockedRadix *>(p->alloc(p->ctx, sizeof(LockedRadix)));
    if (!d)
      return nullptr;
    *d = {p, drivers::radix.load(p), 0};
    if (d->radix)
      return d;
    p->free(p->ctx, d);
    return nullptr;
  }
  static void unload(void *drv) {
    LockedRadix &d = of(drv);
    drivers::radix.unload(d.radix);
    d.p->free(d.p->ctx, &d);
  }
  static int notify(void *drv, busmap_mem_action action, std::uint64_t pfn, std::uint64_t n) {
    LockedRadix &d = of(drv);
    if (O == Order::AroundUpdate)
      d.lock();
    const int rc = drivers::radix.notify(d.radix, action, pfn, n);
    if (O != Order::AroundUpdate)
      d.lock();
    d.p->log(d.p->ctx, BUSMAP_LOG_DEBUG, "locked-radix: event seen");
    if (O != Order::NeverUnlocked)
      d.unlock();
    return rc;
  }
  static std::uint64_t translate(void *drv, std::uint64_t phys) {
    LockedRadix &d = of(drv);
    d.lock();
    const std::uint64_t bus = drivers::radix.translate(d.radix, phys);
    d.unlock();
    return bus;
  }
  static int xmit(void *drv, std::uint64_t phys, std::uint32_t len) {
    return drivers::radix.xmit(of(drv).radix, phys, len);
  }
  static int refill_rx(void *drv, std::uint64_t phys, std::uint32_t len) {
    return drivers::radix.refill_rx(of(drv).radix, phys, len);
  }
  static constexpr busmap_driver driver{BUSMAP_ABI_VERSION, "locked-radix", "radix behind a lock word",
                                        BUSMAP_DRIVER_CANONICAL, load, unload, notify, translate,
                                        xmit, refill_rx};
};

// A translation that finds the driver's lock held waits, and answers once
// the driver's thread unlocks it: with the map and the MR of after the
// update, which is right.  Treating the held lock as a deadlock (what the
// harness did before) rejects a correct driver.
TEST(RaceAnswer, ATranslationWaitsForTheDriversLockAndAnswersAfterTheUnlock) {
  const busmap_driver &d = LockedRadix<Order::AfterUpdate>::driver;
  std::size_t waited = 0;
  for (std::uint32_t at = 1; at <= 8; ++at) {
    std::string journal;
    OracleOptions o;
    o.trace_out = [&](std::string_view text) { journal += text; };
    EXPECT_TRUE(Oracle(d, o).run(reranking_online(at)).pass()) << at << "\n" << journal;
    if (journal.find("waits in lock()") == std::string::npos)
      continue;
    ++waited;
    // It answers the bus address of rank 1, after the unlock.
    EXPECT_NE(journal.find("translate(0x1001000) on a second thread -> 0x8000000001001000 (after "
                           "the driver's unlock())"),
              std::string::npos)
        << journal;
  }
  EXPECT_GE(waited, 2u); // the points of lock() and of log() with the word held
}

// The same, from a plain-C driver written against driver.h alone: the
// LOCKED build of published_array.c frees the array an append replaced
// under its lock word with traffic running, so a lookup racing that free
// waits for the unlock, and every race of the sweep holds.
TEST(RaceAnswer, PlainCLockedDriverHoldsAndItsLookupsWaitForTheLock) {
  const Plugin plugin = Plugin::open(PUBLISHED_ARRAY_LOCKED_PLUGIN);
  EXPECT_GT(expect_every_point_holds(plugin.driver(), table_churn()), 4u);
  std::string journal;
  OracleOptions o;
  const Trace t = churn_racing_everywhere(64, o, journal);
  EXPECT_TRUE(Oracle(plugin.driver(), o).run(t).pass()) << journal;
  EXPECT_NE(journal.find("on a second thread waits in lock()"), std::string::npos) << journal;
  EXPECT_NE(journal.find("(after the driver's unlock())"), std::string::npos) << journal;
}

// Real deadlocks still are verdicts, and the run ends: the update stops
// traffic while a translation waits on the word it holds (netif_tx_disable
// waits for the transmit in flight), or notify() returns holding the word.
TEST(RaceAnswer, ADataPathWaitingOnTheDriversLockDeadlocksAStopOrAnUnreleasedWord) {
  // The race at some point of the online fails the step with `misuse`.
  const auto caught = [](const busmap_driver &d, const char *misuse) {
    for (std::uint32_t at = 1; at <= 8; ++at) {
      TraceRun r = isolated(d, reranking_online(at));
      if (r.violation && r.violation->invariant == inv::CleanFailure &&
          r.violation->actual.find(misuse) != std::string::npos)
        return true;
    }
    return false;
  };
  EXPECT_TRUE(caught(LockedRadix<Order::AroundUpdate>::driver,
                     "stop_traffic() while a racing translate() waits"));
  EXPECT_TRUE(caught(LockedRadix<Order::NeverUnlocked>::driver,
                     "a racing translate() waits in lock() for a word notify() returned holding"));
  // Without a race neither stop_traffic() deadlocks, and the sequential
  // translate() after the step is the first to find the word held.
  EXPECT_FALSE(isolated(LockedRadix<Order::AroundUpdate>::driver,
                        TraceBuilder().block(0, 16 * MiB, BlockState::Offline)
                            .block(16 * MiB, 16 * MiB).load().online(0).build())
                   .violation);
}

} // namespace
} // namespace busmap
