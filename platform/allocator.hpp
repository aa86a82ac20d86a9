//===- platform/allocator.hpp - the kernel allocator a driver uses -*- C++ -*-===//
//
// The simulated kernel's kmalloc/kzalloc, with the accounting the oracle's
// footprint invariant needs: exact live and peak bytes measured here, not
// reported by the driver; detection of leaks, double frees and frees of
// pointers it never handed out (recorded, never executed, so a buggy driver
// cannot corrupt the harness); and fault injection (platform/fault.hpp).
//
// A request above max_alloc_bytes is answered NULL, as a kernel would for
// an absurd size, and remembered so the oracle can report what was asked.
// So is a request that would take the live total past the total limit (the
// oracle sets it to the footprint bound): a real kernel's kmalloc fails
// under memory pressure, it does not hand one driver twenty gigabytes one
// call at a time while the harness waits for the end of the step to look.
//
// Freed memory is poisoned and quarantined, as the kernel's slab debugging
// does (SLAB_POISON writes POISON_FREE, 0x6b): a freed block is filled with
// 0x6b bytes and kept from reuse until `QuarantineBlocks` later frees, so a
// translation racing the driver's update that reads a block the driver has
// just freed (eHEA's lock-free lookup) reads 0x6b6b6b6b6b6b6b6b: as a bus
// address a wrong answer, as a pointer a non-canonical address whose use
// crashes the (isolated) run.  Under AddressSanitizer the block goes back
// at once and ASan's own quarantine reports the read where it happens.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PLATFORM_ALLOCATOR_HPP
#define BUSMAP_PLATFORM_ALLOCATOR_HPP

#include "platform/fault.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

namespace busmap {

class KernelAllocator {
public:
  static constexpr unsigned char Poison = 0x6b; // Linux's POISON_FREE
  static constexpr std::size_t QuarantineBlocks = 64;

  explicit KernelAllocator(std::uint64_t max_alloc_bytes) : max_alloc_bytes_(max_alloc_bytes) {}
  ~KernelAllocator();
  KernelAllocator(const KernelAllocator &) = delete;
  KernelAllocator &operator=(const KernelAllocator &) = delete;

  /// Zeroed memory or nullptr (injected fault, a request too large, or one
  /// past the total limit).
  void *allocate(std::size_t bytes);
  void release(void *p);

  /// The nth allocation from now (1 = the next) answers nullptr, and so do
  /// the count-1 after it (FaultPlan::Sticky: every one from the nth on).
  void arm_fault(std::uint32_t nth, std::uint32_t count = 1) { fault_.arm(nth, count); }
  bool fault_armed() const { return fault_.armed(); }
  std::uint64_t faults_consumed() const { return fault_.consumed(); }

  /// Requests that would take live_bytes() past `bytes` are refused.
  void set_total_limit(std::uint64_t bytes) { total_limit_ = bytes; }
  /// The largest live total a refused request would have reached since the
  /// last reset_peak(); 0 when none was refused for the limit.
  std::uint64_t refused_total() const { return refused_total_; }

  std::uint64_t live_bytes() const { return live_bytes_; }
  std::size_t live_allocations() const { return live_.size(); }
  /// Highest live_bytes since the last reset_peak().
  std::uint64_t peak_bytes() const { return peak_bytes_; }
  /// Largest single request since the last reset_peak(), served or not.
  std::uint64_t largest_request() const { return largest_request_; }
  void reset_peak();

  std::uint64_t allocations() const { return allocations_; }
  /// Double frees and frees of unknown pointers, in words.
  const std::vector<std::string> &misuse() const { return misuse_; }

  /// Frees everything still live (a leak the oracle has already reported).
  void release_all();

private:
  void quarantine(void *p, std::size_t bytes);

  std::uint64_t max_alloc_bytes_;
  std::uint64_t total_limit_ = ~std::uint64_t{0};
  std::uint64_t refused_total_ = 0;
  std::unordered_map<void *, std::size_t> live_;
  std::unordered_map<void *, bool> freed_; // recently freed, to tell double from wild
  std::deque<void *> quarantine_;          // freed and poisoned, not yet reusable
  std::uint64_t live_bytes_ = 0, peak_bytes_ = 0, largest_request_ = 0;
  std::uint64_t allocations_ = 0;
  FaultPlan fault_;
  std::vector<std::string> misuse_;
};

} // namespace busmap

#endif // BUSMAP_PLATFORM_ALLOCATOR_HPP
