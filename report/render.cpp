// The public entry points: a layout drawn as it is, and a trace judged by
// the oracle and drawn from the partition the oracle itself stepped
// through (OracleOptions::after_step), at one step or at every step.
#include "report/render.hpp"
#include "report/scene.hpp"
#include "report/timeline.hpp"

#include "platform/partition.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace busmap::report {
namespace {

/// The sections an operation is about, to outline them.
std::optional<std::pair<std::uint64_t, std::uint64_t>> op_focus(const Op &op, const Memory &m) {
  const std::uint64_t s = m.section_of(op.addr);
  switch (op.kind) {
  case OpKind::Add: return std::pair{s, s + op.sections};
  case OpKind::Online:
  case OpKind::Offline:
  case OpKind::Remove:
    if (const Block *b = m.containing(s))
      return std::pair{b->first_section, b->first_section + b->sections};
    return std::pair{s, s + 1};
  case OpKind::Translate:
  case OpKind::Xmit:
  case OpKind::Rx: return std::pair{s, s + 1};
  default: return std::nullopt;
  }
}

constexpr const char *Rejected = "  (the step the oracle rejected)";

/// The status line of a picture after written step `step` (0: the start).
std::string status_of_step(const char *driver, const Trace &trace, std::size_t step, bool rejected) {
  const std::size_t n = trace.ops.size();
  if (step == 0)
    return fmt::format("{}: the starting layout, before step 1 of {}", driver, n);
  return fmt::format("{}: after step {} of {}: {}{}", driver, step, n,
                     format_op(trace.ops[step - 1]), rejected ? Rejected : "");
}

/// The scene of the partition the oracle shows after a step: its state,
/// and, for the step it rejected, the violation and the memory of the step.
Scene scene_of_step(const StepState &s, std::size_t ops) {
  Scene scene = scene_of_partition(s.partition, s.mode);
  if (!s.violation)
    return scene;
  if (s.op && s.after <= ops)
    scene.focus = op_focus(*s.op, s.partition.memory());
  mark_violation(scene, *s.violation);
  return scene;
}

/// What the end of a trace implied, as the oracle performed it.
void note_closing(const StepState &s, std::size_t ops, std::string &closing) {
  if (s.after > ops && s.op)
    closing += (closing.empty() ? "" : ", then ") + format_op(*s.op);
}

} // namespace

void render_layout_svg(const Layout &layout, std::ostream &out, const RenderOptions &options) {
  Scene scene = scene_of_layout(layout);
  scene.title = options.title;
  scene.status = fmt::format("layout: {} blocks of {} MiB sections", layout.blocks.size(),
                             layout.config.section_size() >> 20);
  draw_svg(scene, out);
}

RenderResult render_trace_svg(const Trace &trace, const busmap_driver &driver, std::ostream &out,
                              const RenderOptions &options) {
  const std::size_t n = trace.ops.size();
  if (options.step && *options.step > n)
    throw std::invalid_argument(
        fmt::format("step {} is past the end of the trace ({} operations)", *options.step, n));
  // The chosen step's scene, or by default the rejected step's, else the
  // end's; a failure after the last op is drawn after what the end of the
  // trace implies (a window closed, the implicit unload).
  std::optional<Scene> chosen;
  std::string closing;
  OracleOptions oo;
  oo.after_step = [&](const StepState &s) {
    note_closing(s, n, closing);
    const bool wanted = options.step ? s.after == *options.step : s.violation || s.after == n;
    if (wanted)
      chosen = scene_of_step(s, n);
  };
  RenderResult result;
  result.violation = Oracle(driver, std::move(oo)).run(trace, trace.mode).violation;
  const Violation *v = result.violation ? &*result.violation : nullptr;
  if (options.step && v && *options.step > v->step + 1)
    throw std::invalid_argument(
        fmt::format("step {} is after step {}, which the oracle rejects and where the run stops",
                    *options.step, v->step + 1));
  const bool at_end = v && v->step >= n && !options.step;
  result.step = options.step ? *options.step : v && !at_end ? v->step + 1 : n;

  Scene scene = std::move(chosen.value());
  scene.title = options.title;
  const bool at_failure = v && (at_end || result.step == v->step + 1);
  scene.status = at_end ? fmt::format("{}: after the trace's {} steps and what its end implies: {}{}",
                                      driver.name, n, closing, Rejected)
                        : status_of_step(driver.name, trace, result.step, at_failure);
  if (!at_failure) {
    scene.violation.reset();
    scene.failed_probe.reset();
    if (v)
      scene.status += fmt::format("  [the trace fails later, at step {}]", v->step + 1);
  }
  for (const auto &b : scene.bands)
    result.translated_sections += b.end - b.first;
  draw_svg(scene, out);
  return result;
}

RenderResult render_timeline_svg(const Trace &trace, const busmap_driver &driver,
                                 std::ostream &out, const RenderOptions &options) {
  Timeline timeline;
  timeline.title = options.title;
  std::uint64_t faults = 0;
  OracleOptions oo;
  oo.after_step = [&](const StepState &s) {
    timeline.columns.push_back(column_of_step(s, scene_of_step(s, trace.ops.size()), faults));
  };
  RenderResult result;
  result.violation = Oracle(driver, std::move(oo)).run(trace, trace.mode).violation;
  result.step = timeline.columns.empty() ? 0 : timeline.columns.back().after;
  timeline.config = trace.layout.config;
  timeline.status =
      result.violation
          ? fmt::format("{}: {} steps; the oracle rejects step {} ({}): {}", driver.name,
                        trace.ops.size(), result.violation->step + 1, result.violation->op,
                        result.violation->invariant)
          : fmt::format("{}: {} steps, every one holds", driver.name, trace.ops.size());
  timeline.violation = result.violation;
  for (const auto &b : timeline.columns.back().scene.bands)
    result.translated_sections += b.end - b.first;
  draw_timeline_svg(timeline, out);
  return result;
}

} // namespace busmap::report
