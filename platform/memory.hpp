//===- platform/memory.hpp - memory blocks and their hotplug state -*- C++ -*-===//
//
// The partition's memory as the hypervisor and the kernel see it: a set of
// memory blocks (whole, aligned sections), each in one hotplug phase, and
// the gigantic pages that lie inside them.
//
// Phases follow Linux's protocol.  GoingOnline is the window after every
// notifier accepted GOING_ONLINE and before ONLINE is sent: the pages are
// already in the page allocator.  GoingOffline is the window after every
// notifier accepted GOING_OFFLINE: the pages are being migrated away.
//
// Sets of memory are Boost.ICL interval sets of *section numbers*: a block
// may end at 2^64, which no byte address can express, and per-section sets
// keep every query proportional to the number of extents, not of bytes.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PLATFORM_MEMORY_HPP
#define BUSMAP_PLATFORM_MEMORY_HPP

#include "platform/config.hpp"

#include <boost/icl/interval_set.hpp>
#include <boost/icl/right_open_interval.hpp>

#include <cstdint>
#include <initializer_list>
#include <map>

namespace busmap {

// Intervals are statically right-open: `set += x` stores [x, x+1), so
// upper() is always exclusive and counts can be taken as upper - lower.
using SectionSet =
    boost::icl::interval_set<std::uint64_t, std::less,
                             boost::icl::right_open_interval<std::uint64_t, std::less>>;
using SectionRange = SectionSet::interval_type; // right-open [lower, upper)

enum class Phase { Offline, GoingOnline, Online, GoingOffline };
const char *to_string(Phase p);

struct Block {
  std::uint64_t first_section = 0;
  std::uint64_t sections = 0;
  Phase phase = Phase::Offline;

  SectionRange range() const {
    return SectionRange(first_section, first_section + sections);
  }
};

class Memory {
public:
  explicit Memory(const Layout &layout);

  const PlatformConfig &config() const { return config_; }
  /// Blocks assigned to the partition, keyed by first section.
  const std::map<std::uint64_t, Block> &blocks() const { return blocks_; }
  /// The block whose base address is `base`, or null.
  Block *find(std::uint64_t base);
  const Block *find(std::uint64_t base) const;
  /// The block containing section `section`, or null.
  const Block *containing(std::uint64_t section) const;

  /// Assigns a new Offline block; an empty string on success, else why not.
  std::string assign(std::uint64_t base, std::uint64_t sections);
  void reclaim(std::uint64_t base);

  /// Partition memory: every assigned block, whatever its phase.
  SectionSet assigned() const;
  /// Sections of the blocks in any of `phases`.
  SectionSet in_phase(std::initializer_list<Phase> phases) const;
  std::uint64_t assigned_sections() const;
  const SectionSet &gigantic() const { return gigantic_; }
  bool is_gigantic_section(std::uint64_t section) const;

  std::uint64_t section_of(std::uint64_t addr) const { return addr >> config_.section_shift; }
  std::uint64_t base_of(std::uint64_t section) const { return section << config_.section_shift; }

private:
  PlatformConfig config_;
  std::map<std::uint64_t, Block> blocks_;
  SectionSet gigantic_;
};

} // namespace busmap

#endif // BUSMAP_PLATFORM_MEMORY_HPP
