// Split online/offline operations (hotplug windows), is_online(), the
// memory hotplug lock with a load parked in get_online_mems(), and the
// kernel's early refusal to offline a block holding a gigantic page.
#include "platform/partition.hpp"

#include "tests/support/trace_builder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace busmap::testing {
namespace {

// What the window driver saw; one at a time, as the partition hosts one.
struct Seen {
  std::vector<std::string> events;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> online_ram;
  bool take_lock = true, keep_lock = false, extra_put = false;
};
Seen *seen = nullptr;

// Records the online part of the walk, taking the hotplug lock around it
// when told to.
void *window_load(const busmap_platform *p) {
  if (seen->take_lock)
    p->get_online_mems(p->ctx);
  p->walk_ram(
      p->ctx,
      [](void *arg, std::uint64_t pfn, std::uint64_t n) {
        auto *pp = static_cast<const busmap_platform *>(arg);
        if (pp->is_online(pp->ctx, pfn))
          seen->online_ram.emplace_back(pfn, n);
        return 0;
      },
      const_cast<busmap_platform *>(p));
  if (seen->take_lock && !seen->keep_lock)
    p->put_online_mems(p->ctx);
  if (seen->extra_put)
    p->put_online_mems(p->ctx);
  return seen;
}

int window_notify(void *, busmap_mem_action a, std::uint64_t, std::uint64_t) {
  seen->events.push_back(to_string(a));
  return BUSMAP_NOTIFY_OK;
}

const busmap_driver window_driver = {
    BUSMAP_ABI_VERSION, "window", "records what it sees in windows", 0, window_load,
    [](void *) {}, window_notify, [](void *, std::uint64_t) { return BUSMAP_INVALID; },
    nullptr, nullptr,
};

struct WindowTest : ::testing::Test {
  Seen s;
  Layout layout = [] {
    Layout l;
    l.blocks = {{0, 16, BlockState::Online}, {1 * GiB, 16, BlockState::Online},
                {2 * GiB, 16, BlockState::Offline}};
    return l;
  }();
  Partition part{layout};
  void SetUp() override { seen = &s; }
  int online(std::uint64_t addr) { return part.abi().is_online(part.abi().ctx, addr >> 16); }
};

TEST_F(WindowTest, AnOpenOnlineWindowIsOnlineAndRefusesOtherHotplug) {
  OpOutcome going = part.begin_online(2 * GiB, Veto::None);
  EXPECT_EQ(going.path, "window opened");
  EXPECT_EQ(part.memory().find(2 * GiB)->phase, Phase::GoingOnline);
  EXPECT_NE(online(2 * GiB), 0) << "pfn_to_online_page: online from online_pages";
  for (const OpOutcome &o : {part.begin_offline(0, Veto::None), part.add_block(4 * GiB, 16),
                             part.begin_online(2 * GiB, Veto::None)}) {
    EXPECT_FALSE(o.performed);
    EXPECT_EQ(o.path, "refused by the kernel, another hotplug operation in progress");
  }
  OpOutcome done = part.end_window(2 * GiB, false);
  EXPECT_EQ(done.path, "completed");
  EXPECT_EQ(part.memory().find(2 * GiB)->phase, Phase::Online);
  EXPECT_FALSE(part.window());
}

TEST_F(WindowTest, CancelledOnlineGoesBackOffline) {
  part.begin_online(2 * GiB, Veto::None);
  EXPECT_EQ(part.end_window(2 * GiB, true).path, "cancelled after GOING_ONLINE");
  EXPECT_EQ(part.memory().find(2 * GiB)->phase, Phase::Offline);
  EXPECT_EQ(online(2 * GiB), 0);
}

// The sections stay online until __offline_isolated_pages, after migration.
TEST_F(WindowTest, AnOfflineWindowIsOnlineUntilMigrated) {
  EXPECT_EQ(part.begin_offline(1 * GiB, Veto::None).path, "window opened");
  EXPECT_NE(online(1 * GiB), 0);
  EXPECT_EQ(part.migrate(1 * GiB).path, "migrated");
  EXPECT_EQ(online(1 * GiB), 0);
  EXPECT_EQ(part.end_window(1 * GiB, true).path, "refused by the kernel, migration already done");
  EXPECT_EQ(part.end_window(1 * GiB, false).path, "completed");
  EXPECT_EQ(part.memory().find(1 * GiB)->phase, Phase::Offline);
}

TEST_F(WindowTest, PhasesWithoutAnOpenOperationAreRefused) {
  EXPECT_EQ(part.end_window(1 * GiB, false).path,
            "refused by the kernel, no such operation in progress");
  EXPECT_EQ(part.migrate(1 * GiB).path, "refused by the kernel, no such operation in progress");
  part.begin_online(2 * GiB, Veto::None);
  EXPECT_EQ(part.migrate(2 * GiB).path, "refused by the kernel, no such operation in progress");
  EXPECT_EQ(part.end_window(1 * GiB, false).path,
            "refused by the kernel, no such operation in progress");
}

// get_online_mems() parks the load until the offline ends; the loader
// registered after it, so it sees no event of it, and maps what is online then.
TEST_F(WindowTest, ALoadTakingTheLockWaitsForTheWindowToEnd) {
  part.begin_offline(1 * GiB, Veto::None);
  EXPECT_FALSE(part.load(window_driver));
  EXPECT_TRUE(part.loading());
  EXPECT_FALSE(part.loaded());
  EXPECT_TRUE(s.online_ram.empty()) << "the walk has not run yet";
  const OpOutcome done = part.end_window(1 * GiB, false);
  EXPECT_TRUE(done.load_resumed);
  EXPECT_TRUE(done.load_result);
  EXPECT_TRUE(part.loaded());
  EXPECT_TRUE(s.events.empty());
  EXPECT_EQ(s.online_ram, (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{0, 4096}}));
  EXPECT_TRUE(part.misuse().empty());
}

// Without the lock the load runs inside the window and then sees an OFFLINE
// whose GOING_OFFLINE it never saw.
TEST_F(WindowTest, ALoadWithoutTheLockRunsInsideTheWindow) {
  s.take_lock = false;
  part.begin_offline(1 * GiB, Veto::None);
  EXPECT_TRUE(part.load(window_driver));
  EXPECT_EQ(s.online_ram.size(), 2u) << "the migrating block is still online";
  part.end_window(1 * GiB, false);
  EXPECT_EQ(s.events, (std::vector<std::string>{"OFFLINE"}));
}

TEST_F(WindowTest, ADestroyedPartitionFinishesAParkedLoad) {
  {
    Partition p{layout};
    p.begin_online(2 * GiB, Veto::None);
    EXPECT_FALSE(p.load(window_driver));
    EXPECT_TRUE(p.loading());
  }
  EXPECT_FALSE(s.online_ram.empty()) << "the load ran to its end";
}

TEST_F(WindowTest, LockMisuseIsRecorded) {
  s.keep_lock = true;
  ASSERT_TRUE(part.load(window_driver));
  ASSERT_EQ(part.misuse().size(), 1u);
  EXPECT_NE(part.misuse()[0].find("returned holding the memory hotplug lock"), std::string::npos);
  part.unload();
  s.keep_lock = false;
  s.extra_put = true;
  ASSERT_TRUE(part.load(window_driver));
  ASSERT_EQ(part.misuse().size(), 2u);
  EXPECT_EQ(part.misuse()[1], "put_online_mems() without get_online_mems()");
}

// offline_pages isolates the range before MEM_GOING_OFFLINE; a gigantic
// page cannot be isolated, so the kernel fails the offline and sends nothing.
TEST_F(WindowTest, OfflineOfABlockWithAGiganticPageFailsBeforeAnyEvent) {
  Layout l;
  l.blocks = {{0, 2048, BlockState::Online}}; // 32 GiB
  l.gigantic = {16 * GiB};
  Partition p{l};
  ASSERT_TRUE(p.load(window_driver));
  const OpOutcome out = p.offline_block(0, Veto::None, false, nullptr);
  EXPECT_FALSE(out.performed);
  EXPECT_EQ(out.path, "refused by the kernel, a gigantic page cannot be isolated");
  EXPECT_TRUE(s.events.empty());
  EXPECT_EQ(p.memory().find(0)->phase, Phase::Online);
}

} // namespace
} // namespace busmap::testing
