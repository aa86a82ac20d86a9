// The notifier protocol as Linux runs it, seen from a recording driver.
#include "platform/partition.hpp"

#include "tests/support/trace_builder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace busmap::testing {
namespace {

// A driver that records its events and answers from a script.
struct Recorder {
  std::vector<std::string> events;
  int answer = BUSMAP_NOTIFY_OK;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ram;
};
Recorder *current = nullptr;

const char *name(busmap_mem_action a) {
  static const char *names[] = {"GOING_ONLINE", "ONLINE", "CANCEL_ONLINE",
                                "GOING_OFFLINE", "OFFLINE", "CANCEL_OFFLINE"};
  return names[a];
}

const busmap_driver recorder = {
    BUSMAP_ABI_VERSION, "recorder", "records events", 0,
    [](const busmap_platform *p) -> void * {
      p->walk_ram(p->ctx,
                  [](void *, std::uint64_t pfn, std::uint64_t n) {
                    current->ram.emplace_back(pfn, n);
                    return 0;
                  },
                  nullptr);
      return current;
    },
    [](void *) {},
    [](void *d, busmap_mem_action a, std::uint64_t pfn, std::uint64_t n) {
      auto *r = static_cast<Recorder *>(d);
      r->events.push_back(std::string(name(a)) + " " + std::to_string(pfn) + "+" + std::to_string(n));
      return (a == BUSMAP_MEM_GOING_ONLINE || a == BUSMAP_MEM_GOING_OFFLINE) ? r->answer
                                                                            : BUSMAP_NOTIFY_OK;
    },
    [](void *, std::uint64_t) { return BUSMAP_INVALID; },
    nullptr,
    nullptr,
};

struct PartitionTest : ::testing::Test {
  Recorder rec;
  Layout layout = [] {
    Layout l;
    l.blocks = {{0, 16, BlockState::Online},
                {1 * GiB, 16, BlockState::Offline},
                {2 * GiB, 16, BlockState::Online}};
    return l;
  }();
  Partition part{layout};
  std::vector<std::string> checkpoints;
  Partition::Checkpoint cp = [this](std::string_view w) {
    const Block *b = part.memory().find(1 * GiB);
    checkpoints.push_back(std::string(w) + " / " + to_string(b ? b->phase : Phase::Offline));
  };
  void SetUp() override {
    current = &rec;
    ASSERT_TRUE(part.load(recorder));
  }
  // 1 GiB in 64 KiB pages = pfn 16384; 256 MiB = 4096 pages.
  const std::string blk = "16384+4096";
};

// ABI 2: walk_system_ram_range() reports every added block, offline too.
TEST_F(PartitionTest, WalkRamReportsEveryAddedBlockInAscendingOrder) {
  EXPECT_EQ(rec.ram, (std::vector<std::pair<std::uint64_t, std::uint64_t>>{
                         {0, 4096}, {16384, 4096}, {32768, 4096}}));
}

TEST_F(PartitionTest, WalkRamMergesAdjacentBlocks) {
  part.unload();
  ASSERT_TRUE(part.add_block(256 * MiB, 16).performed); // right after the block at 0
  rec.ram.clear();
  ASSERT_TRUE(part.load(recorder));
  EXPECT_EQ(rec.ram, (std::vector<std::pair<std::uint64_t, std::uint64_t>>{
                         {0, 8192}, {16384, 4096}, {32768, 4096}}));
}

// ABI 1 keeps its meaning: online memory only.
TEST_F(PartitionTest, WalkRamOfAnAbi1DriverReportsOnlineRangesOnly) {
  part.unload();
  static const busmap_driver abi1 = [] {
    busmap_driver d = recorder;
    d.abi_version = 1;
    return d;
  }();
  rec.ram.clear();
  ASSERT_TRUE(part.load(abi1));
  EXPECT_EQ(rec.ram, (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{0, 4096}, {32768, 4096}}));
}

TEST_F(PartitionTest, OnlineSendsGoingOnlineThenOnlineWithACheckpointBetween) {
  auto out = part.online_block(1 * GiB, Veto::None, cp);
  EXPECT_TRUE(out.performed);
  EXPECT_EQ(rec.events, (std::vector<std::string>{"GOING_ONLINE " + blk, "ONLINE " + blk}));
  EXPECT_EQ(checkpoints.size(), 1u);
  EXPECT_NE(checkpoints[0].find("going-online"), std::string::npos);
  EXPECT_EQ(part.memory().find(1 * GiB)->phase, Phase::Online);
}

TEST_F(PartitionTest, VetoBeforeTheDriverSendsItOnlyTheCancel) {
  part.online_block(1 * GiB, Veto::Before, cp);
  EXPECT_EQ(rec.events, (std::vector<std::string>{"CANCEL_ONLINE " + blk}));
  EXPECT_TRUE(checkpoints.empty());
  EXPECT_EQ(part.memory().find(1 * GiB)->phase, Phase::Offline);
}

TEST_F(PartitionTest, VetoAfterTheDriverSendsGoingThenCancel) {
  part.online_block(1 * GiB, Veto::After, cp);
  EXPECT_EQ(rec.events, (std::vector<std::string>{"GOING_ONLINE " + blk, "CANCEL_ONLINE " + blk}));
}

TEST_F(PartitionTest, DriverVetoCancelsTheOnline) {
  rec.answer = BUSMAP_NOTIFY_BAD;
  auto out = part.online_block(1 * GiB, Veto::None, cp);
  EXPECT_EQ(out.driver_answer, BUSMAP_NOTIFY_BAD);
  EXPECT_EQ(rec.events, (std::vector<std::string>{"GOING_ONLINE " + blk, "CANCEL_ONLINE " + blk}));
  EXPECT_EQ(part.memory().find(1 * GiB)->phase, Phase::Offline);
}

TEST_F(PartitionTest, OfflineMigratesAtACheckpointThenSendsOffline) {
  part.online_block(1 * GiB, Veto::None, nullptr);
  rec.events.clear();
  part.offline_block(1 * GiB, Veto::None, false, cp);
  EXPECT_EQ(rec.events, (std::vector<std::string>{"GOING_OFFLINE " + blk, "OFFLINE " + blk}));
  ASSERT_EQ(checkpoints.size(), 1u);
  EXPECT_NE(checkpoints[0].find("going-offline"), std::string::npos);
  EXPECT_EQ(part.memory().find(1 * GiB)->phase, Phase::Offline);
}

TEST_F(PartitionTest, MigrationFailureCancelsTheOffline) {
  part.online_block(1 * GiB, Veto::None, nullptr);
  rec.events.clear();
  part.offline_block(1 * GiB, Veto::None, true, cp);
  EXPECT_EQ(rec.events, (std::vector<std::string>{"GOING_OFFLINE " + blk, "CANCEL_OFFLINE " + blk}));
  EXPECT_EQ(part.memory().find(1 * GiB)->phase, Phase::Online);
}

TEST_F(PartitionTest, VetoedOfflineIsCancelledForEveryNotifier) {
  part.offline_block(0, Veto::Before, false, cp);
  EXPECT_EQ(rec.events, (std::vector<std::string>{"CANCEL_OFFLINE 0+4096"}));
  EXPECT_EQ(part.memory().find(0)->phase, Phase::Online);
}

TEST_F(PartitionTest, RequestsForBlocksInTheWrongStateSendNoEvent) {
  EXPECT_FALSE(part.online_block(0, Veto::None, cp).performed);
  EXPECT_FALSE(part.offline_block(1 * GiB, Veto::None, false, cp).performed);
  EXPECT_FALSE(part.online_block(5 * GiB, Veto::None, cp).performed);
  EXPECT_FALSE(part.remove_block(0).performed);
  EXPECT_TRUE(rec.events.empty());
}

TEST_F(PartitionTest, AddAndRemoveChangePartitionMemory) {
  EXPECT_FALSE(part.add_block(0, 1).performed);
  EXPECT_TRUE(part.add_block(8 * GiB, 16).performed);
  EXPECT_EQ(part.memory().assigned_sections(), 64u);
  EXPECT_TRUE(part.remove_block(1 * GiB).performed);
  EXPECT_EQ(part.memory().assigned_sections(), 48u);
}

TEST_F(PartitionTest, ReclaimIsRefusedWhileAnMrHoldsThePages) {
  std::uint64_t h;
  ASSERT_EQ(part.abi().h_alloc_mr(part.abi().ctx, part.abi().bus_start, 4096, &h), BUSMAP_H_SUCCESS);
  std::uint64_t page = 1 * GiB;
  ASSERT_EQ(part.abi().h_register_pages(part.abi().ctx, h, &page, 1), BUSMAP_H_SUCCESS);
  auto out = part.remove_block(1 * GiB);
  EXPECT_FALSE(out.performed);
  EXPECT_NE(out.note.find("refuses reclaim"), std::string::npos);
  ASSERT_EQ(part.abi().h_free_mr(part.abi().ctx, h), BUSMAP_H_SUCCESS);
  EXPECT_TRUE(part.remove_block(1 * GiB).performed);
}

TEST_F(PartitionTest, GiganticQueryAndLogAreServed) {
  Layout l = layout;
  l.gigantic = {16 * GiB};
  l.blocks.push_back({16 * GiB, 1024, BlockState::Online});
  Partition p(l);
  EXPECT_TRUE(p.abi().is_gigantic(p.abi().ctx, (16 * GiB) >> 16));
  EXPECT_TRUE(p.abi().is_gigantic(p.abi().ctx, ((32 * GiB) >> 16) - 1));
  EXPECT_FALSE(p.abi().is_gigantic(p.abi().ctx, (32 * GiB) >> 16));
  p.abi().log(p.abi().ctx, BUSMAP_LOG_ERR, "boom");
  EXPECT_EQ(p.log_count(BUSMAP_LOG_ERR), 1u);
  EXPECT_EQ(p.log_count(BUSMAP_LOG_ERR - 1), 0u);
}

} // namespace
} // namespace busmap::testing
