//===- platform/driver_heap.hpp - plain malloc by driver code -----*- C++ -*-===//
//
// A driver should take its memory from the platform allocator (struct
// busmap_platform's alloc/free), which the footprint invariant accounts.
// Memory it takes with plain malloc, calloc, realloc, the aligned forms or
// C++ new would otherwise be invisible: a driver could hold gigabytes and
// pass.  So the harness's own process counts it: the allocation functions
// are interposed (driver_heap.cpp, linked into every program that links
// busmap_platform), and a call made while driver code runs is added to, a
// free made while driver code runs taken from, one process-wide balance.
//
// "While driver code runs" is a per-thread depth: Partition raises it
// around every call into the driver (load on its strand thread, unload,
// notify, translate, rewrite_rx's translation) and lowers it to zero around
// every platform callback the driver makes, so the harness's own journal
// lines and bookkeeping inside a callback are not the driver's.
//
// The balance is attributed by who frees, not by a table of pointers (the
// sanitizers' hooks give no room for one): memory driver code mallocs and
// the harness frees would stay counted, memory the harness mallocs and
// driver code frees would be taken off.  Neither happens through the C
// ABI, where no heap pointer crosses between the two.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PLATFORM_DRIVER_HEAP_HPP
#define BUSMAP_PLATFORM_DRIVER_HEAP_HPP

#include <cstdint>

namespace busmap::driver_heap {

/// True when this program counts (the interposer or the sanitizer hooks
/// are in place); false leaves every balance at 0.
bool counting();

/// True when AddressSanitizer owns malloc: its own quarantine and shadow
/// memory then catch a read of freed memory at the read, so the platform
/// allocator hands freed blocks straight back (allocator.hpp).
bool asan_owns_heap();

/// Bytes malloc'd minus bytes freed by driver code in this process so far
/// (usable sizes, as malloc_usable_size reports them).  A run takes the
/// value at its start and compares later values against it.
std::int64_t balance();

/// Marks the calling thread as running driver code for its lifetime.
class DriverCode {
public:
  DriverCode() noexcept;
  ~DriverCode();
  DriverCode(const DriverCode &) = delete;
  DriverCode &operator=(const DriverCode &) = delete;
};

/// Marks the calling thread as running harness code again (inside a
/// platform callback), restoring the depth it found when it ends.
class PlatformCode {
public:
  PlatformCode() noexcept;
  ~PlatformCode();
  PlatformCode(const PlatformCode &) = delete;
  PlatformCode &operator=(const PlatformCode &) = delete;

private:
  int saved_;
};

} // namespace busmap::driver_heap

#endif // BUSMAP_PLATFORM_DRIVER_HEAP_HPP
