// The adapter's data path (ABI 2): what post_tx, post_rx, stop/start and
// rewrite_rx answer and record, directly and through the partition.
#include "platform/device.hpp"
#include "platform/partition.hpp"

#include "tests/support/trace_builder.hpp"

#include <gtest/gtest.h>

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
  EXPECT_EQ(d.tx()[0][0], (PostedBuffer{bus[0], 0x1000, 0x800}));
  EXPECT_EQ(d.tx()[0][1], (PostedBuffer{bus[1], 0x1800, 0x100}));
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
  EXPECT_EQ(d.post_rx(~0ull, 2, why), -1) << "wraps past 2^64";
  d.stop();
  EXPECT_EQ(d.post_rx(0x1000, 64, why), -1);
  EXPECT_EQ(why, "traffic is stopped");
  d.start();
  EXPECT_EQ(d.post_rx(0x1000, 64, why), 0);
  EXPECT_TRUE(d.tx().empty());
  EXPECT_EQ(d.rx().size(), 1u);
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

} // namespace
} // namespace busmap::testing
