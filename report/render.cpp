// The public entry points: a layout drawn as it is, and a trace judged by
// the oracle, replayed on a fresh partition to the chosen step, and drawn.
#include "report/render.hpp"
#include "report/scene.hpp"
#include "properties/hotplug_op.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace busmap::report {
namespace {

/// One operation on the partition, as the oracle performs it but without
/// judging: the picture wants the state, the verdict comes from the oracle.
void replay_op(Partition &part, const busmap_driver &driver, const Op &op) {
  static const Partition::Checkpoint no_look = [](std::string_view) {};
  switch (op.kind) {
  case OpKind::Load:
    if (!part.loaded() && !part.loading())
      part.load(driver);
    return;
  case OpKind::Unload:
    if (part.loaded() && !part.loading())
      part.unload();
    return;
  case OpKind::Add: part.add_block(op.addr, op.sections); return;
  case OpKind::Online:
  case OpKind::Offline: perform_hotplug(part, op, no_look); return;
  case OpKind::Remove: part.remove_block(op.addr); return;
  case OpKind::Translate:
    if (part.loaded())
      part.translate(op.addr);
    return;
  case OpKind::FaultAlloc:
  case OpKind::FaultHcall: arm_fault(part, op); return;
  case OpKind::Xmit:
  case OpKind::Rx:
  case OpKind::Dma: perform_data_path(part, op); return;
  }
}

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
  RenderResult result;
  result.violation = Oracle(driver).run(trace, trace.mode).violation;
  const std::size_t n = trace.ops.size();
  if (options.step && *options.step > n)
    throw std::invalid_argument(
        fmt::format("step {} is past the end of the trace ({} operations)", *options.step, n));
  // A failure after the last op is in what the end of the trace implies
  // (a window closed, the implicit unload): drawn after those ops.
  const bool at_end = result.violation && result.violation->step >= n && !options.step;
  if (options.step)
    result.step = *options.step;
  else if (result.violation && !at_end)
    result.step = result.violation->step + 1;
  else
    result.step = n;

  Partition part(trace.layout);
  for (std::size_t i = 0; i < result.step; ++i)
    replay_op(part, driver, trace.ops[i]);
  std::string closing;
  if (at_end)
    while (auto op = closing_op(part)) {
      closing += (closing.empty() ? "" : ", then ") + format_op(*op);
      replay_op(part, driver, *op);
    }

  Scene scene = scene_of_partition(part, trace.mode);
  scene.title = options.title;
  const bool at_failure =
      result.violation && (at_end || result.step == result.violation->step + 1);
  scene.status = at_end ? fmt::format("{}: after the trace's {} steps and what its end implies: {}{}",
                                      driver.name, n, closing, Rejected)
                        : status_of_step(driver.name, trace, result.step, at_failure);
  if (at_failure) {
    scene.violation = result.violation;
    if (!at_end)
      scene.focus = op_focus(trace.ops[result.step - 1], part.memory());
  } else if (result.violation) {
    scene.status += fmt::format("  [the trace fails later, at step {}]", result.violation->step + 1);
  }
  for (const auto &b : scene.bands)
    result.translated_sections += b.end - b.first;
  draw_svg(scene, out);
  if (part.loaded())
    part.unload();
  return result;
}

} // namespace busmap::report
