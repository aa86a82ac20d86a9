// The radix driver's measurable promises (issue 4 §1), checked on the
// real platform where it is cheap and on the bare platform for 1 TiB:
// footprint proportional to present memory, and exactly one MR
// re-registration (one free, one alloc, ceil(pages / max_rpages) register
// calls) per accepted notifier event.
#include "impl/bare_platform.hpp"
#include "impl/drivers.hpp"
#include "platform/partition.hpp"
#include "tests/support/trace_builder.hpp"

#include <gtest/gtest.h>

namespace busmap::testing {
namespace {

constexpr std::uint64_t LMB = 256 * MiB;

TEST(Radix, SparseExampleCostsAtMost64KiB) {
  Partition p(TraceBuilder().block(0, LMB).block(1ull << 60, 16 * MiB).build().layout);
  ASSERT_TRUE(p.load(drivers::radix));
  EXPECT_LE(p.allocator().live_bytes(), 64 * KiB);
  EXPECT_NE(p.translate((1ull << 60) + 12345), BUSMAP_INVALID);
  p.unload();
  EXPECT_EQ(p.allocator().live_bytes(), 0u);
}

TEST(Radix, OneTebibyteDenseCostsAtMostFiveBytesPerSection) {
  const std::uint64_t sections = TiB >> 24;
  impl::BarePlatform bare({{0, sections}});
  bare.abi().hw_page_shift = 24; // one page per section: the map is measured, not the MR
  void *drv = drivers::radix.load(&bare.abi());
  ASSERT_NE(drv, nullptr);
  EXPECT_LE(bare.live_bytes(), 5 * sections);
  EXPECT_EQ(drivers::radix.translate(drv, TiB - 1), (1ull << 63) + TiB - 1);
  EXPECT_EQ(drivers::radix.translate(drv, TiB), BUSMAP_INVALID);
  drivers::radix.unload(drv);
  EXPECT_EQ(bare.live_bytes(), 0u);
}

std::uint64_t calls_of(const HcallCounts &before, const HcallCounts &after,
                       std::uint64_t HcallCounts::*which) {
  return after.*which - before.*which;
}

TEST(Radix, OneReRegistrationPerAcceptedEvent) {
  Partition p(TraceBuilder().block(0, LMB).block(GiB, LMB, BlockState::Offline).build().layout);
  ASSERT_TRUE(p.load(drivers::radix));
  const auto none = [](std::string_view) {};
  const std::uint64_t pages_per_section = p.config().hw_pages_per_section();

  HcallCounts before = p.firmware().calls();
  p.online_block(GiB, Veto::None, none);
  HcallCounts after = p.firmware().calls();
  EXPECT_EQ(calls_of(before, after, &HcallCounts::free_mr), 1u);
  EXPECT_EQ(calls_of(before, after, &HcallCounts::alloc_mr), 1u);
  EXPECT_EQ(calls_of(before, after, &HcallCounts::register_pages),
            (32 * pages_per_section + 511) / 512);

  before = after;
  p.offline_block(0, Veto::None, false, none);
  after = p.firmware().calls();
  EXPECT_EQ(calls_of(before, after, &HcallCounts::free_mr), 1u);
  EXPECT_EQ(calls_of(before, after, &HcallCounts::alloc_mr), 1u);
  EXPECT_EQ(calls_of(before, after, &HcallCounts::register_pages),
            (16 * pages_per_section + 511) / 512);

  // A veto by the notifier before the driver: CANCEL_OFFLINE with nothing
  // to undo costs no firmware call.
  before = after;
  p.offline_block(GiB, Veto::Before, false, none);
  EXPECT_EQ(p.firmware().calls().total(), before.total());
  p.unload();
}

} // namespace
} // namespace busmap::testing
