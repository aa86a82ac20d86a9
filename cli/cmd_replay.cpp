// `busmap replay FILE.trace`: runs one trace file through the oracle, step by
// step, against a built-in implementation or a plugin, and prints what
// happened; at a failure, the violated invariant with expected and actual.
//
// Which driver: --plugin, else --impl, else the trace header's `impl` line,
// else `simple`.  With --expect the exit code says whether the verdict is
// the one the header expects (that is how tests/traces/ runs the corpus).
//
// --layout FILE.layout replays the trace's operations on that layout instead
// of the trace's own starting layout: "these ops, on this machine's layout".
// The operations keep their addresses, so an op aimed at memory the new
// layout lacks becomes an operation on absent memory, judged as such.
#include "cli/command.hpp"
#include "cli/machine_options.hpp"
#include "impl/registry.hpp"
#include "properties/oracle.hpp"
#include "properties/plugin.hpp"
#include "properties/trace_format.hpp"

#include <fmt/format.h>

#include <cstdio>
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
  MachineArgs machine;
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
      plugin.emplace(Plugin::open(o.plugin));
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
std::string outcome(const Verdict &v) {
  return v.pass() ? "pass" : "fail " + v.violation->invariant;
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
  OracleOptions options;
  // Steps as they run; with --verbose their journals (notifier answers,
  // firmware calls, allocations, log lines) and the failure report too.
  options.trace_out = [&](std::string_view text) {
    if (o.verbose)
      std::fwrite(text.data(), 1, text.size(), stdout);
    else if (text.starts_with('['))
      std::printf("%.*s\n", static_cast<int>(text.find('\n')), text.data());
  };
  Verdict verdict = Oracle(driver, options).run(tf.trace, mode);
  if (!o.verbose || verdict.pass())
    std::fputs(verdict.describe().c_str(), stdout);

  if (!o.expect)
    return verdict.pass() ? ExitOk : ExitFailed;
  bool as_expected = outcome(verdict) == expectation(tf.trace);
  std::printf("expected %s, got %s: %s\n", expectation(tf.trace).c_str(),
              outcome(verdict).c_str(), as_expected ? "as expected" : "NOT as expected");
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
  o->machine.add_to(app, false);
  return [o] { return replay(*o); };
}

const Registrar registrar{{"replay", "run a .trace file through the oracle, step by step", setup}};

} // namespace
} // namespace busmap::cli
