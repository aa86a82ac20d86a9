// The reference model: DMA-live sets per mode and the canonical rank layout.
#include "model/model.hpp"

#include "tests/support/trace_builder.hpp"

#include <gtest/gtest.h>

namespace busmap::testing {
namespace {

constexpr std::uint64_t Bus = 0x8000000000000000ull;

Memory memory_of(std::vector<BlockSpec> blocks, std::vector<std::uint64_t> gigantic = {}) {
  Layout l;
  l.blocks = std::move(blocks);
  l.gigantic = std::move(gigantic);
  return Memory(l);
}

TEST(Model, StrictCountsTheGoingOnlineWindowAsLiveLenientDoesNot) {
  Memory m = memory_of({{0, 1, BlockState::Online}, {1 * GiB, 1, BlockState::Offline}});
  m.find(1 * GiB)->phase = Phase::GoingOnline;
  EXPECT_EQ(boost::icl::cardinality(model::dma_live(m, Mode::Strict)), 2u);
  EXPECT_EQ(boost::icl::cardinality(model::dma_live(m, Mode::Lenient)), 1u);
  EXPECT_EQ(boost::icl::cardinality(model::lenient_window(m, Mode::Lenient)), 1u);
  EXPECT_TRUE(model::lenient_window(m, Mode::Strict).empty());
}

TEST(Model, GoingOfflineIsNeitherLiveNorMappable) {
  Memory m = memory_of({{0, 2, BlockState::Online}});
  m.find(0)->phase = Phase::GoingOffline;
  EXPECT_TRUE(model::dma_live(m, Mode::Strict).empty());
  EXPECT_EQ(boost::icl::cardinality(model::migrating(m)), 2u);
}

TEST(Model, GiganticPagesAreNotMapped) {
  Memory m = memory_of({{0, 2048, BlockState::Online}}, {16 * GiB});
  EXPECT_EQ(boost::icl::cardinality(model::must_map(m, Mode::Strict)), 1024u);
}

TEST(Model, RankLayoutPacksPresentSectionsFromTheBusStart) {
  SectionSet mapped;
  mapped += SectionRange(0, 16);             // 256 MiB at 0
  mapped += SectionRange(1ull << 36, (1ull << 36) + 1); // 16 MiB at 2^60
  PlatformConfig c;
  model::CanonicalLayout layout(mapped, c);
  EXPECT_EQ(layout.sections(), 17u);
  EXPECT_EQ(layout.mr_length(), 17 * 16 * MiB);
  EXPECT_EQ(layout.translate(0x123), Bus + 0x123);
  EXPECT_EQ(layout.translate(255 * MiB), Bus + 255 * MiB);
  EXPECT_EQ(layout.translate(0x1000000000000000ull + 5), Bus + 256 * MiB + 5);
  EXPECT_EQ(layout.translate(256 * MiB), BUSMAP_INVALID);
  EXPECT_EQ(layout.translate(~0ull), BUSMAP_INVALID);
  EXPECT_EQ(layout.rank(15), 15u);
  EXPECT_FALSE(layout.rank(16));
}

TEST(Model, TopOfTheAddressSpaceTranslates) {
  SectionSet mapped;
  const std::uint64_t top = (1ull << 40) - 1; // the last 16 MiB section
  mapped += top;
  model::CanonicalLayout layout(mapped, PlatformConfig{});
  EXPECT_EQ(layout.translate(~0ull), Bus + 16 * MiB - 1);
}

TEST(Model, OnlyHotplugRejectingDriversOweAVeto) {
  EXPECT_EQ(model::expected_answer(BUSMAP_DRIVER_REJECTS_HOTPLUG, BUSMAP_MEM_GOING_ONLINE),
            BUSMAP_NOTIFY_BAD);
  EXPECT_EQ(model::expected_answer(BUSMAP_DRIVER_REJECTS_HOTPLUG, BUSMAP_MEM_ONLINE), BUSMAP_NOTIFY_OK);
  EXPECT_EQ(model::expected_answer(BUSMAP_DRIVER_CANONICAL, BUSMAP_MEM_GOING_OFFLINE), BUSMAP_NOTIFY_OK);
}

TEST(Layout, ValidationNamesTheProblem) {
  Layout l;
  l.blocks = {{0x1000, 1, BlockState::Online}};
  EXPECT_NE(l.validate().find("not aligned"), std::string::npos);
  l.blocks = {{~0ull - 16 * MiB + 1, 2, BlockState::Online}};
  EXPECT_NE(l.validate().find("top of the 64-bit space"), std::string::npos);
  l.blocks = {{0, 2, BlockState::Online}, {16 * MiB, 1, BlockState::Online}};
  EXPECT_NE(l.validate().find("overlaps"), std::string::npos);
  l.blocks = {{0, 2, BlockState::Online}};
  EXPECT_EQ(l.validate(), "");
}

} // namespace
} // namespace busmap::testing
