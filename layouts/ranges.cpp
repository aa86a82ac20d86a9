// RAM ranges to memory blocks: the sorting, overlap check, rounding and
// block cutting shared by every importer (see ranges.hpp).
#include "layouts/ranges.hpp"

#include "platform/input_limits.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace busmap::layouts {

using u128 = unsigned __int128;

void sort_disjoint(std::vector<RamRange> &ranges, const std::string &file) {
  std::sort(ranges.begin(), ranges.end(),
            [](const RamRange &a, const RamRange &b) { return a.first < b.first; });
  for (std::size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].first <= ranges[i - 1].last)
      throw ImportError(fmt::format(
          "{}: {} [{:#x}, {:#x}] overlaps {} [{:#x}, {:#x}]", file, ranges[i].origin,
          ranges[i].first, ranges[i].last, ranges[i - 1].origin, ranges[i - 1].first,
          ranges[i - 1].last));
}

Layout layout_from_units(const PlatformConfig &config, std::vector<RamRange> ranges,
                         const std::string &file) {
  sort_disjoint(ranges, file);
  const std::uint64_t mask = config.section_size() - 1;
  Layout layout;
  layout.config = config;
  for (const auto &r : ranges) {
    if ((r.first & mask) != 0 || (r.last & mask) != mask)
      throw ImportError(fmt::format("{}: {} [{:#x}, {:#x}] is not aligned to {:#x}-byte sections",
                                    file, r.origin, r.first, r.last, config.section_size()));
    const std::uint64_t sections = static_cast<std::uint64_t>(
        ((u128(r.last) + 1) - r.first) >> config.section_shift);
    layout.blocks.push_back({r.first, sections, r.state});
  }
  require_valid(layout, file);
  return layout;
}

namespace {

// [first, end) in section numbers; end may be 2^(64 - section_shift).
struct SectionSpan {
  std::uint64_t first, end;
};

SectionSpan round_to_sections(const RamRange &r, std::uint32_t shift, Rounding rounding) {
  const u128 first = r.first, end = u128(r.last) + 1, size = u128(1) << shift;
  if (rounding == Rounding::Outward)
    return {std::uint64_t(first >> shift), std::uint64_t((end + size - 1) >> shift)};
  return {std::uint64_t((first + size - 1) >> shift), std::uint64_t(end >> shift)};
}

/// The blocks cutting `spans` at multiples of `block_sections` makes.
std::uint64_t count_blocks(const std::vector<SectionSpan> &spans, std::uint64_t block_sections) {
  std::uint64_t blocks = 0;
  for (const auto &s : spans)
    blocks += (s.end - 1) / block_sections - s.first / block_sections + 1;
  return blocks;
}

/// Refuses extents too large to check before a block is made of them: one
/// range over the whole 64-bit space would be 2^37 blocks.
void require_within_caps(const PlatformConfig &config, const std::vector<SectionSpan> &spans,
                         const std::string &file) {
  u128 sections = 0;
  for (const auto &s : spans)
    sections += s.end - s.first;
  const std::uint64_t block_sections = 1ull << (config.block_shift - config.section_shift);
  if (auto e = limits::size_error(count_blocks(spans, block_sections),
                                  sections * config.hw_pages_per_section());
      !e.empty())
    throw ImportError(fmt::format("{}: the imported layout would have {}", file, e));
}

} // namespace

Layout layout_from_extents(const PlatformConfig &config, std::vector<RamRange> ranges,
                           Rounding rounding, const std::string &file,
                           std::vector<std::string> &notes) {
  // The block cutting below shifts by block_shift - section_shift.
  if (auto why = config.validate(); !why.empty())
    throw ImportError(fmt::format("{}: the imported layout is not usable: {}", file, why));
  sort_disjoint(ranges, file);
  const std::uint32_t shift = config.section_shift;
  const std::uint64_t mask = config.section_size() - 1;

  std::vector<SectionSpan> spans;
  for (const auto &r : ranges) {
    SectionSpan s = round_to_sections(r, shift, rounding);
    const bool aligned = (r.first & mask) == 0 && (r.last & mask) == mask;
    if (!aligned)
      notes.push_back(s.first < s.end
                          ? fmt::format("{}: [{:#x}, {:#x}] rounded {} to sections [{:#x}, {:#x})",
                                        r.origin, r.first, r.last,
                                        rounding == Rounding::Outward ? "outward" : "inward",
                                        u128(s.first) << shift, u128(s.end) << shift)
                          : fmt::format("{}: [{:#x}, {:#x}] holds no whole section: dropped",
                                        r.origin, r.first, r.last));
    if (s.first >= s.end)
      continue;
    // Outward rounding can make neighbours share a section: merge them.
    if (!spans.empty() && s.first <= spans.back().end) {
      spans.back().end = std::max(spans.back().end, s.end);
      continue;
    }
    spans.push_back(s);
  }
  require_within_caps(config, spans, file);

  Layout layout;
  layout.config = config;
  const std::uint64_t block_sections = 1ull << (config.block_shift - shift);
  for (const auto &s : spans)
    for (std::uint64_t at = s.first; at < s.end;) {
      const std::uint64_t next_boundary = (at / block_sections + 1) * block_sections;
      const std::uint64_t end = std::min(s.end, next_boundary);
      layout.blocks.push_back({at << shift, end - at, BlockState::Online});
      at = end;
    }
  require_valid(layout, file);
  return layout;
}

void require_valid(const Layout &layout, const std::string &file) {
  if (auto why = layout.validate(); !why.empty())
    throw ImportError(fmt::format("{}: the imported layout is not usable: {}", file, why));
}

std::uint32_t exact_log2(std::uint64_t value, const std::string &what) {
  if (value == 0 || (value & (value - 1)) != 0)
    throw ImportError(fmt::format("{} is {:#x}, not a power of two", what, value));
  return static_cast<std::uint32_t>(__builtin_ctzll(value));
}

} // namespace busmap::layouts
