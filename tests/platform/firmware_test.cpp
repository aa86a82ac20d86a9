// Every firmware rule, each test failing if its rule is removed.
#include "platform/firmware.hpp"

#include "tests/support/trace_builder.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace busmap::testing {
namespace {

constexpr std::uint64_t Bus = 0x8000000000000000ull;

// 64 MiB of partition memory at 0 (4 sections of 16 MiB), a gigantic page at 16 GiB.
struct FirmwareTest : ::testing::Test {
  Layout layout = [] {
    Layout l;
    l.blocks = {{0, 4, BlockState::Online}, {16 * GiB, 1024, BlockState::Online}};
    l.gigantic = {16 * GiB};
    return l;
  }();
  Memory memory{layout};
  Firmware fw{memory};

  std::uint64_t alloc(std::uint64_t length, std::uint64_t bus = Bus) {
    std::uint64_t h = 0;
    EXPECT_EQ(fw.alloc_mr(bus, length, &h), BUSMAP_H_SUCCESS) << fw.last_error();
    return h;
  }
  static std::vector<std::uint64_t> pages(std::uint64_t first, std::uint32_t count) {
    std::vector<std::uint64_t> v;
    for (std::uint32_t i = 0; i < count; ++i)
      v.push_back(first + i * 4096ull);
    return v;
  }
  std::int64_t reg(std::uint64_t h, std::uint64_t first, std::uint32_t count) {
    auto v = pages(first, count);
    return fw.register_pages(h, v.data(), count);
  }
};

TEST_F(FirmwareTest, MrLongerThanPartitionMemoryIsRefused) {
  std::uint64_t h;
  const std::uint64_t partition = (4 + 1024) * 16 * MiB;
  EXPECT_EQ(fw.alloc_mr(Bus, partition + 4096, &h), BUSMAP_H_RESOURCE);
  EXPECT_EQ(fw.alloc_mr(Bus, partition, &h), BUSMAP_H_SUCCESS);
}

TEST_F(FirmwareTest, MrLimitIsEnforced) {
  alloc(16 * MiB, Bus);
  alloc(16 * MiB, Bus + GiB);
  std::uint64_t h;
  EXPECT_EQ(fw.alloc_mr(Bus + 2 * GiB, 16 * MiB, &h), BUSMAP_H_RESOURCE);
}

TEST_F(FirmwareTest, EmptyUnalignedOverflowingOrOverlappingRangesAreParameterErrors) {
  std::uint64_t h;
  EXPECT_EQ(fw.alloc_mr(Bus, 0, &h), BUSMAP_H_PARAMETER);
  EXPECT_EQ(fw.alloc_mr(Bus, 4095, &h), BUSMAP_H_PARAMETER);
  EXPECT_EQ(fw.alloc_mr(Bus + 1, 4096, &h), BUSMAP_H_PARAMETER);
  EXPECT_EQ(fw.alloc_mr(~0ull - 4095, 8192, &h), BUSMAP_H_PARAMETER);
  alloc(32 * MiB);
  EXPECT_EQ(fw.alloc_mr(Bus + 16 * MiB, 16 * MiB, &h), BUSMAP_H_PARAMETER);
}

TEST_F(FirmwareTest, RegistrationIsPositionalAndAnswersPageRegisteredUntilComplete) {
  const std::uint64_t h = alloc(3 * 4096);
  EXPECT_EQ(reg(h, 8192, 2), BUSMAP_H_PAGE_REGISTERED);
  EXPECT_FALSE(fw.live_mrs().at(h).complete());
  EXPECT_EQ(reg(h, 0, 1), BUSMAP_H_SUCCESS);
  const auto &mr = fw.live_mrs().at(h);
  EXPECT_TRUE(mr.complete());
  EXPECT_EQ(mr.page_at(0), 2u);
  EXPECT_EQ(mr.page_at(1), 3u);
  EXPECT_EQ(mr.page_at(2), 0u);
  EXPECT_FALSE(mr.page_at(3));
  EXPECT_EQ(fw.mr_at(Bus + 3 * 4096 - 1), &mr);
  EXPECT_EQ(fw.mr_at(Bus + 3 * 4096), nullptr);
}

TEST_F(FirmwareTest, RegistrationPastTheDeclaredLengthIsAnError) {
  const std::uint64_t h = alloc(4096);
  EXPECT_EQ(reg(h, 0, 2), BUSMAP_H_PARAMETER);
  EXPECT_EQ(reg(h, 0, 1), BUSMAP_H_SUCCESS);
  EXPECT_EQ(reg(h, 4096, 1), BUSMAP_H_PARAMETER);
}

TEST_F(FirmwareTest, AtMostMaxRpagesPerCall) {
  const std::uint64_t h = alloc(16 * MiB);
  EXPECT_EQ(reg(h, 0, 513), BUSMAP_H_PARAMETER);
  EXPECT_EQ(fw.live_mrs().at(h).registered_pages, 0u);
  EXPECT_EQ(reg(h, 0, 512), BUSMAP_H_PAGE_REGISTERED);
  EXPECT_EQ(reg(h, 0, 0), BUSMAP_H_PARAMETER);
}

TEST_F(FirmwareTest, PagesMustBeAlignedPartitionMemoryOutsideGiganticPages) {
  const std::uint64_t h = alloc(16 * MiB);
  std::uint64_t unaligned = 4096 + 8;
  EXPECT_EQ(fw.register_pages(h, &unaligned, 1), BUSMAP_H_PARAMETER);
  std::uint64_t foreign = 1 * GiB;
  EXPECT_EQ(fw.register_pages(h, &foreign, 1), BUSMAP_H_PARAMETER);
  std::uint64_t giant = 16 * GiB + 4096;
  EXPECT_EQ(fw.register_pages(h, &giant, 1), BUSMAP_H_PARAMETER);
  // A bad page anywhere in the call refuses the whole call.
  auto v = pages(0, 3);
  v[2] = foreign;
  EXPECT_EQ(fw.register_pages(h, v.data(), 3), BUSMAP_H_PARAMETER);
  EXPECT_EQ(fw.live_mrs().at(h).registered_pages, 0u);
}

TEST_F(FirmwareTest, FreeOfAnUnknownOrFreedHandleIsRecordedAsMisuse) {
  const std::uint64_t h = alloc(4096);
  EXPECT_EQ(fw.free_mr(h), BUSMAP_H_SUCCESS);
  EXPECT_EQ(fw.free_mr(h), BUSMAP_H_PARAMETER);
  EXPECT_EQ(fw.free_mr(77), BUSMAP_H_PARAMETER);
  ASSERT_EQ(fw.misuse().size(), 2u);
  EXPECT_NE(fw.misuse()[0].find("freed twice"), std::string::npos);
  EXPECT_NE(fw.misuse()[1].find("never allocated"), std::string::npos);
}

TEST_F(FirmwareTest, DuplicatesAndHoldersAreTrackedAcrossMrs) {
  const std::uint64_t a = alloc(2 * 4096, Bus);
  const std::uint64_t b = alloc(4096, Bus + GiB);
  EXPECT_EQ(reg(a, 0, 2), BUSMAP_H_SUCCESS);
  EXPECT_TRUE(fw.duplicated_pages().empty());
  EXPECT_EQ(reg(b, 4096, 1), BUSMAP_H_SUCCESS);
  EXPECT_TRUE(boost::icl::contains(fw.duplicated_pages(), std::uint64_t{1}));
  SectionSet first;
  first += std::uint64_t{0};
  EXPECT_EQ(fw.holders(first), (std::vector<std::uint64_t>{a, b}));
  EXPECT_EQ(fw.free_mr(b), BUSMAP_H_SUCCESS);
  EXPECT_TRUE(fw.duplicated_pages().empty());
  SectionSet second;
  second += std::uint64_t{1};
  EXPECT_TRUE(fw.holders(second).empty());
}

TEST_F(FirmwareTest, InjectedFaultAnswersTheCodeAndDoesNothing) {
  fw.arm_fault(2, BUSMAP_H_HARDWARE);
  const std::uint64_t h = alloc(4096);
  EXPECT_EQ(reg(h, 0, 1), BUSMAP_H_HARDWARE);
  EXPECT_EQ(fw.live_mrs().at(h).registered_pages, 0u);
  EXPECT_EQ(fw.faults_consumed(), 1u);
  EXPECT_EQ(reg(h, 0, 1), BUSMAP_H_SUCCESS);
  EXPECT_EQ(fw.calls().total(), 3u);
}

// Only the first page of each run of consecutive pages within a section is
// looked up (Firmware::register_pages): a bad page is still refused at every
// position of a call, and a run that leaves its section is looked up again
// at the first page of the next.
TEST_F(FirmwareTest, EveryPageOfACallIsCheckedWhereverItLies) {
  const std::uint64_t h = alloc(64 * MiB);
  for (std::uint32_t at = 1; at < 512; ++at) {
    auto v = pages(0, 512);
    v[at] = 1 * GiB;
    ASSERT_EQ(fw.register_pages(h, v.data(), 512), BUSMAP_H_PARAMETER) << "page " << at;
  }
  EXPECT_EQ(fw.live_mrs().at(h).registered_pages, 0u);
  // A page out of sequence splits the run: three extents, that page in the middle.
  auto v = pages(0, 512);
  v[100] = 600 * 4096ull;
  EXPECT_EQ(fw.register_pages(h, v.data(), 512), BUSMAP_H_PAGE_REGISTERED);
  const auto &extents = fw.live_mrs().at(h).extents;
  ASSERT_EQ(extents.size(), 3u);
  EXPECT_EQ(extents[1].phys_page, 600u);
  EXPECT_EQ(extents[1].count, 1u);
  EXPECT_EQ(extents[2].count, 411u);
  // Consecutive pages from the last partition section into the memory past
  // it: the one page past it is refused.
  const std::uint64_t h2 = alloc(16 * MiB, Bus + 1 * GiB);
  EXPECT_EQ(reg(h2, 64 * MiB - 8 * 4096, 9), BUSMAP_H_PARAMETER);
  // ... and from one partition section into the next: valid.
  EXPECT_EQ(reg(h2, 16 * MiB - 8 * 4096, 16), BUSMAP_H_PAGE_REGISTERED);
}

// A run in the section at the top of the 64-bit space ends with the space.
TEST(Firmware, ARunInTheTopSectionEndsWithTheSpace) {
  Layout l;
  l.blocks = {{~0ull - 16 * MiB + 1, 1, BlockState::Online}};
  Memory memory{l};
  Firmware fw{memory};
  std::uint64_t h = 0;
  ASSERT_EQ(fw.alloc_mr(Bus, 16 * MiB, &h), BUSMAP_H_SUCCESS) << fw.last_error();
  std::vector<std::uint64_t> v;
  for (std::uint64_t p = ~0ull - 16 * MiB + 1; v.size() < 4096; p += 4096)
    v.push_back(p);
  for (std::size_t first = 0; first < v.size(); first += 512)
    EXPECT_EQ(fw.register_pages(h, v.data() + first, 512),
              first + 512 == v.size() ? BUSMAP_H_SUCCESS : BUSMAP_H_PAGE_REGISTERED);
  EXPECT_TRUE(fw.live_mrs().at(h).complete());
}

TEST_F(FirmwareTest, ExtentsStayFewForLargeRegistrations) {
  const std::uint64_t h = alloc(64 * MiB);
  for (std::uint64_t first = 0; first < 64 * MiB; first += 512 * 4096ull)
    reg(h, first, 512);
  const auto &mr = fw.live_mrs().at(h);
  EXPECT_TRUE(mr.complete());
  EXPECT_EQ(mr.extents.size(), 1u);
}

TEST(FaultPlan, CountFailsThatManyInARowAndStickyNeverStops) {
  FaultPlan plan;
  plan.arm(2, 3);
  std::vector<bool> failed;
  for (int i = 0; i < 6; ++i)
    failed.push_back(plan.take());
  EXPECT_EQ(failed, (std::vector<bool>{false, true, true, true, false, false}));
  EXPECT_EQ(plan.consumed(), 3u);
  EXPECT_FALSE(plan.armed());
  plan.arm(1, FaultPlan::Sticky);
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE(plan.take());
  EXPECT_TRUE(plan.armed());
  plan.arm(2, 1); // a new fault replaces the sticky one
  EXPECT_FALSE(plan.take());
  EXPECT_TRUE(plan.take());
  EXPECT_FALSE(plan.take());
}

TEST_F(FirmwareTest, AFreeAnErrorRefusesOrphansTheMrAtOnce) {
  const std::uint64_t h = alloc(16 * MiB);
  fw.arm_fault(1, BUSMAP_H_HARDWARE);
  EXPECT_EQ(fw.free_mr(h), BUSMAP_H_HARDWARE);
  EXPECT_TRUE(fw.orphaned(h));
  EXPECT_EQ(fw.live_mrs().count(h), 1u) << "the firmware keeps it";
  EXPECT_EQ(fw.free_mr(h), BUSMAP_H_SUCCESS) << "a later free that goes through";
  EXPECT_TRUE(fw.orphans().empty());
}

TEST_F(FirmwareTest, ABusyFreeOrphansOnlyWhenTheRetryHearsBusyAgain) {
  const std::uint64_t h = alloc(16 * MiB);
  fw.arm_fault(1, BUSMAP_H_BUSY, FaultPlan::Sticky);
  EXPECT_EQ(fw.free_mr(h), BUSMAP_H_BUSY);
  EXPECT_FALSE(fw.orphaned(h)) << "one busy answer is the driver's to retry";
  EXPECT_EQ(fw.free_mr(h), BUSMAP_H_BUSY);
  EXPECT_TRUE(fw.orphaned(h));
  EXPECT_TRUE(hcall_is_busy(9900) && hcall_is_busy(9905) && !hcall_is_busy(9906));
}

TEST_F(FirmwareTest, AnOrphanHoldingTheSlotOrTheBusRangeIsNamedAsTheCause) {
  const std::uint64_t h = alloc(16 * MiB);
  fw.arm_fault(1, BUSMAP_H_HARDWARE);
  fw.free_mr(h);
  std::uint64_t h2 = 0;
  EXPECT_EQ(fw.alloc_mr(Bus, 16 * MiB, &h2), BUSMAP_H_PARAMETER);
  EXPECT_EQ(fw.refusals().back().rule, FirmwareRule::OrphanHeld);
  alloc(16 * MiB, Bus + GiB); // max_mrs = 2: the last slot
  EXPECT_EQ(fw.alloc_mr(Bus + 2 * GiB, 16 * MiB, &h2), BUSMAP_H_RESOURCE);
  EXPECT_EQ(fw.refusals().back().rule, FirmwareRule::OrphanHeld);
}

} // namespace
} // namespace busmap::testing
