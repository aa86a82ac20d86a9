//===- bench/measure.hpp - bus-map measurements shared by both front ends -*- C++ -*-===//
//
// The measurements of issue 4 §3, as a small library used by the Google
// Benchmark executable (bench/busmap_bench.cpp) and by `busmap bench`
// (cli/cmd_bench.cpp): for each variant (the optimized `radix` driver, the
// `ehea` driver, and the baselines binary search, SPDK-style two-level
// radix and flat table) and each layout (dense or sparse, 1 GiB to 16 TiB
// of 16 MiB sections) it measures translation throughput (independent
// lookups), latency (a dependent chain), map build time, footprint and
// firmware calls per notifier event.
//
// Drivers run through the C ABI on impl/bare_platform.hpp, so firmware time
// is excluded and the footprint is what the driver allocated; every
// variant is called through the same function pointer.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_BENCH_MEASURE_HPP
#define BUSMAP_BENCH_MEASURE_HPP

#include "busmap/driver.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace busmap::bench {

/// Every benchmark layout has sections of 2^SectionShift bytes (16 MiB).
inline constexpr std::uint32_t SectionShift = 24;

/// Present memory as [first section, first + count) ranges, ascending.
struct BenchLayout {
  std::string kind; // "dense", "sparse", or "file" (a .layout given to `busmap bench`)
  std::uint64_t present_bytes = 0;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
};

/// dense: one range at 0.  sparse: 256 MiB blocks spread one per 64 GiB,
/// plus 16 MiB at 2^60 (beyond any 48-bit table).
BenchLayout make_layout(const std::string &kind, std::uint64_t present_bytes);

/// A translation structure built over a layout, called through `fn`.
struct Variant {
  virtual ~Variant() = default;
  virtual std::uint64_t translate(std::uint64_t addr) const = 0;
  virtual std::uint64_t footprint_bytes() const = 0;
};

struct VariantInfo {
  const char *name;
  /// Null when the variant cannot represent the layout (flat table too big).
  std::unique_ptr<Variant> (*build)(const BenchLayout &);
  bool is_driver; // has notifier events (update and hcall figures)
};
const std::vector<VariantInfo> &variants();

struct Result {
  std::string driver, layout;
  std::uint64_t present_bytes = 0;
  double ns_per_translate = 0, ns_per_translate_dependent = 0;
  std::uint64_t footprint_bytes = 0;
  double update_us = -1;          // map build for the whole layout; -1: not a driver
  double hcalls_per_event = -1;   // one hot-add of 256 MiB; -1: not a driver
};

struct Options {
  std::vector<std::uint64_t> sizes{1ull << 30, 64ull << 30, 1ull << 40, 16ull << 40};
  std::uint64_t lookups = 1u << 20; // per timing run
  int repeats = 3;                  // best of
};

/// Runs every variant on every layout.  `progress` (may be null) is told
/// what runs.
std::vector<Result> run_all(const Options &o, void (*progress)(const std::string &) = nullptr);
/// Runs every variant on one layout (its ranges in 16 MiB sections).
std::vector<Result> run_layout(const Options &o, const BenchLayout &l,
                               void (*progress)(const std::string &) = nullptr);

/// One driver given by its table (a plugin's, for `busmap bench --plugin`)
/// measured as the built-in drivers are on `l`, under the name `name`;
/// nullopt when its load() answers NULL.  Runs the driver's code in this
/// process: the CLI calls it in an isolated child.
std::optional<Result> measure_driver(const Options &o, const BenchLayout &l,
                                     const busmap_driver &driver, const std::string &name);

/// Addresses inside present memory, pseudo-random, for the lookups.
std::vector<std::uint64_t> probe_addresses(const BenchLayout &l, std::size_t n);
/// ns per lookup, independent and dependent.
double time_independent(const Variant &v, const std::vector<std::uint64_t> &addrs, int repeats);
double time_dependent(const Variant &v, const std::vector<std::uint64_t> &addrs, int repeats);

} // namespace busmap::bench

#endif // BUSMAP_BENCH_MEASURE_HPP
