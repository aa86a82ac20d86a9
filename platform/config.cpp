// Validation of a partition configuration and layout: every rule here is one
// the simulation relies on, stated as the error a user would want to read.
#include "platform/config.hpp"

#include <fmt/format.h>

namespace busmap {

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
  return {};
}

std::string Layout::validate() const {
  if (auto e = config.validate(); !e.empty())
    return e;
  const std::uint32_t s = config.section_shift;
  const std::uint64_t section_limit = config.section_limit(); // sections below 2^phys_bits
  std::uint64_t prev_end = 0;
  bool first = true;
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
  }
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
