// The kernel allocator's accounting, misuse detection and fault injection.
#include "platform/allocator.hpp"

#include <gtest/gtest.h>

namespace busmap {
namespace {

TEST(KernelAllocator, CountsLiveAndPeakBytesExactly) {
  KernelAllocator a(1 << 20);
  void *p = a.allocate(100), *q = a.allocate(50);
  EXPECT_EQ(a.live_bytes(), 150u);
  a.release(p);
  EXPECT_EQ(a.live_bytes(), 50u);
  EXPECT_EQ(a.peak_bytes(), 150u);
  a.reset_peak();
  EXPECT_EQ(a.peak_bytes(), 50u);
  a.release(q);
  EXPECT_EQ(a.live_allocations(), 0u);
}

TEST(KernelAllocator, MemoryIsZeroed) {
  KernelAllocator a(1 << 20);
  auto *p = static_cast<unsigned char *>(a.allocate(64));
  for (int i = 0; i < 64; ++i)
    EXPECT_EQ(p[i], 0);
  a.release(p);
}

TEST(KernelAllocator, DoubleAndWildFreesAreRecordedNotExecuted) {
  KernelAllocator a(1 << 20);
  void *p = a.allocate(8);
  a.release(p);
  a.release(p);
  int local;
  a.release(&local);
  ASSERT_EQ(a.misuse().size(), 2u);
  EXPECT_NE(a.misuse()[0].find("double free"), std::string::npos);
  EXPECT_NE(a.misuse()[1].find("never handed out"), std::string::npos);
}

TEST(KernelAllocator, NthAllocationFails) {
  KernelAllocator a(1 << 20);
  a.arm_fault(2);
  void *p = a.allocate(8);
  EXPECT_NE(p, nullptr);
  EXPECT_EQ(a.allocate(8), nullptr);
  EXPECT_EQ(a.faults_consumed(), 1u);
  void *q = a.allocate(8);
  EXPECT_NE(q, nullptr);
  a.release(p);
  a.release(q);
}

TEST(KernelAllocator, AbsurdRequestsAreRefusedAndRemembered) {
  KernelAllocator a(1 << 20);
  EXPECT_EQ(a.allocate(512ull << 30), nullptr);
  EXPECT_EQ(a.largest_request(), 512ull << 30);
  EXPECT_EQ(a.live_bytes(), 0u);
}

// Issue 15: twenty large requests were all granted before the footprint
// check at the end of the step; the running total stops them at the limit.
TEST(KernelAllocator, TheRunningTotalStopsAtTheLimit) {
  KernelAllocator a(1 << 30);
  a.set_total_limit(1000);
  void *p = a.allocate(600);
  ASSERT_NE(p, nullptr);
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(a.allocate(500), nullptr) << "request " << i;
  EXPECT_EQ(a.live_bytes(), 600u);
  EXPECT_EQ(a.refused_total(), 1100u);
  void *q = a.allocate(400); // exactly up to the limit is granted
  EXPECT_NE(q, nullptr);
  a.release(p);
  a.release(q);
  a.reset_peak();
  EXPECT_EQ(a.refused_total(), 0u);
}

TEST(KernelAllocator, ARefusedTotalSaturatesInsteadOfWrapping) {
  KernelAllocator a(~std::uint64_t{0});
  a.set_total_limit(1000);
  void *p = a.allocate(10);
  EXPECT_EQ(a.allocate(~std::size_t{0} - 5), nullptr);
  EXPECT_EQ(a.refused_total(), ~std::uint64_t{0});
  a.release(p);
}

} // namespace
} // namespace busmap
