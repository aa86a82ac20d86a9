//===- layouts/ranges.hpp - RAM ranges to memory blocks ----------*- C++ -*-===//
//
// The one step every importer shares: a list of RAM ranges read from some
// file becomes the sorted, disjoint, section-aligned blocks of a Layout.
// Ranges keep where they came from (file and line, or memoryN, or LMB
// index) so an overlap names both culprits.
//
// Two shapes of input exist.  sysfs and the device tree list hotplug units
// (memory blocks, LMBs): each range is one block and must already be
// section aligned.  /proc/iomem lists arbitrary byte ranges: they are
// rounded to sections (outward or inward), merged, and cut into blocks.
//
// Byte ends are inclusive (as iomem writes them) so a range may end at the
// top of the 64-bit space; section arithmetic uses 128-bit intermediates.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_LAYOUTS_RANGES_HPP
#define BUSMAP_LAYOUTS_RANGES_HPP

#include "layouts/import.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace busmap::layouts {

struct RamRange {
  std::uint64_t first = 0; // first byte
  std::uint64_t last = 0;  // last byte, inclusive
  BlockState state = BlockState::Online;
  std::string origin;      // "FILE:LINE", "memory12", "LMB 7 (drc 0x80000007)"
};

/// Sorts `ranges` by start; throws naming both origins when two overlap.
void sort_disjoint(std::vector<RamRange> &ranges, const std::string &file);

/// Hotplug units, one block each; each must be section aligned.
Layout layout_from_units(const PlatformConfig &config, std::vector<RamRange> ranges,
                         const std::string &file);

/// Byte extents of online RAM: rounded to sections, merged where they touch, cut into
/// blocks at multiples of the block size.  Adds a note per rounded range.  Throws,
/// before any block is made, when the configuration is invalid or the result would
/// exceed the caps of platform/input_limits.hpp.
Layout layout_from_extents(const PlatformConfig &config, std::vector<RamRange> ranges,
                           Rounding rounding, const std::string &file,
                           std::vector<std::string> &notes);

/// Throws an ImportError naming `file` when the layout is inconsistent.
void require_valid(const Layout &layout, const std::string &file);

/// The whole content of `file`, a regular file within limits::MaxFileBytes
/// (platform/input_limits.hpp); throws naming it otherwise.
std::string read_file(const std::filesystem::path &file);

/// log2 of a power of two; throws naming `what` otherwise.
std::uint32_t exact_log2(std::uint64_t value, const std::string &what);

} // namespace busmap::layouts

#endif // BUSMAP_LAYOUTS_RANGES_HPP
