// The shared pieces of the two pictures (see svg_parts.hpp).
#include "report/svg_parts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace busmap::report {

CompressedAxis::CompressedAxis(std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges,
                               double top, double budget, double min_segment, double gap)
    : bottom_(top) {
  std::sort(ranges.begin(), ranges.end());
  std::vector<std::pair<std::uint64_t, std::uint64_t>> merged;
  for (const auto &r : ranges) {
    if (r.first >= r.second)
      continue;
    if (!merged.empty() && r.first <= merged.back().second)
      merged.back().second = std::max(merged.back().second, r.second);
    else
      merged.push_back(r);
  }
  long double total = 0;
  for (const auto &[f, e] : merged)
    total += static_cast<long double>(e - f);
  double y = top;
  for (const auto &[f, e] : merged) {
    if (!segments_.empty())
      y += gap;
    const double h = std::max(min_segment, double(budget * (e - f) / total));
    segments_.push_back({f, e, y, y + h});
    y += h;
  }
  bottom_ = y;
}

double CompressedAxis::y(long double unit) const {
  for (const auto &s : segments_)
    if (unit <= static_cast<long double>(s.end))
      return unit <= static_cast<long double>(s.first)
                 ? s.y0
                 : s.y0 + double((unit - s.first) / (s.end - s.first)) * (s.y1 - s.y0);
  return bottom_;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s)
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    default: out += c;
    }
  return out;
}

std::string human_size(u128 bytes) {
  static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB"};
  int u = 0;
  long double v = static_cast<long double>(bytes);
  while (v >= 1024 && u < 7) {
    v /= 1024;
    ++u;
  }
  return v == std::floor(v) ? fmt::format("{} {}", double(v), units[u])
                            : fmt::format("{:.1f} {}", double(v), units[u]);
}

std::string hex_address(u128 a) {
  if (a >> 64)
    return "2^64";
  return fmt::format("{:#x}", static_cast<std::uint64_t>(a));
}

const char *const PhaseStyle =
    ".online{fill:#4c9be8}.offline{fill:#c8c8c8}\n"
    ".going-online{fill:#9fd0ff}.going-offline{fill:#f5b35c}\n"
    ".absent-registered{fill:#ffffff;stroke:#d62728;stroke-dasharray:4 2}\n"
    ".absent{fill:#ffffff;stroke:#999;stroke-dasharray:2 2}\n"
    ".failing{fill:none;stroke:#d62728;stroke-width:3}\n"
    ".failed-probe{fill:#d62728;stroke:#7a0000}\n"
    ".failed-probe-line{stroke:#d62728;stroke-width:2;stroke-dasharray:6 3;fill:none}\n";

} // namespace busmap::report
