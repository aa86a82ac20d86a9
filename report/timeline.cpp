// Collecting and drawing the timeline (see timeline.hpp).  Every element
// carries a class and data- attributes, as in the single-step picture, so
// tests and scripts can find a column's blocks, coverage and answers.
#include "report/timeline.hpp"
#include "report/svg_parts.hpp"

#include "platform/partition.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace busmap::report {
namespace {

constexpr double AxisX = 140, ColumnW = 118, ColumnGap = 12, Top = 176, Budget = 440;
constexpr double PhaseW = 48, CoverageX = 52, CoverageW = 16, AnswerX = 72, AnswerW = 42;
constexpr double FooterLines = 6, LineH = 12;
constexpr std::size_t LegendPerRow = 5;

/// "GOING_ONLINE: OK" from the journal line "  GOING_ONLINE answered NOTIFY_OK" (short:
/// a column is narrow),
/// and the other notifier's veto, which the driver never saw.
std::optional<std::string> notifier_answer(const JournalEntry &e) {
  std::string_view t = e.text;
  while (!t.empty() && t.front() == ' ')
    t.remove_prefix(1);
  if (const auto at = t.find(" answered "); e.kind == JournalEntry::Kind::Notify &&
                                             at != std::string_view::npos)
    return fmt::format("{}: {}", t.substr(0, at), t.substr(at + 10 + (t.substr(at + 10).starts_with("NOTIFY_") ? 7 : 0)));
  if (e.kind == JournalEntry::Kind::Kernel && t.starts_with("another notifier answers"))
    return std::string("other notifier: BAD");
  return std::nullopt;
}

/// An operation's text cut into lines of at most `width` characters, at spaces.
std::vector<std::string> wrap(const std::string &text, std::size_t width) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t from = 0;
  while (from < text.size()) {
    std::size_t to = text.find(' ', from);
    if (to == std::string::npos)
      to = text.size();
    const std::string word = text.substr(from, to - from);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      lines.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    from = to + 1;
  }
  if (!line.empty())
    lines.push_back(line);
  return lines;
}

class TimelineWriter {
public:
  TimelineWriter(const Timeline &t, std::ostream &out)
      : t_(t), out_(out), shift_(t.config.section_shift),
        axis_(memory_ranges(t), Top, Budget, 22, 26) {}

  void draw() {
    const double width = std::max(AxisX + t_.columns.size() * (ColumnW + ColumnGap) + 20,
                                  16 + 150.0 * LegendPerRow);
    const double footer = axis_.bottom() + 10;
    const double height = footer + FooterLines * LineH + 72;
    out_ << fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
                        "viewBox=\"0 0 {0} {1}\" font-family=\"monospace\" font-size=\"10\">\n",
                        width, height);
    out_ << "<title>" << xml_escape(t_.title.empty() ? "busmap timeline" : t_.title) << "</title>\n";
    out_ << "<style>\n.background{fill:#ffffff}.axis{fill:#f4f4f4;stroke:#bbb}\n" << PhaseStyle
         << ".coverage{fill:#2e7d32}.answer.ok{fill:#2ca02c}.answer.wrong{fill:#d62728}\n"
            ".answer.stale{fill:#ff7f0e}.fault{fill:#6a3d9a;font-weight:bold}\n"
            ".bad{fill:#b00}.heading{font-size:13px;font-weight:bold}\n</style>\n";
    out_ << fmt::format("<rect class=\"background\" width=\"100%\" height=\"{}\"/>\n", height);
    header(width);
    address_labels();
    for (std::size_t i = 0; i < t_.columns.size(); ++i)
      column(t_.columns[i], AxisX + i * (ColumnW + ColumnGap), footer);
    legend(height - 38);
    out_ << "</svg>\n";
  }

private:
  static std::vector<std::pair<std::uint64_t, std::uint64_t>> memory_ranges(const Timeline &t) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> r;
    for (const auto &c : t.columns)
      for (const auto &m : c.scene.memory)
        r.emplace_back(m.first, m.end);
    return r;
  }

  void text(double x, double y, const std::string &s, const char *cls = "",
            const char *anchor = "start") {
    out_ << fmt::format("<text class=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\">{}</text>\n",
                        cls, x, y, anchor, xml_escape(s));
  }

  void rect(const std::string &cls, double x, double y0, double w, double y1,
            const std::string &attrs, const std::string &tooltip) {
    out_ << fmt::format("<rect class=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
                        "height=\"{:.1f}\" {}><title>{}</title></rect>\n",
                        cls, x, y0, w, std::max(1.0, y1 - y0), attrs, xml_escape(tooltip));
  }

  /// The violation's expected and actual lines, each cut to the picture's
  /// width (monospace 10 px: about 6 px a character).
  void header(double width) {
    const std::size_t chars = static_cast<std::size_t>(std::max(60.0, (width - 32) / 6.1));
    auto fit = [chars](std::string line) {
      return line.size() <= chars ? line : line.substr(0, chars - 3) + "...";
    };
    text(16, 22, t_.title.empty() ? "busmap timeline" : t_.title, "heading");
    text(16, 40, fit(t_.status), t_.violation ? "bad" : "");
    if (t_.violation) {
      text(16, 54, fit("expected " + t_.violation->expected), "bad");
      text(16, 68, fit("actual   " + t_.violation->actual), "bad");
    }
  }

  /// The shared axis: a grey band per occupied stretch, its bounds on the left.
  void address_labels() {
    out_ << "<g id=\"addresses\">\n";
    const double right = AxisX + t_.columns.size() * (ColumnW + ColumnGap) - ColumnGap;
    for (const auto &s : axis_.segments()) {
      rect("axis", AxisX - 4, s.y0, right - AxisX + 8, s.y1, "", "");
      text(AxisX - 8, s.y0 + 9, hex_address(u128(s.first) << shift_), "", "end");
      text(AxisX - 8, s.y1, hex_address(u128(s.end) << shift_), "", "end");
    }
    for (std::size_t i = 1; i < axis_.segments().size(); ++i) {
      const auto &a = axis_.segments()[i - 1], &b = axis_.segments()[i];
      text(AxisX - 8, (a.y1 + b.y0) / 2 + 4,
           "hole " + human_size((u128(b.first) - a.end) << shift_), "hole-label", "end");
    }
    out_ << "</g>\n";
  }

  void column(const TimelineColumn &c, double x, double footer) {
    const bool failing = c.scene.violation.has_value();
    out_ << fmt::format("<g class=\"step{}\" data-after=\"{}\">\n", failing ? " failing-step" : "",
                        c.after);
    step_heading(c, x);
    for (const auto &m : c.scene.memory)
      rect("block " + m.phase, x, axis_.y(m.first), PhaseW, axis_.y(m.end),
           fmt::format("data-base=\"{}\" data-sections=\"{}\"", hex_address(u128(m.first) << shift_),
                       m.end - m.first),
           fmt::format("{} [{}, {})", m.phase, hex_address(u128(m.first) << shift_),
                       hex_address(u128(m.end) << shift_)));
    for (const auto &[f, e] : c.scene.registered)
      rect("coverage", x + CoverageX, axis_.y(f), CoverageW, axis_.y(e),
           fmt::format("data-first=\"{}\" data-sections=\"{}\"", hex_address(u128(f) << shift_), e - f),
           "registered in a live MR");
    for (const auto &b : c.scene.bands)
      rect("answer " + b.status, x + AnswerX, axis_.y(b.first), AnswerW, axis_.y(b.end),
           fmt::format("data-first=\"{}\" data-sections=\"{}\" data-bus=\"{:#x}\"",
                       hex_address(u128(b.first) << shift_), b.end - b.first, b.bus),
           fmt::format("translate({}) = {:#x}: {}", hex_address(u128(b.first) << shift_), b.bus,
                       b.status));
    if (failing)
      failure_marks(c, x);
    footer_lines(c, x, footer);
    out_ << "</g>\n";
  }

  void step_heading(const TimelineColumn &c, double x) {
    text(x, Top - 64, c.after == 0 ? "start" : fmt::format("step {}", c.after), "heading");
    const auto lines = wrap(c.op.empty() ? "the starting layout" : c.op, 19);
    for (std::size_t i = 0; i < lines.size() && i < 4; ++i)
      text(x, Top - 48 + i * LineH, lines[i]);
  }

  /// The rejected step: its column outlined, the probed address it rejected dotted.
  void failure_marks(const TimelineColumn &c, double x) {
    rect("failing", x - 4, Top - 78, ColumnW + 2, axis_.bottom() + 4 + FooterLines * LineH, "",
         "the step the oracle rejected");
    if (!c.scene.failed_probe)
      return;
    const FailedProbe &p = *c.scene.failed_probe;
    const double y = axis_.y(p.address / static_cast<long double>(c.scene.config.section_size()));
    out_ << fmt::format("<circle class=\"failed-probe\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"5\" "
                        "data-addr=\"{:#x}\" data-answer=\"{:#x}\"><title>translate({:#x}) = "
                        "{:#x}: rejected</title></circle>\n",
                        x + AnswerX + AnswerW / 2, y, p.address, p.answer, p.address, p.answer);
  }

  void footer_lines(const TimelineColumn &c, double x, double y) {
    std::vector<std::pair<std::string, const char *>> lines;
    for (const auto &a : c.answers)
      lines.emplace_back(a, a.ends_with(": BAD") ? "bad answer" : "answer-text");
    if (!c.path.empty() && c.path != "completed")
      for (const auto &l : wrap(c.path, 19))
        lines.emplace_back(l, "path");
    if (c.arms_fault)
      lines.emplace_back("fault armed", "fault");
    if (c.faults_hit)
      lines.emplace_back(fmt::format("{} fault{} hit", c.faults_hit, c.faults_hit == 1 ? "" : "s"),
                         "fault");
    for (std::size_t i = 0; i < lines.size() && i < FooterLines; ++i)
      text(x, y + (i + 1) * LineH, lines[i].first.substr(0, 21), lines[i].second);
  }

  void legend(double y) {
    out_ << "<g id=\"legend\">\n";
    const std::pair<const char *, const char *> keys[] = {
        {"block online", "online"},     {"block going-online", "going-online"},
        {"block going-offline", "going-offline"}, {"block offline", "offline"},
        {"coverage", "in a live MR"},   {"answer ok", "translation right"},
        {"answer wrong", "device sees other page"}, {"answer stale", "mapped, not DMA-live"},
        {"failed-probe", "rejected address"}};
    for (std::size_t i = 0; i < std::size(keys); ++i) {
      const double kx = 16 + 150.0 * (i % LegendPerRow), ky = y + 16.0 * (i / LegendPerRow);
      out_ << fmt::format("<rect class=\"key {}\" x=\"{}\" y=\"{}\" width=\"12\" height=\"12\"/>",
                          keys[i].first, kx, ky);
      text(kx + 16, ky + 10, keys[i].second);
    }
    out_ << "</g>\n";
  }

  const Timeline &t_;
  std::ostream &out_;
  std::uint32_t shift_;
  CompressedAxis axis_;
};

} // namespace

TimelineColumn column_of_step(const StepState &step, Scene scene, std::uint64_t &previous_faults) {
  TimelineColumn c;
  c.after = step.after;
  if (step.op) {
    c.op = format_op(*step.op);
    c.arms_fault = step.op->kind == OpKind::FaultAlloc || step.op->kind == OpKind::FaultHcall;
  }
  c.path = step.path;
  for (const auto &e : step.journal)
    if (auto a = notifier_answer(e))
      c.answers.push_back(std::move(*a));
  const std::uint64_t faults =
      step.partition.allocator().faults_consumed() + step.partition.firmware().faults_consumed();
  c.faults_hit = faults - std::min(faults, previous_faults);
  previous_faults = faults;
  c.scene = std::move(scene);
  return c;
}

void draw_timeline_svg(const Timeline &timeline, std::ostream &out) {
  TimelineWriter(timeline, out).draw();
}

} // namespace busmap::report
