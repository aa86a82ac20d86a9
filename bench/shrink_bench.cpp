//===- bench/shrink_bench.cpp - shrinking the mutant zoo ------------------===//
//
// How long shrinking takes, and how close it gets: for every mutant of the
// zoo (impl/mutants/mutants.cpp), `busmap check` with its default settings
// finds the first failure and shrinks it.  The time reported is the shrink
// time alone (manual timing: generating the traces before the failure is
// not shrinking); the counters are the shrunk length, the length of the
// hand-written minimal trace (tests/traces/minimal/<mutant>.trace), the
// candidates run and the CPU seconds of the shrink, its cases' processes
// included (on a machine busy with other work the wall time grows, the
// CPU time much less).  `Zoo/all` shrinks every mutant once: the figure the
// issue's target (all of them under 5 s on 2 cores) is about.
//
//   build/bench/busmap_shrink_bench --benchmark_counters_tabular=true
//
//===----------------------------------------------------------------------===//
#include "impl/registry.hpp"
#include "properties/checker.hpp"
#include "properties/trace_format.hpp"

#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>

namespace {

using namespace busmap;

std::size_t minimal_ops(const char *mutant) {
  const auto path = std::filesystem::path(BUSMAP_MINIMAL_TRACES) / (std::string(mutant) + ".trace");
  try {
    return read_trace_file(path.string()).ops.size();
  } catch (const ParseError &) {
    return 0; // no minimal trace written: the counter shows 0
  }
}

/// The first failure of `mutant` with the default settings, shrunk.
Failure shrink_first_failure(const busmap_driver &mutant) {
  CheckOptions options; // the defaults of `busmap check`
  const CheckResult r = check(mutant, options);
  return r.failure ? *r.failure : Failure{};
}

void shrink_one(benchmark::State &state, const Implementation *m) {
  Failure f;
  for (auto _ : state) {
    f = shrink_first_failure(*m->driver);
    state.SetIterationTime(f.shrink_seconds);
  }
  state.counters["shrunk_ops"] = double(f.shrunk.ops.size());
  state.counters["minimal_ops"] = double(minimal_ops(m->driver->name));
  state.counters["candidates"] = double(f.candidates);
  state.counters["others"] = double(f.others.size());
  state.counters["cpu_s"] = f.shrink_cpu_seconds;
}

void shrink_zoo(benchmark::State &state) {
  std::size_t candidates = 0;
  double cpu = 0;
  for (auto _ : state) {
    double seconds = 0;
    candidates = 0;
    cpu = 0;
    for (const auto &m : builtin_mutants()) {
      const Failure f = shrink_first_failure(*m.driver);
      seconds += f.shrink_seconds;
      cpu += f.shrink_cpu_seconds;
      candidates += f.candidates;
    }
    state.SetIterationTime(seconds);
  }
  state.counters["candidates"] = double(candidates);
  state.counters["cpu_s"] = cpu;
}

void register_one(const char *group, const Implementation &m) {
  benchmark::RegisterBenchmark((std::string(group) + m.driver->name).c_str(), shrink_one, &m)
      ->UseManualTime()
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond);
}

const int registered = [] {
  for (const auto &m : builtin_mutants())
    register_one("Zoo/", m);
  // The historical designs that fail strict mode (ehea, flat, lazy, identity-dup).
  for (const auto &d : builtin_drivers())
    if (d.strict == Expect::Fail)
      register_one("Seed/", d);
  benchmark::RegisterBenchmark("Zoo/all", shrink_zoo)
      ->UseManualTime()
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond);
  return 0;
}();

} // namespace

BENCHMARK_MAIN();
