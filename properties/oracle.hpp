//===- properties/oracle.hpp - the step oracle -------------------*- C++ -*-===//
//
// The Oracle runs one trace against one driver inside a fresh Partition and
// judges every step against the invariants of DESIGN.md §4, and, for a
// driver that promises the canonical layout, against the model's exact
// layout.  It looks after each operation and at the checkpoints inside one
// (pages handed to the allocator after GOING_ONLINE, pages migrating after
// GOING_OFFLINE), so a driver that is right only at the end of an event is
// still caught.
//
// Checks are per section and per extent: for every section the oracle
// probes the first byte, the last byte and one inner address, and for every
// gap between extents of mapped memory it probes the sections at its
// edges, so a terabyte layout costs thousands of probes, not billions.
//
// The first violation ends the run; the verdict names the step, the
// invariant, and expected against actual in a driver engineer's words.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PROPERTIES_ORACLE_HPP
#define BUSMAP_PROPERTIES_ORACLE_HPP

#include "busmap/driver.h"
#include "properties/trace.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace busmap {

class Partition;
struct JournalEntry;

/// The oracle's checklist; `id` is what traces, reports and JSON use.
struct Invariant {
  const char *id;
  const char *title;
  const char *description;
};
/// Every invariant, in DESIGN.md order, then the harness's own verdicts.
const std::vector<Invariant> &invariants();
/// Invariant ids used by the oracle and the isolation layer.
namespace inv {
inline constexpr const char *DeviceView = "device-view";     // 1
inline constexpr const char *NoHoles = "no-holes";           // 2
inline constexpr const char *Coverage = "coverage";          // 3
inline constexpr const char *MrLength = "mr-length";         // 4
inline constexpr const char *ExactMiss = "exact-miss";       // 5
inline constexpr const char *Reclaimable = "reclaimable";    // 6
inline constexpr const char *Footprint = "footprint";        // 7
inline constexpr const char *CleanFailure = "clean-failure"; // 8
inline constexpr const char *VetoPolicy = "veto-policy";     // 9
// 10, device safety (the data path), and its liveness:
inline constexpr const char *DmaMiss = "dma-miss";               // no page reached
inline constexpr const char *DmaMisdirected = "dma-misdirected"; // another page reached
inline constexpr const char *DmaNotLive = "dma-not-live";        // a page not DMA-live
inline constexpr const char *DmaUnquiesced = "dma-unquiesced";   // MR freed under traffic
inline constexpr const char *TrafficStopped = "traffic-stopped"; // never restarted
inline constexpr const char *Race = "race-answer";           // 11
inline constexpr const char *Canonical = "canonical";        // exact layout
inline constexpr const char *Crash = "crash";                // driver crashed (isolation)
inline constexpr const char *Timeout = "timeout";            // driver hung (isolation)
} // namespace inv

struct Violation {
  std::size_t step = 0;        // index into Trace::ops; ops.size() = after the trace
  std::string op;              // the operation, as written in a trace file
  std::string where;           // "after the step" or the checkpoint inside it
  std::string invariant;       // an inv:: id
  std::string expected, actual;
  std::string journal;         // what the driver asked and was answered in that step
  /// The probed physical address the check failed at, and what the driver
  /// translated it to (BUSMAP_INVALID for a miss), when the check was of
  /// one translation (device-view, exact-miss, canonical).
  std::optional<std::uint64_t> address, answer;
};

/// An MR an injected fault left to the firmware (platform/firmware.hpp).
struct OrphanedMr {
  std::uint64_t handle = 0, bus_start = 0, registered_pages = 0;
};

struct Verdict {
  std::optional<Violation> violation; // none: the trace holds
  std::size_t steps_run = 0;
  /// MRs orphaned when the run ended: not the driver's defect, but memory the
  /// hypervisor cannot reclaim, which the report says.
  std::vector<OrphanedMr> orphans;
  bool pass() const { return !violation; }
  /// The report a user reads: step, invariant, expected, actual, journal.
  std::string describe() const;
};

/// What one step did, for run statistics (see OpOutcome::path).
struct StepRecord {
  std::size_t index = 0;
  const Op *op = nullptr;
  std::string path;                 // "<op>: <path>", empty for translate and faults
  std::uint64_t alloc_faults = 0;   // injected faults consumed during the step
  std::uint64_t hcall_faults = 0;
  /// Per race of the step: "race inside <callback>()" or "race past the
  /// step's N preemption points: no-op", for the run statistics.
  std::vector<std::string> race_paths;
};

/// The partition as the oracle left it after a step, for an observer that
/// wants the state itself (report/: the pictures), so that it never runs
/// the operations a second way.  Valid only during the call.
struct StepState {
  /// Operations done: 0 is the starting layout (before step 1), k is after
  /// Trace::ops[k-1]; past ops.size(), after each closing step the end of
  /// the trace implies (a window closed, the implicit unload).
  std::size_t after = 0;
  const Op *op = nullptr;          // the step's operation; null at the start
  std::string path;                // the protocol path it took ("vetoed by the driver", ...)
  std::span<const JournalEntry> journal; // what the step asked and was answered
  const Violation *violation = nullptr;  // the step's violation, or null when it held
  Mode mode = Mode::Strict;
  /// Read it, and probe translations through it; changing it is not
  /// allowed (the next step is judged on it).
  Partition &partition;
};

struct OracleOptions {
  /// Called after every step that holds, with what the step did.
  std::function<void(const StepRecord &)> on_step;
  /// Called with the starting partition, then after every step, the
  /// violating one and the closing ones included.
  std::function<void(const StepState &)> after_step;
  /// When set, every step's operation, outcome and journal is written here.
  std::function<void(std::string_view)> trace_out;
};

class Oracle {
public:
  Oracle(const busmap_driver &driver, OracleOptions options = {});
  /// Runs `trace` from a fresh partition in the trace's own mode.
  Verdict run(const Trace &trace) const;
  /// Runs `trace` from a fresh partition in `mode`.
  Verdict run(const Trace &trace, Mode mode) const;

private:
  const busmap_driver &driver_;
  OracleOptions options_;
};

/// The canonical one-line text of an operation, as in a trace file.
std::string format_op(const Op &op);

} // namespace busmap

#endif // BUSMAP_PROPERTIES_ORACLE_HPP
