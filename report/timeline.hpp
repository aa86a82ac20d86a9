//===- report/timeline.hpp - a picture of the whole trace ---------*- C++ -*-===//
//
// The single-step picture shows where a failing trace ended up, not how it
// got there.  The timeline draws one column per step, the starting layout
// first: physical memory on one compressed axis shared by every column,
// each block in its hotplug phase, beside it the MR's coverage (sections
// with a page registered in a live MR) and the driver's answers at the
// probed addresses (the first byte of every section: right, the device
// sees another page, mapped while not DMA-live); under each column the
// notifier answers of the step, and the faults it armed or hit.  The step
// the oracle rejects is outlined in red, with the probed address it
// rejected marked.  Every column is a Scene collected from the partition
// the oracle stepped through (OracleOptions::after_step).
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_REPORT_TIMELINE_HPP
#define BUSMAP_REPORT_TIMELINE_HPP

#include "report/scene.hpp"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace busmap::report {

struct TimelineColumn {
  std::size_t after = 0;            // operations done (StepState::after)
  std::string op;                   // the step's operation, empty at the start
  std::string path;                 // the protocol path it took
  std::vector<std::string> answers; // the notifier's answers, "GOING_ONLINE: OK"
  bool arms_fault = false;          // the step is a fault op
  std::uint64_t faults_hit = 0;     // injected faults the step consumed
  Scene scene;                      // the partition after it
};

struct Timeline {
  PlatformConfig config;
  std::string title, status;
  std::vector<TimelineColumn> columns;
  std::optional<Violation> violation;
};

/// The column of one step; `previous_faults` is the partition's count of
/// consumed faults before it (0 at the start), updated to the count after.
TimelineColumn column_of_step(const StepState &step, Scene scene, std::uint64_t &previous_faults);

void draw_timeline_svg(const Timeline &timeline, std::ostream &out);

} // namespace busmap::report

#endif // BUSMAP_REPORT_TIMELINE_HPP
