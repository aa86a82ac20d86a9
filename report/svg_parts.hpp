//===- report/svg_parts.hpp - pieces both pictures draw with ------*- C++ -*-===//
//
// The single-step picture (svg.cpp) and the timeline (timeline.cpp) both
// draw physical memory on a compressed axis and label it with addresses
// and sizes; these are the shared pieces, so the two pictures place and
// name an address the same way.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_REPORT_SVG_PARTS_HPP
#define BUSMAP_REPORT_SVG_PARTS_HPP

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace busmap::report {

using u128 = unsigned __int128;

/// Piecewise-linear map from section units to y: the occupied stretches
/// of a 2^64 address space, each with a height that grows with its size
/// (never below `min_segment`), and between them holes `gap` high.
class CompressedAxis {
public:
  struct Segment {
    std::uint64_t first, end; // units [first, end)
    double y0, y1;
  };
  CompressedAxis(std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges, double top,
                 double budget, double min_segment, double gap);
  /// y of a position in units (fractions allowed); clamps into a segment.
  double y(long double unit) const;
  const std::vector<Segment> &segments() const { return segments_; }
  double bottom() const { return bottom_; }

private:
  std::vector<Segment> segments_;
  double bottom_;
};

std::string xml_escape(std::string_view s);
/// "16 MiB", "1.5 GiB".
std::string human_size(u128 bytes);
/// "0x10000000", or "2^64" for the end of the address space.
std::string hex_address(u128 a);

/// The fill of each block phase and translation status, one CSS block for
/// both pictures.
extern const char *const PhaseStyle;

} // namespace busmap::report

#endif // BUSMAP_REPORT_SVG_PARTS_HPP
