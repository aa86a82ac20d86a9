// Memory blocks and their phases; see memory.hpp.
#include "platform/memory.hpp"

#include <fmt/format.h>

namespace busmap {

const char *to_string(Phase p) {
  switch (p) {
  case Phase::Offline: return "offline";
  case Phase::GoingOnline: return "going-online";
  case Phase::Online: return "online";
  case Phase::GoingOffline: return "going-offline";
  }
  return "?";
}

Memory::Memory(const Layout &layout) : config_(layout.config) {
  for (const auto &spec : layout.blocks) {
    Block b{spec.base >> config_.section_shift, spec.sections,
            spec.state == BlockState::Online ? Phase::Online : Phase::Offline};
    blocks_.emplace(b.first_section, b);
  }
  const std::uint64_t span = 1ull << (config_.gigantic_shift - config_.section_shift);
  for (auto g : layout.gigantic) {
    const std::uint64_t first = g >> config_.section_shift;
    gigantic_ += SectionRange(first, first + span);
  }
}

Block *Memory::find(std::uint64_t base) {
  if (base & (config_.section_size() - 1))
    return nullptr;
  auto it = blocks_.find(base >> config_.section_shift);
  return it == blocks_.end() ? nullptr : &it->second;
}

const Block *Memory::find(std::uint64_t base) const {
  return const_cast<Memory *>(this)->find(base);
}

const Block *Memory::containing(std::uint64_t section) const {
  auto it = blocks_.upper_bound(section);
  if (it == blocks_.begin())
    return nullptr;
  --it;
  return section - it->second.first_section < it->second.sections ? &it->second : nullptr;
}

std::string Memory::assign(std::uint64_t base, std::uint64_t sections) {
  if (base & (config_.section_size() - 1))
    return fmt::format("{:#x} is not section aligned", base);
  const std::uint64_t first = base >> config_.section_shift;
  // Linux's mhp_range_allowed(): nothing at or above 2^MAX_PHYSMEM_BITS.
  const std::uint64_t limit = config_.section_limit();
  if (sections == 0 || first >= limit || sections > limit - first)
    return fmt::format("{} sections at {:#x} do not fit the {}-bit physical space", sections, base,
                       config_.phys_bits);
  const auto range = SectionRange(first, first + sections);
  if (boost::icl::intersects(assigned(), range))
    return fmt::format("[{:#x}, +{} sections) overlaps an assigned block", base, sections);
  blocks_.emplace(first, Block{first, sections, Phase::Offline});
  return {};
}

void Memory::reclaim(std::uint64_t base) { blocks_.erase(base >> config_.section_shift); }

SectionSet Memory::assigned() const {
  SectionSet s;
  for (const auto &[first, b] : blocks_)
    s += b.range();
  return s;
}

SectionSet Memory::in_phase(std::initializer_list<Phase> phases) const {
  SectionSet s;
  for (const auto &[first, b] : blocks_)
    for (Phase p : phases)
      if (b.phase == p)
        s += b.range();
  return s;
}

std::uint64_t Memory::assigned_sections() const {
  std::uint64_t n = 0;
  for (const auto &[first, b] : blocks_)
    n += b.sections;
  return n;
}

bool Memory::is_gigantic_section(std::uint64_t section) const {
  return boost::icl::contains(gigantic_, section);
}

} // namespace busmap
