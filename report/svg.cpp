// Drawing a Scene as SVG.  Both columns use a CompressedAxis
// (svg_parts.hpp): the occupied stretches of a 2^64 address space, and
// between them fixed-height holes.  Every element carries a class (and data- attributes
// with its addresses) so tests and users' scripts can find it.
#include "report/scene.hpp"
#include "report/svg_parts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace busmap::report {
namespace {

constexpr double Width = 960, Top = 112, Budget = 640, MinSegment = 26, Gap = 30;
constexpr double PhysX = 150, PhysW = 150, BusX = 660, BusW = 150;

CompressedAxis axis(std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges) {
  return CompressedAxis(std::move(ranges), Top, Budget, MinSegment, Gap);
}

class Writer {
public:
  Writer(const Scene &scene, std::ostream &out)
      : scene_(scene), out_(out), shift_(scene.config.section_shift),
        phys_(axis(phys_ranges(scene))), bus_(axis(bus_ranges(scene))) {}

  void draw() {
    const double height =
        std::max(phys_.bottom(), scene_.has_bus_side ? bus_.bottom() : 0.0) + 70;
    out_ << fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
                        "viewBox=\"0 0 {0} {1}\" font-family=\"monospace\" font-size=\"11\">\n",
                        Width, height);
    out_ << "<title>" << xml_escape(scene_.title.empty() ? "busmap" : scene_.title)
         << "</title>\n";
    style();
    out_ << fmt::format("<rect class=\"background\" width=\"{}\" height=\"{}\"/>\n", Width, height);
    header();
    column("physical", "physical memory", phys_, PhysX, PhysW);
    blocks();
    if (scene_.has_bus_side) {
      column("bus", "bus address space", bus_, BusX, BusW);
      mrs();
      bands();
    }
    focus();
    failed_probe();
    legend(height - 40);
    out_ << "</svg>\n";
  }

private:
  static std::vector<std::pair<std::uint64_t, std::uint64_t>> phys_ranges(const Scene &s) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> r;
    for (const auto &m : s.memory)
      r.emplace_back(m.first, m.end);
    return r;
  }
  static std::vector<std::pair<std::uint64_t, std::uint64_t>> bus_ranges(const Scene &s) {
    const std::uint32_t shift = s.config.section_shift;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> r;
    auto add = [&](std::uint64_t start, u128 length) {
      const u128 end = (u128(start) + length + (u128(1) << shift) - 1) >> shift;
      r.emplace_back(start >> shift, static_cast<std::uint64_t>(end));
    };
    for (const auto &m : s.mrs)
      add(m.bus_start, std::max<std::uint64_t>(m.length, 1));
    for (const auto &b : s.bands)
      add(b.bus, u128(b.end - b.first) << shift);
    if (s.failed_probe && s.failed_probe->answer != ~0ull)
      add(s.failed_probe->answer, 1);
    return r;
  }

  void style() {
    out_ << "<style>\n"
            ".background{fill:#ffffff}\n"
            ".axis{fill:#f4f4f4;stroke:#999}\n"
         << PhaseStyle <<
            ".block{stroke:#ffffff;stroke-width:0.5}\n"
            ".gigantic{fill:url(#hatch);stroke:#6a3d9a}\n"
            ".mr{fill:#8fd18f;stroke:#2e7d32}.mr.incomplete{fill:#e8f5e9;stroke-dasharray:5 3}\n"
            ".band{fill-opacity:0.35;stroke-width:0.6}\n"
            ".band.ok{fill:#2ca02c;stroke:#2ca02c}.band.wrong{fill:#d62728;stroke:#d62728}\n"
            ".band.stale{fill:#ff7f0e;stroke:#ff7f0e}\n"
            ".hole{fill:none;stroke:#777;stroke-width:1.2}\n"
            ".hole-label{fill:#555;font-style:italic}\n"
            ".verdict-box{fill:#fde0e0;stroke:#d62728}.verdict-box.pass{fill:#e3f4e3;stroke:#2e7d32}\n"
            ".heading{font-size:13px;font-weight:bold}\n"
            "</style>\n"
            "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
            "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#e9dff5\"/>"
            "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#6a3d9a\" stroke-width=\"2\"/>"
            "</pattern></defs>\n";
  }

  void header() {
    out_ << fmt::format("<text class=\"heading\" x=\"16\" y=\"22\">{}</text>\n",
                        xml_escape(scene_.title.empty() ? "busmap" : scene_.title));
    const bool failed = scene_.violation.has_value();
    out_ << fmt::format("<g id=\"verdict\" class=\"{}\">\n", failed ? "fail" : "pass");
    out_ << fmt::format("<rect class=\"verdict-box{}\" x=\"12\" y=\"30\" width=\"{}\" "
                        "height=\"{}\" rx=\"4\"/>\n", failed ? "" : " pass", Width - 24,
                        failed ? 58 : 28);
    out_ << fmt::format("<text x=\"20\" y=\"47\">{}</text>\n", xml_escape(scene_.status));
    if (failed) {
      const Violation &v = *scene_.violation;
      out_ << fmt::format("<text x=\"20\" y=\"64\" fill=\"#b00\">step {} {}: {} ({})</text>\n",
                          v.step + 1, xml_escape(v.op), xml_escape(v.invariant),
                          xml_escape(v.where));
      out_ << fmt::format("<text x=\"20\" y=\"80\" fill=\"#b00\">actual: {}</text>\n",
                          xml_escape(v.actual.substr(0, 120)));
    }
    out_ << "</g>\n";
  }

  /// A column's background per segment, its address labels, and its holes.
  void column(const char *id, const char *name, const CompressedAxis &axis, double x, double w) {
    out_ << fmt::format("<g id=\"{}\">\n<text class=\"heading\" x=\"{}\" y=\"{}\">{}</text>\n", id,
                        x, Top - 8, name);
    const auto &segs = axis.segments();
    for (std::size_t i = 0; i < segs.size(); ++i) {
      const auto &s = segs[i];
      out_ << fmt::format("<rect class=\"axis\" x=\"{}\" y=\"{:.1f}\" width=\"{}\" "
                          "height=\"{:.1f}\"/>\n", x, s.y0, w, s.y1 - s.y0);
      const double lx = std::string_view(id) == "physical" ? x - 6 : x + w + 6;
      const char *anchor = std::string_view(id) == "physical" ? "end" : "start";
      label(lx, s.y0 + 10, anchor, hex_address(u128(s.first) << shift_));
      label(lx, s.y1, anchor, hex_address(u128(s.end) << shift_));
      if (i + 1 < segs.size())
        hole(x, w, s.y1, segs[i + 1].y0,
             (u128(segs[i + 1].first) - s.end) << shift_, lx, anchor);
    }
    out_ << "</g>\n";
  }

  void label(double x, double y, const char *anchor, const std::string &text) {
    out_ << fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"{}\">{}</text>\n", x, y, anchor,
                        xml_escape(text));
  }

  void hole(double x, double w, double y0, double y1, u128 bytes, double lx, const char *anchor) {
    const double mid = (y0 + y1) / 2;
    std::string zigzag = fmt::format("M{} {:.1f}", x, mid);
    for (int i = 1; i <= 10; ++i)
      zigzag += fmt::format(" L{:.1f} {:.1f}", x + w * i / 10, mid + (i % 2 ? -5 : 5));
    out_ << fmt::format("<g class=\"hole\" data-bytes=\"{}\"><path class=\"hole\" d=\"{}\"/>"
                        "<text class=\"hole-label\" x=\"{}\" y=\"{:.1f}\" text-anchor=\"{}\">"
                        "hole {}</text></g>\n",
                        hex_address(bytes), zigzag, lx, mid + 4, anchor, human_size(bytes));
  }

  void blocks() {
    out_ << "<g id=\"blocks\">\n";
    for (const auto &m : scene_.memory)
      rect(fmt::format("block {}", m.phase), PhysX, phys_.y(m.first), PhysW, phys_.y(m.end),
           fmt::format("data-base=\"{}\" data-sections=\"{}\"", hex_address(u128(m.first) << shift_),
                       m.end - m.first),
           fmt::format("{} [{}, {}) {}", m.phase, hex_address(u128(m.first) << shift_),
                       hex_address(u128(m.end) << shift_), human_size(u128(m.end - m.first) << shift_)));
    for (const auto &[f, e] : scene_.gigantic)
      rect("gigantic", PhysX + PhysW * 0.55, phys_.y(f), PhysW * 0.45, phys_.y(e),
           fmt::format("data-base=\"{}\"", hex_address(u128(f) << shift_)),
           fmt::format("gigantic page at {}: never inside an MR", hex_address(u128(f) << shift_)));
    out_ << "</g>\n";
  }

  void mrs() {
    out_ << "<g id=\"mrs\">\n";
    for (const auto &m : scene_.mrs) {
      const long double first = static_cast<long double>(m.bus_start >> shift_);
      const long double end = first + static_cast<long double>(m.length) / scene_.config.section_size();
      const double y0 = bus_.y(first), y1 = bus_.y(end);
      rect(m.complete ? "mr complete" : "mr incomplete", BusX, y0, BusW, y1,
           fmt::format("data-handle=\"{}\" data-bus-start=\"{:#x}\" data-length=\"{:#x}\"",
                       m.handle, m.bus_start, m.length),
           fmt::format("MR {} at {:#x}, {}{}", m.handle, m.bus_start, human_size(m.length),
                       m.complete ? "" : " (incomplete)"));
      label(BusX + BusW / 2, std::min(y0 + 14, y1), "middle",
            fmt::format("MR {} {}", m.handle, human_size(m.length)));
    }
    out_ << "</g>\n";
  }

  void bands() {
    out_ << "<g id=\"translations\">\n";
    const double x0 = PhysX + PhysW, x1 = BusX;
    for (const auto &b : scene_.bands) {
      const long double bus0 = static_cast<long double>(b.bus >> shift_);
      const double py0 = phys_.y(b.first), py1 = phys_.y(b.end);
      const double by0 = bus_.y(bus0), by1 = bus_.y(bus0 + (b.end - b.first));
      out_ << fmt::format(
          "<path class=\"band {}\" data-first=\"{}\" data-sections=\"{}\" data-bus=\"{:#x}\" "
          "d=\"M{} {:.1f} C{} {:.1f} {} {:.1f} {} {:.1f} L{} {:.1f} C{} {:.1f} {} {:.1f} {} {:.1f} Z\">"
          "<title>{} sections from {} translate to {:#x}: {}</title></path>\n",
          b.status, hex_address(u128(b.first) << shift_), b.end - b.first, b.bus, x0, py0,
          (x0 + x1) / 2, py0, (x0 + x1) / 2, by0, x1, by0, x1, by1, (x0 + x1) / 2, by1,
          (x0 + x1) / 2, py1, x0, py1, b.end - b.first, hex_address(u128(b.first) << shift_), b.bus,
          b.status);
    }
    out_ << "</g>\n";
  }

  void focus() {
    if (!scene_.focus)
      return;
    const auto [f, e] = *scene_.focus;
    rect("failing", PhysX - 4, phys_.y(f) - 3, PhysW + 8, phys_.y(e) + 3,
         fmt::format("data-base=\"{}\"", hex_address(u128(f) << shift_)),
         "the memory of the failing step");
  }

  /// The probed address the oracle rejected, with the driver's answer: a
  /// red dot on physical memory and, unless it was a miss, a dashed line to
  /// the bus address it answered.
  void failed_probe() {
    if (!scene_.failed_probe)
      return;
    const FailedProbe &p = *scene_.failed_probe;
    const long double section = static_cast<long double>(scene_.config.section_size());
    const double x = PhysX + PhysW, y = phys_.y(p.address / section);
    const bool miss = p.answer == ~0ull;
    const std::string what =
        fmt::format("translate({:#x}) = {}", p.address, miss ? "BUSMAP_INVALID" : hex_address(p.answer));
    out_ << fmt::format("<g class=\"failed-probe\" data-addr=\"{:#x}\" data-answer=\"{:#x}\">"
                        "<title>{}: the address the oracle rejected</title>\n",
                        p.address, p.answer, what);
    if (!miss && scene_.has_bus_side)
      out_ << fmt::format("<path class=\"failed-probe-line\" d=\"M{} {:.1f} L{} {:.1f}\"/>\n", x,
                          y, BusX, bus_.y(p.answer / section));
    out_ << fmt::format("<circle class=\"failed-probe\" cx=\"{}\" cy=\"{:.1f}\" r=\"5\"/>\n", x, y);
    label(x + 8, y - 6, "start", what);
    out_ << "</g>\n";
  }

  void legend(double y) {
    out_ << "<g id=\"legend\">\n";
    const std::pair<const char *, const char *> keys[] = {
        {"block online", "online"},         {"block going-online", "going-online"},
        {"block going-offline", "going-offline"}, {"block offline", "offline"},
        {"gigantic", "gigantic page"},      {"band ok", "translation"},
        {"band wrong", "device sees other page"}, {"band stale", "mapped, not DMA-live"}};
    for (std::size_t i = 0; i < std::size(keys); ++i) {
      const double x = 16 + 230.0 * (i % 4), ky = y + 20.0 * (i / 4);
      out_ << fmt::format("<rect class=\"key {}\" x=\"{}\" y=\"{}\" width=\"14\" height=\"14\"/>"
                          "<text x=\"{}\" y=\"{}\">{}</text>\n",
                          keys[i].first, x, ky, x + 18, ky + 11, keys[i].second);
    }
    out_ << "</g>\n";
  }

  void rect(const std::string &cls, double x, double y0, double w, double y1,
            const std::string &attrs, const std::string &tooltip) {
    out_ << fmt::format("<rect class=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
                        "height=\"{:.1f}\" {}><title>{}</title></rect>\n",
                        cls, x, y0, w, std::max(1.0, y1 - y0), attrs, xml_escape(tooltip));
  }

  const Scene &scene_;
  std::ostream &out_;
  std::uint32_t shift_;
  CompressedAxis phys_, bus_;
};

} // namespace

void draw_svg(const Scene &scene, std::ostream &out) { Writer(scene, out).draw(); }

} // namespace busmap::report
