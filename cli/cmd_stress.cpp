// `busmap stress`: the data path's translations on N threads in real
// parallel with generated hotplug events, for a bounded time
// (properties/stress.hpp).  Exit 0 when every answer was one of the states
// it overlapped and every step held, 1 on a failure (its report, and the
// trace whose events were running), 2 on bad input.  A failure is not
// replayable as it stands: another run interleaves differently.  Run it
// again, or under the tsan preset, which names the racing accesses; with
// --trace FILE the events of one trace (a kept failure) run again and
// again.
#include "cli/command.hpp"
#include "cli/isolation_args.hpp"
#include "cli/machine_options.hpp"
#include "cli/numbers.hpp"
#include "impl/registry.hpp"
#include "properties/plugin.hpp"
#include "properties/settings.hpp"
#include "properties/stress.hpp"
#include "properties/trace_format.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <optional>

namespace busmap::cli {
namespace {

struct StressArgs {
  std::string impl = "radix";
  std::string plugin;
  std::string trace;
  unsigned threads = 2;
  double seconds = 3;
  std::string seed = "1";
  std::string mode = "strict";
  std::size_t steps = 40;
  MachineArgs machine;
  IsolationArgs isolation;
};

int run_stress(const StressArgs &a) {
  std::optional<Plugin> plugin;
  const busmap_driver *driver = nullptr;
  if (!a.plugin.empty()) {
    try {
      plugin.emplace(Plugin::open(a.plugin, a.isolation.options()));
    } catch (const PluginError &e) {
      throw BadInput(e.what());
    }
    driver = &plugin->driver();
  } else if (const Implementation *i = find_implementation(a.impl)) {
    driver = i->driver;
  } else {
    throw BadInput(fmt::format("unknown implementation '{}' (see `busmap list`)", a.impl));
  }
  StressOptions o;
  try {
    o.events.seed = parse_seed("--seed", a.seed).value;
    o.events.mode = parse_mode("--mode", a.mode);
  } catch (const std::invalid_argument &e) {
    throw BadInput(e.what());
  }
  o.events.max_steps = a.steps;
  o.events.layouts = a.machine.resolve();
  o.events.case_timeout = a.isolation.options().timeout;
  o.events.memory_limit_mib = a.isolation.memory_limit_mib;
  if (!a.trace.empty()) {
    try {
      o.trace = read_trace_file(a.trace);
    } catch (const ParseError &e) {
      throw BadInput(e.what());
    }
  }
  o.threads = a.threads;
  o.duration = std::chrono::milliseconds(static_cast<std::int64_t>(a.seconds * 1000));

  const StressResult r = stress(*driver, o);
  std::printf("stress %s: %zu traces, %zu steps, %llu translations on %u data-path threads "
              "(seed %llu, %s): %s\n",
              driver->name ? driver->name : "?", r.traces, r.steps,
              static_cast<unsigned long long>(r.translations), a.threads,
              static_cast<unsigned long long>(o.events.seed), a.mode.c_str(),
              r.failure ? ("fail " + r.invariant).c_str() : "pass");
  if (!r.failure && r.translations == 0)
    std::printf("  nothing translated in parallel: the driver has no data path (ABI 1, or NULL "
                "xmit/refill_rx), or its traffic never ran\n");
  for (const auto &[invariant, traces] : r.sequential)
    std::printf("  %zu trace%s ended early on a sequential %s violation (see `busmap check`)\n",
                traces, traces == 1 ? "" : "s", invariant.c_str());
  if (r.failure)
    std::fputs(r.failure->c_str(), stdout);
  return r.failure ? ExitFailed : ExitOk;
}

Run setup(CLI::App &app) {
  auto a = std::make_shared<StressArgs>();
  auto *impl = app.add_option("--impl", a->impl, "a built-in driver or mutant")->capture_default_str();
  app.add_option("--plugin", a->plugin, "a driver shared object exporting busmap_driver_entry")
      ->excludes(impl);
  app.add_option("--trace", a->trace,
                 "run this .trace file's events again and again instead of generated ones");
  app.add_option("--threads", a->threads, "data-path threads translating in parallel")
      ->capture_default_str()
      ->transform(whole_number(1, 32));
  app.add_option("--seconds", a->seconds, "new traces start until then")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  app.add_option("--seed", a->seed, "seed of the generated events (as check's), or `random`")
      ->capture_default_str();
  app.add_option("--mode", a->mode, "strict or lenient DMA-liveness (docs/ORACLE.md)")
      ->capture_default_str()
      ->check(CLI::IsMember({"strict", "lenient"}));
  app.add_option("--steps", a->steps, "operations per trace at most, the initial load included")
      ->capture_default_str()
      ->transform(whole_number(1, 10000));
  a->machine.add_to(app);
  a->isolation.add_to(app);
  return [a] { return run_stress(*a); };
}

const Registrar registrar{
    {"stress", "translate on N threads in real parallel with generated hotplug events", setup}};

} // namespace
} // namespace busmap::cli
