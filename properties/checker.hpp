//===- properties/checker.hpp - the randomized check of one driver -*- C++ -*-===//
//
// check() is `busmap check` for one implementation: N generated traces from
// a seed, each run by the oracle in a child process with a deadline, and on
// the first failure a greedy walk down RapidCheck's shrink tree, then the
// concrete passes of properties/shrink.hpp to a fixpoint, to a small trace
// that fails the same way (the same signature: invariant, kind of check,
// kind of operation).  Other failures met on the way are kept beside it.
//
// We drive RapidCheck by hand (Gen<T>::operator()(Random, size) and
// Shrinkable::shrinks()) instead of calling rc::check, because the run
// needs what rc::check does not give: a child process per case, budgets on
// shrinking and on the whole run, our own progress line, and sharding.
//
// Determinism and sharding: trace i is generated from a seed derived from
// (seed, i) alone, with a size derived from i alone, so it is the same
// trace whether it runs in one big run or in shard i % total of a sharded
// one.  Shards therefore run disjoint sets of traces whose union is the
// big run, and their statistics add up to the big run's.
//
// Flakiness: a driver whose verdict changes from process to process (a
// thread race, a timer, an address it keys on) gives failures it cannot
// show again.  Shrinking takes a candidate on one failing run; at the end
// the traces it took are run CheckOptions::reruns more times each, each
// time in a fresh process, from the last back, and the first that fails
// the same way every time is reported.  When none does, nor the generated
// trace, the failure is reported flaky, with the generated trace.
//
// Statistics: RapidCheck's tags are per case; a user who wants to trust a
// pass needs the run-level picture, so every case reports what it did
// (operations, protocol paths taken, layout class) and the run adds it up.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PROPERTIES_CHECKER_HPP
#define BUSMAP_PROPERTIES_CHECKER_HPP

#include "busmap/driver.h"
#include "properties/generators.hpp"
#include "properties/isolation.hpp"
#include "properties/oracle.hpp"
#include "properties/trace.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace busmap {

/// GoogleTest's sharding protocol: this process runs part `index` of `total`.
struct Shard {
  std::size_t index = 0, total = 1;
  /// From GTEST_TOTAL_SHARDS / GTEST_SHARD_INDEX (none set: one shard), and
  /// touches GTEST_SHARD_STATUS_FILE as the protocol asks.  Throws
  /// std::invalid_argument on malformed or inconsistent values.
  static Shard from_environment();
  bool owns(std::size_t trace_index) const { return trace_index % total == index; }
};

struct ShrinkBudget {
  std::size_t candidates = 4000; // shrink candidates run at most
  std::chrono::seconds time{60};
  /// Concrete passes (properties/shrink.hpp names) left out; tests use it
  /// to show what each pass reaches that the others do not.
  std::vector<std::string> passes_off;
};

struct CheckOptions {
  std::size_t traces = 200;
  std::size_t max_steps = 40;
  std::uint64_t seed = 1;
  Mode mode = Mode::Strict;
  /// Start every trace from this layout instead of a generated one (see
  /// GeneratorOptions::fixed_layout); `layout_name` is its row in the
  /// statistics' layout-class table.
  std::optional<Layout> layout;
  std::string layout_name = "fixed";
  /// The machine profile, layout classes and fixed settings of generated
  /// layouts (a fixed layout gets the profile and the settings).
  LayoutFilter layouts;
  /// Whole run, shrinking included; zero: no limit.  When it runs out the
  /// run stops early and says so (a pass then covers fewer traces).
  std::chrono::seconds time_budget{0};
  std::chrono::milliseconds case_timeout{10000};
  /// Each case's process's address-space limit, MiB (0: none).
  std::uint64_t memory_limit_mib = DefaultMemoryLimitMiB;
  /// How often a failing trace is run again, each time in a fresh process,
  /// before it counts: a failure that does not repeat every time is
  /// reported as flaky, and the shrunk trace reported is the smallest one
  /// taken while shrinking that failed the same way in every rerun.
  std::size_t reruns = 2;
  ShrinkBudget shrink;
  bool fork_cases = true; // false: run cases in this process (no crash isolation)
  /// Worker processes the generated cases run on (properties/worker_pool.hpp);
  /// the verdict, statistics, records and shrunk trace are those of one job.
  /// Shrinking runs in this process.  1, or no fork_cases: one after the other.
  std::size_t jobs = 1;
  /// The isolation of one case, as the fields above say.
  IsolationOptions isolation() const;
  Shard shard;
  /// Called now and then with a one-line status (for a terminal's progress line).
  std::function<void(const std::string &)> progress;
};

/// How often each thing happened over the whole run.
struct RunStats {
  std::map<std::string, std::uint64_t> ops;     // by operation name
  std::map<std::string, std::uint64_t> paths;   // protocol paths taken
  std::map<std::string, std::uint64_t> layouts; // traces per layout class
  std::map<std::string, std::uint64_t> settings; // traces per setting: common or varied
  void merge(const RunStats &other);
  /// The table a user reads after a run.
  std::string table() const;
  friend bool operator==(const RunStats &, const RunStats &) = default;
};

/// One generated trace's outcome, for comparing runs (same seed, shards).
struct TraceRecord {
  std::size_t index = 0;
  std::uint64_t digest = 0; // of the generated trace's file text
  bool pass = true;
  friend bool operator==(const TraceRecord &, const TraceRecord &) = default;
};

/// A failure of another kind met while shrinking: a candidate that fails,
/// but not the way the failure being shrunk does (properties/shrink.hpp).
/// Kept as the smallest such trace seen, not shrunk on its own.
struct OtherFailure {
  std::string signature;
  Trace trace; // trace.expect_fail is its invariant
  Violation violation;
};

/// A failure that did not repeat every time its trace ran.
struct Flakiness {
  std::size_t failed = 0, runs = 0;
};

struct Failure {
  std::size_t trace_index = 0; // which generated trace failed first
  Trace original;
  Trace shrunk;                // trace.expect_fail is the invariant
  Violation violation;         // of the shrunk trace
  std::size_t shrinks = 0;     // accepted shrink steps
  std::size_t candidates = 0;  // shrink candidates run
  double shrink_seconds = 0;   // time spent shrinking (wall clock)
  double shrink_cpu_seconds = 0; // CPU time of it, the cases' processes included
  std::string shrink_cut_short; // empty, or which budget stopped shrinking early
  /// Other failures seen while shrinking, one per signature, in the order met.
  std::vector<OtherFailure> others;
  /// Set when neither a shrunk trace nor the generated one failed in every
  /// rerun: then the trace is the generated one.
  std::optional<Flakiness> flaky;
  /// Traces shrinking took that then failed the same way in some reruns
  /// only (dropped: the report has the last one that failed in all).
  std::size_t flaky_candidates = 0;
  /// The failure database's file (properties/failure_db.hpp) the trace was
  /// replayed from, before any generated trace; empty for a generated one.
  std::string kept_file;
  /// "flaky: failed 2 of 3 runs", or empty.
  std::string flaky_note() const;
};

struct CheckResult {
  std::string impl;
  std::string profile; // the machine profile the traces were generated for
  std::size_t traces = 0; // traces run (this shard)
  std::size_t steps = 0;  // operations run over those traces
  double seconds = 0;
  std::string run_cut_short; // empty, or why fewer than the asked traces ran
  std::optional<Failure> failure;
  RunStats stats;
  std::vector<TraceRecord> records;
  bool pass() const { return !failure; }
};

CheckResult check(const busmap_driver &driver, const CheckOptions &options);

/// Generated case `index` of a check run with `options` (its seed, mode,
/// machine and length): what check runs, and what stress takes its events
/// from.
GeneratedCase generated_case(const CheckOptions &options, std::size_t index);

/// The first generated trace below `limit` that fails, among those the
/// run's shard does not own (they are another part's); no shrinking.  The
/// gtest entry point asks it so that only the part owning the run's first
/// failure prints the full report.
std::optional<std::size_t> first_failure_elsewhere(const busmap_driver &driver,
                                                   const CheckOptions &options, std::size_t limit);

/// One trace through the oracle in a child process (run_isolated), the way
/// every command runs driver code: a crash, an exit() or a hang of the
/// driver becomes the violation of the step it happened in, naming the
/// driver callback it happened in.
struct TraceRun {
  std::optional<Violation> violation;
  std::size_t steps = 0;
  RunStats stats;
  std::string report; // the verdict in Verdict::describe()'s words
  bool child_died = false; // the violation is the child's crash or hang, not the oracle's
};

/// `trace_out` receives every step's text (OracleOptions::trace_out) from
/// the child as it comes.
TraceRun run_trace(const busmap_driver &driver, const Trace &trace, Mode mode,
                   const IsolationOptions &isolation,
                   std::function<void(std::string_view)> trace_out = {});

/// Shrinks a concrete failing trace with the passes of properties/shrink.hpp
/// alone (no generator tree), within options.shrink; nullopt when `trace`
/// holds.  For tests, and for a user's own failing trace.
std::optional<Failure> shrink_trace(const busmap_driver &driver, const Trace &trace,
                                    const CheckOptions &options);

/// The human report of a failure: the invariant, the shrunk trace's
/// verdict, how it was shrunk (and whether a budget stopped that), and
/// each other failure seen while shrinking.
std::string describe_failure(const CheckResult &result);

} // namespace busmap

#endif // BUSMAP_PROPERTIES_CHECKER_HPP
