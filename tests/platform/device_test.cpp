// The adapter's data path (ABI 2): what post_tx, post_rx, stop/start and
// rewrite_rx answer and record, directly and through the partition.
#include "platform/device.hpp"
#include "platform/partition.hpp"

#include "tests/support/trace_builder.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace busmap::testing {
namespace {

TEST(Device, RecordsTransmitEntriesWithThePhysicalAddressTheyWerePostedFor) {
  Device d(4);
  std::string why;
  const std::uint64_t bus[] = {0x8000000000001000, 0x8000000000100000};
  const std::uint32_t lens[] = {0x800, 0x100};
  d.posting_for(0x1000);
  ASSERT_EQ(d.post_tx(bus, lens, 2, why), 0) << why;
  ASSERT_EQ(d.tx().size(), 1u);
  EXPECT_EQ(d.tx()[0][0], (PostedBuffer{bus[0], 0x1000, 0x800, true}));
  EXPECT_EQ(d.tx()[0][1], (PostedBuffer{bus[1], 0x1800, 0x100, true}));
  ASSERT_EQ(d.post_tx(bus, lens, 1, why), 0) << why;
  EXPECT_EQ(d.tx()[1][0].phys, 0x1900u) << "a second descriptor of one xmit goes on from the first";
}

TEST(Device, RefusesMalformedDescriptorsAndPostsWhileStopped) {
  Device d(2);
  std::string why;
  const std::uint64_t bus[] = {0x1000, 0x2000, 0x3000};
  const std::uint32_t lens[] = {1, 1, 1};
  const std::uint32_t empty[] = {0};
  EXPECT_EQ(d.post_tx(bus, lens, 3, why), -1);
  EXPECT_EQ(why, "3 entries, the device takes 1..2");
  EXPECT_EQ(d.post_tx(bus, lens, 0, why), -1);
  EXPECT_EQ(d.post_tx(bus, empty, 1, why), -1);
  EXPECT_EQ(d.post_rx(~0ull - 1, 3, why), -1) << "wraps past 2^64";
  EXPECT_EQ(d.post_rx(0x1000, Device::max_entry_bytes + 1, why), -1) << "longer than 64 KiB";
  d.stop();
  EXPECT_EQ(d.post_rx(0x1000, 64, why), -1);
  EXPECT_EQ(why, "traffic is stopped");
  d.start();
  EXPECT_EQ(d.post_rx(0x1000, 64, why), 0);
  EXPECT_EQ(d.post_rx(BUSMAP_INVALID, 1514, why), 0)
      << "the miss value is the driver's bug, recorded for the oracle, not malformed";
  EXPECT_TRUE(d.tx().empty());
  EXPECT_EQ(d.rx().size(), 2u);
}

TEST(Device, RewriteRxOnlyWhileStoppedAndThroughThePostedPhysicalAddress) {
  Device d;
  std::string why;
  d.posting_for(0x4000);
  ASSERT_EQ(d.post_rx(0x8000000000004000, 1500, why), 0);
  d.posting_for(std::nullopt);
  auto plus_one = [](void *, std::uint64_t phys) { return phys + 1; };
  EXPECT_EQ(d.rewrite_rx(plus_one, nullptr, why), -1);
  EXPECT_EQ(why, "traffic is not stopped");
  EXPECT_EQ(d.rx()[0].bus, 0x8000000000004000u);
  d.stop();
  EXPECT_EQ(d.rewrite_rx(plus_one, nullptr, why), 1);
  EXPECT_EQ(d.rx()[0].bus, 0x4001u);
}

TEST(Device, PartitionCallbacksJournalEveryPost) {
  Layout l;
  l.blocks = {{0, 16, BlockState::Online}};
  Partition part{l};
  const busmap_platform &p = part.abi();
  EXPECT_EQ(p.max_sg, Device::default_max_sg);
  EXPECT_EQ(p.post_rx(p.ctx, 0x8000000000000000, 64), 0);
  p.stop_traffic(p.ctx);
  EXPECT_EQ(p.post_rx(p.ctx, 0x8000000000000000, 64), -1);
  EXPECT_TRUE(part.device().stopped());
  const auto &j = part.journal();
  ASSERT_GE(j.size(), 3u);
  EXPECT_EQ(j[0].kind, JournalEntry::Kind::Device);
  EXPECT_EQ(j[0].text, "post_rx(bus 0x8000000000000000, 64 bytes) -> 0");
  EXPECT_EQ(j[2].text, "post_rx(bus 0x8000000000000000, 64 bytes) -> -1 (traffic is stopped)");
}

// --- Transfers: the facts invariant 10 is judged from. -----------------------

/// A partition with one online and one offline block, an MR over the first
/// 16 MiB at bus_start, and a receive buffer posted for `phys` at `bus`.
struct DmaFixture {
  Layout layout = [] {
    Layout l;
    l.blocks = {{0, 16, BlockState::Online}, {0x1000000, 16, BlockState::Online}};
    return l;
  }();
  Partition part{layout};
  const busmap_platform &p = part.abi();
  std::uint64_t mr = 0;
  DmaFixture() {
    const std::uint64_t pages = 0x1000000 >> 12;
    EXPECT_EQ(p.h_alloc_mr(p.ctx, p.bus_start, 0x1000000, &mr), BUSMAP_H_SUCCESS);
    std::vector<std::uint64_t> list(512);
    for (std::uint64_t first = 0; first < pages; first += 512) {
      for (std::uint64_t i = 0; i < 512; ++i)
        list[i] = (first + i) << 12;
      p.h_register_pages(p.ctx, mr, list.data(), 512);
    }
  }
  void post_rx(std::uint64_t phys, std::uint64_t bus, std::uint32_t len) {
    part.device().posting_for(phys);
    EXPECT_EQ(p.post_rx(p.ctx, bus, len), 0);
    part.device().posting_for(std::nullopt);
  }
};

TEST(DeviceDma, AReceiveLandsPageByPageThroughTheLiveMrAndIsConsumed) {
  DmaFixture f;
  f.post_rx(0x1f00, f.p.bus_start + 0x1f00, 0x200); // crosses a HW page
  ASSERT_EQ(f.part.dma().path, "transfers performed");
  const auto &t = f.part.device().transfers();
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].reach, DmaTransfer::Reach::Page);
  EXPECT_EQ(t[0].landed, 0x1f00u);
  EXPECT_EQ(t[1].landed, 0x2000u);
  EXPECT_EQ(t[1].posted, 0x2000u);
  EXPECT_EQ(t[1].landed_phase, Phase::Online);
  EXPECT_TRUE(f.part.device().rx().empty()) << "a receive buffer takes one packet";
  EXPECT_EQ(f.part.dma().path, "nothing posted");
}

TEST(DeviceDma, TheMissValueAndBusAddressesOutsideEveryMrReachNoPage) {
  DmaFixture f;
  f.post_rx(0x1000, BUSMAP_INVALID, 1514);
  f.post_rx(0x1000000, f.p.bus_start + 0x1000000, 64); // past the MR
  f.part.dma();
  const auto &t = f.part.device().transfers();
  ASSERT_EQ(t.size(), 2u) << "the miss value fails the whole entry at once";
  EXPECT_EQ(t[0].reach, DmaTransfer::Reach::NoMr);
  EXPECT_EQ(t[1].reach, DmaTransfer::Reach::NoMr);
}

TEST(DeviceDma, AStoppedDeviceTransfersNothingButStopCompletesTransmits) {
  DmaFixture f;
  const std::uint64_t bus[] = {f.p.bus_start + 0x4000};
  const std::uint32_t lens[] = {100};
  f.part.device().posting_for(0x4000);
  ASSERT_EQ(f.p.post_tx(f.p.ctx, bus, lens, 1), 0);
  f.part.device().posting_for(std::nullopt);
  f.post_rx(0x8000, f.p.bus_start + 0x8000, 100);
  f.p.stop_traffic(f.p.ctx);
  ASSERT_EQ(f.part.device().transfers().size(), 1u);
  EXPECT_TRUE(f.part.device().transfers()[0].at_stop);
  EXPECT_TRUE(f.part.device().tx().empty());
  EXPECT_EQ(f.part.dma().path, "traffic stopped, nothing transferred");
  EXPECT_EQ(f.part.device().rx().size(), 1u) << "receive buffers stay posted while stopped";
}

TEST(DeviceDma, FreeingAnMrUnderRunningTrafficIsRecordedButNotWhenStopped) {
  DmaFixture f;
  f.post_rx(0x1000, f.p.bus_start + 0x1000, 64);
  f.p.stop_traffic(f.p.ctx);
  EXPECT_EQ(f.p.h_free_mr(f.p.ctx, f.mr), BUSMAP_H_SUCCESS);
  EXPECT_TRUE(f.part.device().unquiesced().empty());
  DmaFixture g;
  g.post_rx(0x1000, g.p.bus_start + 0x1000, 64);
  EXPECT_EQ(g.p.h_free_mr(g.p.ctx, g.mr), BUSMAP_H_SUCCESS);
  ASSERT_EQ(g.part.device().unquiesced().size(), 1u);
  EXPECT_TRUE(g.part.device().unquiesced()[0].rx);
}

TEST(DeviceDma, RewriteTakesBackBuffersTheDriverCanNoLongerMap) {
  DmaFixture f;
  f.post_rx(0x1000, f.p.bus_start + 0x1000, 64);
  f.post_rx(0x1000000, f.p.bus_start + 0x1000000, 64);
  f.p.stop_traffic(f.p.ctx);
  auto low_only = [](void *, std::uint64_t phys) {
    return phys < 0x1000000 ? 0x8000000000000000 + phys : BUSMAP_INVALID;
  };
  EXPECT_EQ(f.p.rewrite_rx(f.p.ctx, low_only, nullptr), 1);
  ASSERT_EQ(f.part.device().rx().size(), 1u);
  EXPECT_EQ(f.part.device().rx()[0].phys, 0x1000u);
}

TEST(DeviceDma, AnOfflineOfABlockTheDeviceHoldsPagesOfFailsItsMigration) {
  DmaFixture f;
  f.post_rx(0x1000040, f.p.bus_start, 64); // a page of the second block
  const OpOutcome pinned = f.part.offline_block(0x1000000, Veto::None, false, {});
  EXPECT_EQ(pinned.path, "cancelled, pages pinned by the device");
  EXPECT_EQ(f.part.memory().find(0x1000000)->phase, Phase::Online);
  f.part.dma();
  EXPECT_EQ(f.part.offline_block(0x1000000, Veto::None, false, {}).path, "completed")
      << "once the packet arrived the page is free to migrate";
  // A split offline fails at its migration.
  DmaFixture g;
  g.post_rx(0x1000040, g.p.bus_start, 64);
  ASSERT_EQ(g.part.begin_offline(0x1000000, Veto::None).path, "window opened");
  EXPECT_EQ(g.part.migrate(0x1000000).path, "cancelled, pages pinned by the device");
  EXPECT_FALSE(g.part.window());
}

} // namespace
} // namespace busmap::testing
