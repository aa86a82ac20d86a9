//===- properties/stress.hpp - translations in real parallel with events -*- C++ -*-===//
//
// `busmap stress` (issue 12's free-running mode).  The deterministic races
// run one translation at a time at a platform callback; this runs the data
// path's translations on N threads in real parallel with the driver's
// handling of generated hotplug events, for a bounded time, so that a read
// that straddles an update (a table pointer loaded before the update and
// dereferenced after it freed the table) happens, as it does on a machine.
//
// The events are check's generated traces (same seed, same machine), each
// run through the oracle as check runs it; races are left out (the threads
// are the races).  A sequential violation ends its trace and is counted,
// but it is check's verdict, not this one's: stress judges what only
// parallel lookups show, so that a driver check already rejects (eHEA's
// exact misses) is still stressed on the steps before it fails.  The
// platform runs in its real-thread mode (platform/data_path_threads.hpp):
// the threads translate only while traffic runs, stop_traffic() waits for
// the translations in flight, lock words and RCU really wait.
//
// Each answer is judged against the states it overlapped.  After every step
// the oracle has judged, the driver's own answers for the trace's probe
// addresses are recorded as that state's; a translation that began while
// state k was the last recorded and returned while state m was is right
// when it equals the answer of one of the states k..m+1 (m+1 being the one
// the next step was building).  That is linearizability of a lookup: the
// sequential checks say each state's answers are right, this says a
// concurrent lookup answers one of them.
//
// What it cannot do: replay.  A failure names the trace whose events were
// running and the answer, but another run interleaves differently; the
// deterministic races (race=AT:ADDR in a trace) are the replayable form.
// Under ThreadSanitizer (the tsan preset) an unsynchronized read of what
// the update writes or frees is reported even when the answer came out
// right.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PROPERTIES_STRESS_HPP
#define BUSMAP_PROPERTIES_STRESS_HPP

#include "busmap/driver.h"
#include "properties/checker.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace busmap {

struct StressOptions {
  /// Seed, mode, machine and trace length of the events (as check's); its
  /// case_timeout and memory limit bound the child the run takes place in.
  CheckOptions events;
  unsigned threads = 2;                    // data-path threads
  std::chrono::milliseconds duration{3000}; // new traces start until then
  std::size_t probes = 32;                 // addresses translated per trace
  /// Run these events again and again instead of generated ones (a kept
  /// trace, `busmap stress --trace FILE`).
  std::optional<Trace> trace;
};

struct StressResult {
  std::size_t traces = 0, steps = 0;
  std::uint64_t translations = 0; // answered on the data-path threads
  /// The first failure: the oracle's report, a wrong answer, or how the
  /// child died (a crash on a data-path thread, a sanitizer's report, a
  /// deadline passed).
  std::optional<std::string> failure;
  std::string invariant; // of the failure: race-answer, crash or timeout
  /// Traces that ended early on a sequential violation, by invariant.
  std::map<std::string, std::size_t> sequential;
};

/// The stress run, in a child process (properties/isolation.hpp) whose
/// deadline is the duration plus one case timeout.
StressResult stress(const busmap_driver &driver, const StressOptions &options);

} // namespace busmap

#endif // BUSMAP_PROPERTIES_STRESS_HPP
