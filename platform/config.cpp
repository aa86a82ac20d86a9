// Validation of a partition configuration and layout: every rule here is one
// the simulation relies on, stated as the error a user would want to read.
#include "platform/config.hpp"

#include "platform/input_limits.hpp"

#include <fmt/format.h>

namespace busmap {

using u128 = unsigned __int128;

namespace {

/// The footprint bound (model::footprint_bound) must not overflow for any
/// memory a layout may hold: a bound that wraps fails a correct driver.
std::string footprint_overflow(const PlatformConfig &c) {
  const u128 bound = c.footprint_base + u128(c.footprint_per_hw_page) * limits::MaxHwPages;
  if (bound >> 64)
    return fmt::format("footprint_base={:#x} + footprint_per_hw_page={:#x} x {} HW pages "
                       "(limits::MaxHwPages) overflows 64 bits: the footprint bound would wrap",
                       c.footprint_base, c.footprint_per_hw_page, limits::MaxHwPages);
  return {};
}

/// One MR covers all the memory a layout can bring online: its length must
/// fit in 64 bits and its bus range [bus_start, bus_start + length) below
/// 2^64, or no driver could register it (the firmware refuses it).
std::string bus_range_overflow(const PlatformConfig &c, u128 sections) {
  const u128 length = sections << c.section_shift;
  if (length >> 64 || c.bus_start + length > (u128(1) << 64))
    return fmt::format("bus_start={:#x}: an MR over the layout's {} sections ({:#x} bytes) would "
                       "end at {:#x}, past the 2^64 bus space: no driver could register it",
                       c.bus_start, sections, length, c.bus_start + length);
  return {};
}

} // namespace

std::string PlatformConfig::validate() const {
  if (hw_page_shift < 12 || hw_page_shift > page_shift)
    return fmt::format("hw_page_shift={} must be at least 12 and at most page_shift={}",
                       hw_page_shift, page_shift);
  if (page_shift > section_shift)
    return fmt::format("page_shift={} must not exceed section_shift={}", page_shift, section_shift);
  if (section_shift > 40)
    return fmt::format("section_shift={} is above 40", section_shift);
  if (block_shift < section_shift || block_shift > 40)
    return fmt::format("block_shift={} must lie in [section_shift={}, 40]", block_shift,
                       section_shift);
  if (gigantic_shift < section_shift || gigantic_shift > 48)
    return fmt::format("gigantic_shift={} must lie in [section_shift={}, 48]", gigantic_shift,
                       section_shift);
  if (phys_bits > 64 || phys_bits <= section_shift)
    return fmt::format("phys_bits={} must lie in [section_shift+1={}, 64]", phys_bits,
                       section_shift + 1);
  if (max_rpages == 0)
    return "max_rpages must be at least 1";
  if (max_mrs == 0)
    return "max_mrs must be at least 1";
  if (bus_start & ((1ull << hw_page_shift) - 1))
    return fmt::format("bus_start={:#x} is not aligned to a HW page", bus_start);
  return footprint_overflow(*this);
}

std::string Layout::validate() const {
  if (auto e = config.validate(); !e.empty())
    return e;
  const std::uint32_t s = config.section_shift;
  const std::uint64_t section_limit = config.section_limit(); // sections below 2^phys_bits
  std::uint64_t prev_end = 0;
  bool first = true;
  u128 sections = 0;
  for (const auto &b : blocks) {
    if (b.base & (config.section_size() - 1))
      return fmt::format("block {:#x} is not aligned to a {}-byte section", b.base,
                         config.section_size());
    if (b.sections == 0)
      return fmt::format("block {:#x} has no sections", b.base);
    if (b.state == BlockState::Absent)
      return fmt::format("block {:#x}: a layout block is online or offline", b.base);
    const std::uint64_t first_section = b.base >> s;
    if (first_section >= section_limit || b.sections > section_limit - first_section)
      return fmt::format("block {:#x} with {} sections runs past the top of the {}-bit space{}",
                         b.base, b.sections, config.phys_bits,
                         config.phys_bits < 64 ? " (phys_bits)" : "");
    if (!first && first_section < prev_end)
      return fmt::format("block {:#x} overlaps or precedes the block before it", b.base);
    prev_end = first_section + b.sections;
    first = false;
    sections += b.sections;
  }
  if (auto e = limits::size_error(blocks.size(), sections * config.hw_pages_per_section());
      !e.empty())
    return "the layout has " + e;
  if (gigantic.size() > limits::MaxGiganticPages)
    return fmt::format("the layout has {} gigantic pages, more than the cap of {} "
                       "(limits::MaxGiganticPages)", gigantic.size(), limits::MaxGiganticPages);
  if (auto e = bus_range_overflow(config, sections); !e.empty())
    return e;
  for (auto g : gigantic) {
    if ((g >> s) >= section_limit)
      return fmt::format("gigantic page {:#x} lies above the {}-bit physical address space", g,
                         config.phys_bits);
    if (g & ((1ull << config.gigantic_shift) - 1))
      return fmt::format("gigantic page {:#x} is not aligned to {} bytes", g,
                         1ull << config.gigantic_shift);
  }
  return {};
}

const char *to_string(BlockState s) {
  switch (s) {
  case BlockState::Absent: return "absent";
  case BlockState::Offline: return "offline";
  case BlockState::Online: return "online";
  }
  return "?";
}

const char *to_string(Veto v) {
  switch (v) {
  case Veto::None: return "none";
  case Veto::Before: return "before";
  case Veto::After: return "after";
  }
  return "?";
}

const char *to_string(Mode m) { return m == Mode::Strict ? "strict" : "lenient"; }

} // namespace busmap
