//===- platform/config.hpp - partition configuration and layout -*- C++ -*-===//
//
// The shape of a simulated partition: the granularities the driver sees
// (section, kernel page, HW page), the firmware limits, and the memory
// layout a run starts from (memory blocks with their initial state, and
// the gigantic pages inside them).
//
// Defaults are the ppc64 values of the eHEA/eHCA drivers (DESIGN.md §2).
// Every address is a full 64-bit physical address; a block may end exactly
// at 2^64, so ends are never computed in 64-bit byte arithmetic: ranges are
// kept as section numbers, which cannot overflow.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PLATFORM_CONFIG_HPP
#define BUSMAP_PLATFORM_CONFIG_HPP

#include <cstdint>
#include <string>
#include <vector>

namespace busmap {

struct PlatformConfig {
  std::uint32_t section_shift = 24;  // 16 MiB sections (x86-64: 27)
  std::uint32_t page_shift = 16;     // 64 KiB kernel pages (x86-64: 12)
  std::uint32_t hw_page_shift = 12;  // 4 KiB MR pages
  std::uint32_t max_rpages = 512;    // pages per h_register_pages call
  std::uint32_t max_mrs = 2;         // MRs the firmware grants the adapter
  std::uint32_t gigantic_shift = 34; // 16 GiB gigantic pages
  std::uint32_t block_shift = 28;    // default memory block: 256 MiB LMB
  // MAX_PHYSMEM_BITS: no memory at or above 2^phys_bits (64: the whole
  // 64-bit space, the `portable` profile; platform/profile.hpp).
  std::uint32_t phys_bits = 64;
  std::uint64_t bus_start = 0x8000000000000000ull;
  // Footprint bound of invariant 7: base + per_hw_page * the HW pages of
  // present memory, so one bound serves 16 MiB and 128 MiB sections, 4 KiB
  // and 64 KiB HW pages alike (model::footprint_bound).
  std::uint64_t footprint_base = 1ull << 20;
  std::uint64_t footprint_per_hw_page = 64;
  // Largest single allocation the simulated kernel serves (larger: NULL).
  std::uint64_t max_alloc_bytes = 256ull << 20;

  std::uint64_t section_size() const { return 1ull << section_shift; }
  std::uint64_t pages_per_section() const { return 1ull << (section_shift - page_shift); }
  std::uint64_t hw_pages_per_section() const { return 1ull << (section_shift - hw_page_shift); }
  /// Sections below 2^phys_bits (the physical address space's size in sections).
  std::uint64_t section_limit() const { return 1ull << (phys_bits - section_shift); }

  /// Empty when consistent, else what is wrong (for error messages).
  std::string validate() const;
};

enum class BlockState {
  Absent,  // not assigned to the partition (hypervisor's)
  Offline, // assigned, not in use by the kernel
  Online,  // assigned and online
};

/// Another notifier on the chain vetoes a GOING_* event, called before or
/// after the driver (so the driver may see a CANCEL with no GOING before).
enum class Veto { None, Before, After };

/// When memory becomes DMA-live (DESIGN.md §4): strict, once GOING_ONLINE is
/// accepted (pages reach the allocator before ONLINE); lenient, from ONLINE.
enum class Mode { Strict, Lenient };

/// A memory block (the hotplug unit): whole sections, section aligned.
struct BlockSpec {
  std::uint64_t base = 0;           // physical address, section aligned
  std::uint64_t sections = 1;       // length in sections
  BlockState state = BlockState::Online;
};

/// Where a run starts: the configuration, the blocks, the gigantic pages.
struct Layout {
  PlatformConfig config;
  std::vector<BlockSpec> blocks;          // sorted by base, disjoint
  std::vector<std::uint64_t> gigantic;    // bases of gigantic pages

  /// Empty when consistent, else what is wrong (for error messages).
  std::string validate() const;
};

const char *to_string(BlockState s);
const char *to_string(Veto v);
const char *to_string(Mode m);

} // namespace busmap

#endif // BUSMAP_PLATFORM_CONFIG_HPP
