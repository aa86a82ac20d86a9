// `busmap replay FILE.trace`: runs one trace file through the oracle, step by
// step, against a built-in implementation or a plugin, and prints what
// happened; at a failure, the violated invariant with expected and actual.
//
// Which driver: --plugin, else --impl, else the trace header's `impl` line,
// else `simple`.  With --expect the exit code says whether the verdict is
// the one the header expects (that is how tests/traces/ runs the corpus).
//
// The trace runs in a child process, as a check's case does
// (properties/isolation.hpp), with the same --case-timeout and
// --memory-limit: a driver that crashes, exits or hangs gets the verdict it
// gets from check, and cannot take replay down.  --repeat N runs it N
// times, each in a fresh process, and says how often it failed: a verdict
// that changes from run to run is reported as flaky.
//
// --layout FILE.layout replays the trace's operations on that layout instead
// of the trace's own starting layout: "these ops, on this machine's layout".
// The operations keep their addresses, so an op aimed at memory the new
// layout lacks becomes an operation on absent memory, judged as such.
#include "cli/command.hpp"
#include "cli/isolation_args.hpp"
#include "cli/machine_options.hpp"
#include "cli/numbers.hpp"
#include "properties/checker.hpp"
#include "impl/registry.hpp"
#include "properties/oracle.hpp"
#include "properties/plugin.hpp"
#include "properties/trace_format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <cstdio>
#include <map>
#include <vector>
#include <optional>

namespace busmap::cli {
namespace {

struct ReplayOptions {
  std::string file;
  std::string impl;
  std::string plugin;
  std::string mode;
  std::string layout;
  bool verbose = false;
  bool expect = false;
  std::size_t repeat = 1;
  MachineArgs machine;
  IsolationArgs isolation;
};

std::string builtin_names() {
  std::string s;
  for (auto list : {builtin_drivers(), builtin_mutants()})
    for (const auto &i : list)
      s += fmt::format("{}{}", s.empty() ? "" : ", ", i.driver->name);
  return s;
}

/// The driver to replay against; `plugin` keeps a loaded plugin alive.
const busmap_driver &choose_driver(const ReplayOptions &o, const TraceFile &tf,
                                   std::optional<Plugin> &plugin) {
  if (!o.plugin.empty()) {
    try {
      plugin.emplace(Plugin::open(o.plugin, o.isolation.options()));
    } catch (const PluginError &e) {
      throw BadInput(e.what());
    }
    return plugin->driver();
  }
  std::string name = !o.impl.empty() ? o.impl : !tf.impl.empty() ? tf.impl : "simple";
  if (const Implementation *i = find_implementation(name))
    return *i->driver;
  if (!o.impl.empty())
    throw BadInput(fmt::format("unknown implementation '{}'; built-in: {}", name, builtin_names()));
  throw BadInput(fmt::format("{}: the header names unknown implementation '{}'; built-in: {} "
                             "(or choose with --impl or --plugin)",
                             o.file, name, builtin_names()));
}

/// Expected verdict of the header, in the words of a report.
std::string expectation(const Trace &t) {
  return t.expect_fail.empty() ? "pass" : "fail " + t.expect_fail;
}
std::string outcome(const TraceRun &r) {
  return r.violation ? "fail " + r.violation->invariant : "pass";
}

/// The trace run `o.repeat` times; answers the outcome of each run.  The
/// first run shows its steps as they go (and its journals with
/// --verbose) and its report; a later run only when its outcome differs.
std::vector<std::string> run_repeatedly(const ReplayOptions &o, const busmap_driver &driver,
                                        const Trace &trace, Mode mode) {
  const std::function<void(std::string_view)> show = [&](std::string_view text) {
    if (o.verbose)
      std::fwrite(text.data(), 1, text.size(), stdout);
    else if (text.starts_with('['))
      std::printf("%.*s\n", static_cast<int>(text.find('\n')), text.data());
  };
  std::vector<std::string> outcomes;
  for (std::size_t k = 0; k < std::max<std::size_t>(o.repeat, 1); ++k) {
    const TraceRun r =
        run_trace(driver, trace, mode, o.isolation.options(), k == 0 ? show : std::function<void(std::string_view)>());
    outcomes.push_back(outcome(r));
    if (k == 0 || outcomes.back() != outcomes.front()) {
      if (k > 0)
        std::printf("run %zu of %zu: %s\n", k + 1, o.repeat, outcomes.back().c_str());
      // With --verbose the oracle's own report came with the steps.
      if (!o.verbose || !r.violation || r.child_died || k > 0)
        std::fputs(r.report.c_str(), stdout);
    }
    std::fflush(stdout);
  }
  return outcomes;
}

/// "fail crash" when every run gave it; else "flaky: fail crash in 3 of 10 runs, ...".
std::string summary(const std::vector<std::string> &outcomes) {
  std::map<std::string, std::size_t> count;
  for (const auto &s : outcomes)
    ++count[s];
  if (count.size() == 1)
    return outcomes.front();
  std::string s = "flaky:";
  for (const auto &[what, n] : count)
    s += fmt::format("{} {} in {} of {} runs", s.back() == ':' ? "" : ",", what, n,
                     outcomes.size());
  return s;
}

int replay(const ReplayOptions &o) {
  TraceFile tf;
  try {
    tf = read_trace_file_with_impl(o.file);
    if (!o.layout.empty())
      tf.trace.layout = read_layout_file(o.layout);
  } catch (const ParseError &e) {
    throw BadInput(e.what());
  }
  // --profile replays the trace as that machine's (its layout must fit);
  // --config changes one setting for the replay.
  MachineArgs machine = o.machine;
  if (machine.profile.empty())
    machine.profile = tf.trace.profile;
  const LayoutFilter filter = machine.resolve();
  tf.trace.profile = filter.profile->name;
  if (!o.machine.profile.empty() || !filter.overrides.empty())
    tf.trace.layout.config = admit(filter, tf.trace.layout.config, o.file);
  if (auto e = tf.trace.layout.validate(); !e.empty())
    throw BadInput(fmt::format("{}: invalid layout for profile {}: {}", o.file, tf.trace.profile, e));
  std::optional<Plugin> plugin;
  const busmap_driver &driver = choose_driver(o, tf, plugin);
  Mode mode = o.mode.empty() ? tf.trace.mode : o.mode == "lenient" ? Mode::Lenient : Mode::Strict;

  std::printf("replay %s: driver %s, %s mode, %zu operations%s, profile %s\n", o.file.c_str(),
              driver.name, to_string(mode), tf.trace.ops.size(),
              o.layout.empty() ? ""
                               : fmt::format(", on layout {} ({} blocks)", o.layout,
                                             tf.trace.layout.blocks.size())
                                     .c_str(),
              tf.trace.profile.c_str());
  const std::vector<std::string> outcomes = run_repeatedly(o, driver, tf.trace, mode);
  const std::string got = summary(outcomes);
  if (o.repeat > 1)
    std::printf("%zu runs: %s\n", outcomes.size(), got.c_str());
  if (!o.expect)
    return got == "pass" ? ExitOk : ExitFailed;
  bool as_expected = got == expectation(tf.trace);
  std::printf("expected %s, got %s: %s\n", expectation(tf.trace).c_str(), got.c_str(),
              as_expected ? "as expected" : "NOT as expected");
  return as_expected ? ExitOk : ExitFailed;
}

Run setup(CLI::App &app) {
  auto o = std::make_shared<ReplayOptions>();
  app.add_option("file", o->file, "the .trace file")->required();
  auto *impl = app.add_option("--impl", o->impl,
                              "built-in implementation (default: the header's impl, else simple)");
  app.add_option("--plugin", o->plugin, "driver shared object exporting busmap_driver_entry")
      ->excludes(impl);
  app.add_option("--mode", o->mode, "strict or lenient (default: the trace header's mode)")
      ->check(CLI::IsMember({"strict", "lenient"}));
  app.add_option("--layout", o->layout,
                 "run the trace's operations on this .layout file's layout instead of the "
                 "trace's own");
  app.add_flag("--verbose,-v", o->verbose,
               "print every step's notifier answers, firmware calls, allocations and log lines");
  app.add_flag("--expect", o->expect,
               "exit 0 when the verdict is the one the header's `expect` line names, else 1");
  app.add_option("--repeat", o->repeat,
                 "run the trace N times, each in a fresh process, and say how often it failed")
      ->capture_default_str()
      ->transform(whole_number(1, 1000000));
  o->machine.add_to(app, false);
  o->isolation.add_to(app);
  return [o] { return replay(*o); };
}

const Registrar registrar{{"replay", "run a .trace file through the oracle, step by step", setup}};

} // namespace
} // namespace busmap::cli
