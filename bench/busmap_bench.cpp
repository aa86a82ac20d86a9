// Google Benchmark front end of bench/measure.hpp: one benchmark per
// variant and layout for translation (independent and dependent), with the
// footprint and build time as counters; and `racing`, lookups racing map
// updates for radix against a stop-the-world design (bench/racing.hpp),
// both in each iteration, their ratio a counter.  Run with --benchmark_min_time
// small on a shared machine; `busmap bench` is the short JSON version.
#include "bench/measure.hpp"
#include "bench/racing.hpp"

#include <benchmark/benchmark.h>

namespace {

using namespace busmap::bench;

void translate(benchmark::State &state, const VariantInfo *vi, const char *kind, bool dependent) {
  const BenchLayout l = make_layout(kind, std::uint64_t(state.range(0)) << 30);
  auto v = vi->build(l);
  if (!v) {
    state.SkipWithError("variant cannot represent this layout");
    return;
  }
  const auto addrs = probe_addresses(l, 1u << 16);
  for (auto _ : state)
    benchmark::DoNotOptimize(dependent ? time_dependent(*v, addrs, 1)
                                       : time_independent(*v, addrs, 1));
  state.SetItemsProcessed(state.iterations() * std::int64_t(addrs.size()));
  state.counters["footprint_bytes"] = double(v->footprint_bytes());
}

void racing(benchmark::State &state) {
  const BenchLayout l = make_layout("dense", 64ull << 30);
  std::vector<RacingResult> r;
  for (auto _ : state)
    r = measure_racing(l, std::chrono::milliseconds(500), 1);
  for (const auto &x : r) {
    state.counters[x.design + "_ns_quiet"] = x.ns_quiet;
    state.counters[x.design + "_ns_racing"] = x.ns_racing;
    state.counters[x.design + "_updates_per_s"] = x.updates_per_s;
  }
  state.counters["radix_over_stop_the_world"] = r[0].ns_racing / r[1].ns_racing;
}
BENCHMARK(racing)->Iterations(3)->Unit(benchmark::kMillisecond);

const int registered = [] {
  for (const auto &vi : variants())
    for (const char *kind : {"dense", "sparse"})
      for (bool dep : {false, true})
        benchmark::RegisterBenchmark(
            (std::string(vi.name) + "/" + kind + (dep ? "/dependent" : "/independent")).c_str(),
            translate, &vi, kind, dep)
            ->Arg(1)->Arg(64)->Arg(1024)->Arg(16384)->Unit(benchmark::kMicrosecond);
  return 0;
}();

} // namespace

BENCHMARK_MAIN();
