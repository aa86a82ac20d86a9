//===- report/render.hpp - pictures of layouts and failing traces -*- C++ -*-===//
//
// One SVG shows a partition at a glance: physical memory in the left column
// (blocks by hotplug phase, gigantic pages hatched), the bus address space
// with its MRs in the right column, and between them one band per run of
// sections that the driver translates, drawn from where the section lives
// to where it maps.  Addresses span 2^64, so both columns are compressed:
// stretches with nothing in them are drawn as short zig-zag holes labelled
// with their size.  A failing step is written in a red banner and its block
// (or translated address) outlined in red.
//
// For a trace the picture is of the partition after step N (1-based; 0 is
// the starting layout), by default after the step the oracle rejected, or
// after the last step when the trace holds.  The trace runs through the
// oracle once, and the picture is of the very partition the oracle judged,
// taken at the chosen step through OracleOptions::after_step (no second
// way of performing operations); translations are probed per section
// (first byte), never per page, plus the address the oracle rejected,
// which is drawn with the driver's answer.  The timeline draws every step.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_REPORT_RENDER_HPP
#define BUSMAP_REPORT_RENDER_HPP

#include "busmap/driver.h"
#include "properties/oracle.hpp"
#include "properties/trace.hpp"

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>

namespace busmap::report {

struct RenderOptions {
  std::string title;               // shown at the top (e.g. the file name)
  std::optional<std::size_t> step; // 0..ops.size(); unset: failing step, else the end
};

/// What a trace picture showed, for the command's one-line summary.
struct RenderResult {
  std::size_t step = 0;                // the state drawn: after this many operations
  std::optional<Violation> violation;  // the oracle's verdict on the whole trace
  std::size_t translated_sections = 0; // sections with a translation drawn
};

/// A layout alone: its blocks and gigantic pages, no driver, no bus side.
void render_layout_svg(const Layout &layout, std::ostream &out, const RenderOptions &options = {});

/// A trace run against `driver`; throws std::invalid_argument when
/// options.step lies past the end of the trace or past the step the oracle
/// rejects (the run stops there).  Writes the picture that
/// `busmap check` puts next to a failing trace file.
RenderResult render_trace_svg(const Trace &trace, const busmap_driver &driver, std::ostream &out,
                              const RenderOptions &options = {});

/// Every step of a trace run against `driver`, one column each
/// (report/timeline.hpp); `busmap check` writes it beside a failing trace.
RenderResult render_timeline_svg(const Trace &trace, const busmap_driver &driver,
                                 std::ostream &out, const RenderOptions &options = {});

} // namespace busmap::report

#endif // BUSMAP_REPORT_RENDER_HPP
