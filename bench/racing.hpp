//===- bench/racing.hpp - translations racing a map update -------*- C++ -*-===//
//
// What a translation costs while the driver updates its map (issue 12 §4):
// a reader thread translates in polls of 64 lookups (NAPI's default
// weight), each poll inside the data path's traffic gate, while a writer
// thread hot-adds and removes a 256 MiB block through the driver's
// notify(), the next time as soon as the reader has done 64 more polls
// (one hot-add and remove per 4,096 lookups, whatever the design).  The gate is platform/data_path_threads.hpp's: a poll
// enters only while traffic runs, and a stop waits for the poll in flight.
//
// Two designs over the same radix table, measured in one run:
//   - radix: lock-free lookups; the driver itself stops traffic for the
//     part of an event that changes the map and the MR, and frees what it
//     replaced before it restarts (docs/DRIVERS.md);
//   - stop-the-world: the data path is stopped for the whole of every
//     event, as a driver that holds one lock across notify() and takes it
//     in every lookup would have it.
// The figures: ns per lookup with no update running and while updates run,
// and the updates the writer completed per second.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_BENCH_RACING_HPP
#define BUSMAP_BENCH_RACING_HPP

#include "bench/measure.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace busmap::bench {

struct RacingResult {
  std::string design; // "radix" or "stop-the-world"
  std::string layout;
  std::uint64_t present_bytes = 0;
  double ns_quiet = -1;     // per lookup, no update running (-1: not measured)
  double ns_racing = -1;    // per lookup, updates among the lookups (-1: not measured)
  double updates_per_s = 0; // hot-add + hot-remove pairs per second
};

/// Both designs on `l`, each for `duration` of racing (best of `repeats`).
std::vector<RacingResult> measure_racing(const BenchLayout &l, std::chrono::milliseconds duration,
                                         int repeats);

} // namespace busmap::bench

#endif // BUSMAP_BENCH_RACING_HPP
