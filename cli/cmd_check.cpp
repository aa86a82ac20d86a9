// `busmap check`: randomized hotplug traces against built-in drivers,
// mutants and plugins (properties/checker.hpp does the work).
//
// Which implementations: every --impl and --plugin given; --all for every
// built-in driver and mutant; nothing: the built-in drivers expected to
// pass in the chosen mode.  Exit 0 when every verdict is the expected one
// (a plugin, and a driver or mutant named with --impl, are expected to
// pass unless --all was given), 1 otherwise, 2 on bad input.
//
// With --layout FILE every trace starts from that .layout (say, one
// imported from a real machine) and only the operations are generated.
//
// A failure prints the shrunk trace and its verdict and writes it to
// DIR/<impl>.trace for `busmap replay`, with its picture beside it in
// DIR/<impl>.svg and the timeline of every step in DIR/<impl>.timeline.svg,
// and each other failure seen while shrinking to DIR/<impl>.other-N.trace;
// an implementation that now passes has those files of an earlier run
// removed, so DIR holds only current failures.  --json and --junit write
// machine reports.  Sharding follows GoogleTest's environment variables.
//
// The failure database (properties/failure_db.hpp): before generating,
// the failures kept in --db DIR (default $BUSMAP_DB, else
// .busmap/failures; --no-db or BUSMAP_DB=off: none) are replayed, and
// every new shrunk failure is kept there; --prune removes the kept ones
// that now hold.
#include "cli/command.hpp"
#include "cli/isolation_args.hpp"
#include "cli/machine_options.hpp"
#include "cli/numbers.hpp"
#include "cli/output.hpp"
#include "impl/registry.hpp"
#include "platform/driver_text.hpp"
#include "properties/checker.hpp"
#include "properties/failure_db.hpp"
#include "properties/isolation.hpp"
#include "properties/junit.hpp"
#include "properties/ktap.hpp"
#include "properties/plugin.hpp"
#include "properties/settings.hpp"
#include "properties/trace_format.hpp"
#include "report/render.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>

namespace busmap::cli {
namespace {

struct CheckArgs {
  std::vector<std::string> impls, plugins;
  bool all = false;
  std::size_t traces = 200;
  std::size_t steps = 40;
  std::string seed = "1";
  double time_budget = 0;
  std::string mode = "strict";
  std::string out_dir = "busmap-out";
  std::string json_file, junit_file;
  std::string layout_file;
  std::size_t shrink_candidates = 4000;
  std::uint64_t shrink_seconds = 60;
  std::size_t reruns = 2;
  bool quiet = false;
  bool stats = false; // the statistics tables of a passing run
  bool ktap = false;  // KTAP on stdout, the human report on stderr
  std::string db_dir;
  bool no_db = false, prune = false;
  IsolationArgs isolation;
  MachineArgs machine;
};

/// One implementation to check, with the verdict it should get.
struct Target {
  const busmap_driver *driver;
  std::string kind;        // driver, mutant, plugin
  bool expect_pass = true;
  std::string expect_invariant; // for an expected failure, the registry's invariant
  std::string plugin_path;
  std::string load_failure; // a plugin that did not load in its trial child: how it ended
};

std::vector<Target> select_targets(const CheckArgs &a, Mode mode,
                                   std::vector<std::unique_ptr<Plugin>> &plugins) {
  std::vector<Target> out;
  auto from_registry = [&](const Implementation &i, bool use_expectation) {
    const Expect e = mode == Mode::Strict ? i.strict : i.lenient;
    Target t{i.driver, i.kind, true, "", "", ""};
    if (use_expectation && e == Expect::Fail) {
      t.expect_pass = false;
      t.expect_invariant = i.fails ? i.fails : "";
    }
    return t;
  };
  for (const auto &name : a.impls) {
    const Implementation *i = find_implementation(name);
    if (!i)
      throw BadInput(fmt::format("--impl: unknown implementation '{}' (see `busmap list`)", name));
    out.push_back(from_registry(*i, a.all));
  }
  for (const auto &path : a.plugins) {
    try {
      plugins.push_back(std::make_unique<Plugin>(Plugin::open(path, a.isolation.options())));
    } catch (const PluginError &e) {
      throw BadInput(e.what());
    }
    out.push_back({&plugins.back()->driver(), "plugin", true, "", path,
                   plugins.back()->load_failure()});
  }
  if (a.all) {
    for (auto list : {builtin_drivers(), builtin_mutants()})
      for (const auto &i : list)
        out.push_back(from_registry(i, true));
  } else if (out.empty()) {
    for (const auto &i : builtin_drivers())
      if ((mode == Mode::Strict ? i.strict : i.lenient) == Expect::Pass)
        out.push_back(from_registry(i, true));
  }
  return out;
}

std::string file_name_for(std::string_view impl) { return file_stem_for(impl); }

/// Progress on a terminal: one line, rewritten in place.
class ProgressLine {
public:
  ProgressLine() : tty_(::isatty(STDERR_FILENO)) {}
  ~ProgressLine() { clear(); }
  std::function<void(const std::string &)> callback() {
    if (!tty_)
      return {};
    return [this](const std::string &line) {
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
      std::fflush(stderr);
      shown_ = true;
    };
  }
  void clear() {
    if (shown_)
      std::fprintf(stderr, "\r\033[K");
    shown_ = false;
  }

private:
  bool tty_;
  bool shown_ = false;
};

/// What a failure could not write to --out DIR: reported after the verdict
/// (print_outcome, report_write_errors), never instead of it.
struct WriteErrors {
  std::vector<std::string> messages; // each once: a missing DIR fails every file alike
  std::set<std::string> unwritten;   // paths
  void add(const std::string &path, std::string message) {
    unwritten.insert(path);
    if (std::find(messages.begin(), messages.end(), message) == messages.end())
      messages.push_back(std::move(message));
  }
  bool written(const std::string &path) const { return !path.empty() && !unwritten.count(path); }
};

struct Outcome {
  Target target;
  CheckResult result;
  std::string trace_file;
  std::string trace_text;
  std::string svg_file;  // empty when the picture could not be drawn
  std::string svg_error; // then: why
  std::string timeline_file; // DIR/<impl>.timeline.svg, empty when not drawn
  std::string kept_note;     // what replaying the failure database found
  std::string kept_file;     // where the failure was kept in it
  std::vector<std::string> other_files; // DIR/<impl>.other-N.trace, one per other failure
  WriteErrors write_errors;
  bool trace_written() const { return write_errors.written(trace_file); }
  bool as_expected() const { return result.pass() == target.expect_pass; }
};

std::string found_by(const CheckArgs &a, const Target &t, const CheckResult &r) {
  return fmt::format("found by: busmap check {} --profile {} --seed {} --steps {} --mode {}{}",
                     t.plugin_path.empty() ? "--impl " + r.impl : "--plugin " + t.plugin_path,
                     r.profile, a.seed, a.steps, a.mode,
                     a.layout_file.empty() ? "" : " --layout " + a.layout_file);
}

std::string violated(const Violation &v) {
  return fmt::format("violated: {} at step {} ({}), {}", v.invariant, v.step + 1, v.op, v.where);
}

/// Writes `text` to DIR/<name>; answers the path.  A file that cannot be
/// written is kept in `errors`, not thrown: the failure it holds is printed
/// first (print_outcome), the write error reported after it.
std::string write_in_out_dir(const CheckArgs &a, const std::string &name, const std::string &text,
                             WriteErrors &errors) {
  const std::string path = (std::filesystem::path(a.out_dir) / name).string();
  std::string e = try_create_directories(a.out_dir);
  if (e.empty())
    e = try_write_file(path, text, "the trace file");
  if (!e.empty())
    errors.add(path, std::move(e));
  return path;
}

/// Writes DIR/<impl>.trace; answers its path and text.
std::pair<std::string, std::string> write_failure(const CheckArgs &a, const Target &t,
                                                  const CheckResult &r,
                                                  WriteErrors &errors) {
  const Failure &f = *r.failure;
  std::string comment = fmt::format(
      "{}\n"
      "generated trace #{} ({} ops), shrunk to {} ops in {} shrink steps ({} candidates){}\n{}",
      found_by(a, t, r), f.trace_index, f.original.ops.size(), f.shrunk.ops.size(), f.shrinks,
      f.candidates,
      f.shrink_cut_short.empty() ? "" : "\nshrinking stopped early by the " + f.shrink_cut_short,
      violated(f.violation));
  if (f.flaky)
    comment += fmt::format("\n{}: not shrunk; `busmap replay THIS_FILE --repeat 10` shows how "
                           "often it fails",
                           f.flaky_note());
  if (!t.plugin_path.empty())
    comment += "\nreplay with: busmap replay THIS_FILE --plugin " + t.plugin_path;
  const std::string text = write_trace(f.shrunk, comment, t.plugin_path.empty() ? r.impl : "");
  return {write_in_out_dir(a, file_name_for(r.impl) + ".trace", text, errors), text};
}

/// Writes DIR/<impl>.other-N.trace for each other failure seen while
/// shrinking; answers their paths.
std::vector<std::string> write_other_failures(const CheckArgs &a, const Target &t,
                                              const CheckResult &r,
                                              WriteErrors &errors) {
  std::vector<std::string> paths;
  const auto &others = r.failure->others;
  for (std::size_t i = 0; i < others.size(); ++i) {
    const std::string comment =
        fmt::format("{}\nanother failure seen while shrinking the failure of {}.trace\n{}",
                    found_by(a, t, r), file_name_for(r.impl), violated(others[i].violation));
    const std::string text =
        write_trace(others[i].trace, comment, t.plugin_path.empty() ? r.impl : "");
    paths.push_back(
        write_in_out_dir(a, fmt::format("{}.other-{}.trace", file_name_for(r.impl), i + 1), text,
                         errors));
  }
  return paths;
}

/// Draws one picture of the failing trace in a child process: drawing
/// runs the driver that just failed, which may crash or hang.  Answers the
/// SVG, or none with `error` set.
using Draw = report::RenderResult (*)(const Trace &, const busmap_driver &, std::ostream &,
                                      const report::RenderOptions &);
std::optional<std::string> draw_isolated(Draw draw, const Target &t, const Trace &trace,
                                         const report::RenderOptions &ro,
                                         const CheckOptions &options, std::string &error) {
  IsolationOptions iso = options.isolation();
  iso.timeout *= 2; // the picture runs every step, then draws
  Isolated drawn;
  try {
    drawn = run_isolated(
        [&](ChildChannel &) {
          std::ostringstream svg;
          draw(trace, *t.driver, svg, ro);
          return svg.str();
        },
        iso);
  } catch (const std::exception &e) { // --no-fork, or no fork at all
    error = e.what();
    return std::nullopt;
  }
  if (drawn.status != Isolated::Status::Finished) {
    error = drawn.what;
    return std::nullopt;
  }
  return std::move(drawn.payload);
}

/// Writes one picture beside the trace file; answers its path, or empty.
std::string draw_beside(Draw draw, const char *extension, const char *what, const Target &t,
                        const CheckOptions &options, Outcome &o) {
  report::RenderOptions ro;
  ro.title = o.trace_file;
  const auto svg = draw_isolated(draw, t, o.result.failure->shrunk, ro, options, o.svg_error);
  if (!svg)
    return {};
  const std::string path = std::filesystem::path(o.trace_file).replace_extension(extension).string();
  if (auto e = try_write_file(path, *svg, what); !e.empty()) {
    o.svg_error = e;
    o.write_errors.add(path, std::move(e));
    return {};
  }
  return path;
}

/// Draws DIR/<impl>.svg (the failing step) and DIR/<impl>.timeline.svg
/// (every step) beside the trace file; a picture that cannot be drawn is
/// reported, not fatal.
void draw_failure(const Target &t, const CheckOptions &options, Outcome &o) {
  if (!o.trace_written()) {
    o.svg_error = "the trace file was not written";
    return;
  }
  o.svg_file = draw_beside(report::render_trace_svg, ".svg", "the picture", t, options, o);
  if (!o.svg_file.empty())
    o.timeline_file =
        draw_beside(report::render_timeline_svg, ".timeline.svg", "the timeline", t, options, o);
}

/// The files an earlier failure of `impl` left in DIR: gone once it passes,
/// so that DIR never shows a failure that is no more.
void remove_stale_outputs(const CheckArgs &a, const std::string &impl) {
  namespace fs = std::filesystem;
  const std::string stem = file_name_for(impl);
  std::error_code ec;
  for (const auto &e : fs::directory_iterator(a.out_dir, ec)) {
    const std::string name = e.path().filename().string();
    const bool other = name.starts_with(stem + ".other-") && name.ends_with(".trace");
    if (name == stem + ".trace" || name == stem + ".svg" || name == stem + ".timeline.svg" || other)
      fs::remove(e.path(), ec);
  }
}

/// Where the human report goes: stdout, or stderr when stdout carries KTAP.
std::FILE *human(const CheckArgs &a) { return a.ktap ? stderr : stdout; }

/// A plugin's ABI, and what it means for the RAM walk it was judged with.
void print_abi(const CheckArgs &a, const Target &t) {
  if (!t.load_failure.empty())
    std::fprintf(human(a), "  the plugin did not load in a trial process: %s\n", t.load_failure.c_str());
  else if (t.kind == "plugin")
    std::fprintf(human(a), "  %s\n", abi_summary(*t.driver).c_str());
}

void print_outcome(const CheckArgs &a, const Outcome &o) {
  const CheckResult &r = o.result;
  // Without --all every implementation is held to "it holds", so a verdict
  // is only "unexpected" against the registry under --all.
  const std::string expectation =
      !a.all || o.target.expect_pass
          ? ""
          : fmt::format(" (expected to fail {})", o.target.expect_invariant);
  const char *surprise = a.all && !o.as_expected() ? "  <-- NOT as expected" : "";
  if (r.pass()) {
    std::fprintf(human(a), "%s: pass, %zu traces, %zu steps, %.1f s, profile %s%s%s\n", r.impl.c_str(),
                r.traces, r.steps, r.seconds, r.profile.c_str(), expectation.c_str(), surprise);
    print_abi(a, o.target);
    if (!r.run_cut_short.empty())
      std::fprintf(human(a), "  note: %s\n", r.run_cut_short.c_str());
    if (a.stats)
      std::fprintf(human(a), "%s", r.stats.table().c_str());
    return;
  }
  const std::string flaky =
      r.failure->flaky ? fmt::format(" ({})", r.failure->flaky_note()) : std::string();
  std::fprintf(human(a), "%s: FAIL %s%s after %zu traces, %.1f s, profile %s%s%s\n", r.impl.c_str(),
              r.failure->violation.invariant.c_str(), flaky.c_str(), r.traces, r.seconds,
              r.profile.c_str(), expectation.c_str(), surprise);
  print_abi(a, o.target);
  // Quiet or not, a trace that is in no file must reach the terminal.
  if (a.quiet && o.trace_written())
    return;
  std::fprintf(human(a), "%s", describe_failure(r).c_str());
  if (o.trace_written())
    std::fprintf(human(a), "shrunk trace, written to %s:\n%s", o.trace_file.c_str(), o.trace_text.c_str());
  else
    std::fprintf(human(a), "shrunk trace, NOT written to %s (see the error below):\n%s",
                o.trace_file.c_str(), o.trace_text.c_str());
  if (!o.svg_file.empty())
    std::fprintf(human(a), "picture: %s\n", o.svg_file.c_str());
  if (!o.timeline_file.empty())
    std::fprintf(human(a), "timeline: %s\n", o.timeline_file.c_str());
  if (o.svg_file.empty() || o.timeline_file.empty())
    std::fprintf(human(a), "%s not drawn: %s\n", o.svg_file.empty() ? "picture" : "timeline",
                 o.svg_error.c_str());
  if (!o.kept_file.empty())
    std::fprintf(human(a), "kept in the failure database: %s\n", o.kept_file.c_str());
  if (o.trace_written())
    std::fprintf(human(a), "replay: busmap replay %s%s\n", o.trace_file.c_str(),
                o.target.plugin_path.empty() ? "" : (" --plugin " + o.target.plugin_path).c_str());
  for (const auto &path : o.other_files)
    std::fprintf(human(a), "another failure seen while shrinking, %s %s\n",
                o.write_errors.written(path) ? "written to" : "NOT written to", path.c_str());
}

/// The run's settings, as every report names them.
struct RunSettings {
  std::uint64_t seed = 1;
  std::string mode;
  Shard shard;
};

nlohmann::json outcome_json(const RunSettings &run, const Outcome &o) {
  const CheckResult &r = o.result;
  nlohmann::json j = {{"impl", r.impl},
                      {"profile", r.profile},
                      {"seed", run.seed},
                      {"mode", run.mode},
                      {"shard", {{"index", run.shard.index}, {"total", run.shard.total}}},
                      {"abi_version", o.target.driver->abi_version},
                      {"plugin", o.target.plugin_path.empty()
                                     ? nlohmann::json(nullptr)
                                     : nlohmann::json(o.target.plugin_path)},
                      {"kind", o.target.kind},
                      {"verdict", r.pass() ? "pass" : "fail"},
                      {"expected", o.target.expect_pass ? "pass" : "fail"},
                      {"as_expected", o.as_expected()},
                      {"traces", r.traces},
                      {"steps", r.steps},
                      {"seconds", r.seconds},
                      {"stats", {{"ops", r.stats.ops}, {"paths", r.stats.paths},
                                 {"layouts", r.stats.layouts},
                                 {"settings", r.stats.settings}}}};
  if (!r.run_cut_short.empty())
    j["run_cut_short"] = r.run_cut_short;
  if (r.failure) {
    const Failure &f = *r.failure;
    j["invariant"] = f.violation.invariant;
    j["trace_file"] = o.trace_file;
    if (!o.write_errors.messages.empty())
      j["write_errors"] = o.write_errors.messages;
    if (!o.svg_file.empty())
      j["svg_file"] = o.svg_file;
    if (!o.timeline_file.empty())
      j["timeline_file"] = o.timeline_file;
    if (!o.kept_file.empty())
      j["kept_file"] = o.kept_file;
    if (!f.kept_file.empty())
      j["replayed_from"] = f.kept_file;
    j["trace_steps"] = f.shrunk.ops.size();
    j["shrinks"] = f.shrinks;
    j["shrink_candidates"] = f.candidates;
    j["trace_index"] = f.trace_index;
    j["shrink_seconds"] = f.shrink_seconds;
    if (f.flaky)
      j["flaky"] = {{"failed", f.flaky->failed}, {"runs", f.flaky->runs}};
    if (!f.shrink_cut_short.empty())
      j["shrink_cut_short"] = f.shrink_cut_short;
    j["other_failures"] = nlohmann::json::array();
    for (std::size_t i = 0; i < f.others.size(); ++i)
      j["other_failures"].push_back({{"invariant", f.others[i].violation.invariant},
                                     {"where", f.others[i].violation.where},
                                     {"op", f.others[i].violation.op},
                                     {"trace_steps", f.others[i].trace.ops.size()},
                                     {"trace_file", o.other_files.at(i)}});
  }
  return j;
}

/// One test case per implementation and invariant: the violated one fails
/// (unless the failure was the expected one), the others held.  A shard's
/// suite is named by its shard, so a CI server merging the shards' files
/// keeps them apart; a shard that ran no trace skips every case.
junit::TestSuite outcome_junit(const RunSettings &run, const Outcome &o) {
  const CheckResult &r = o.result;
  junit::TestSuite suite;
  suite.name = run.shard.total > 1
                   ? fmt::format("{} shard {} of {}", r.impl, run.shard.index, run.shard.total)
                   : r.impl;
  suite.seconds = r.seconds;
  for (const auto &inv : invariants()) {
    junit::TestCase c;
    c.classname = r.impl;
    c.name = inv.id;
    const bool violated = r.failure && r.failure->violation.invariant == inv.id;
    if (violated) {
      c.seconds = r.seconds;
      if (o.as_expected()) {
        c.system_out = "caught as expected:\n" + describe_failure(r);
      } else {
        c.failed = true;
        c.failure_message =
            fmt::format("{} violated{}: {}", inv.id,
                        r.failure->flaky ? " (" + r.failure->flaky_note() + ")" : "",
                        r.failure->violation.op);
        c.failure_text = describe_failure(r) + "\n" + o.trace_text;
      }
    } else if (r.traces == 0) {
      c.skipped = true;
      c.skipped_message = r.run_cut_short.empty() ? "no trace of this run is this shard's"
                                                  : r.run_cut_short;
    } else if (!o.target.expect_pass && !r.failure && inv.id == o.target.expect_invariant) {
      c.failed = true;
      c.failure_message = fmt::format("{} was expected to catch {} and did not", inv.id, r.impl);
    }
    suite.cases.push_back(std::move(c));
  }
  return suite;
}

/// Every write error of the run, after the verdicts: exit 2 naming each file.
void report_write_errors(const std::vector<Outcome> &outcomes,
                         const std::vector<std::string> &report_errors) {
  std::string all;
  auto add = [&all](const std::vector<std::string> &errors) {
    for (const auto &e : errors)
      all += (all.empty() ? "" : "\nbusmap: ") + e;
  };
  for (const auto &o : outcomes)
    add(o.write_errors.messages);
  add(report_errors);
  if (!all.empty())
    throw BadInput(all);
}

int run_check(const CheckArgs &given) {
  // From here on a.seed is the effective seed: what found_by() and the
  // reports print, so a drawn seed reproduces.
  CheckArgs a = given;
  Seed seed;
  try {
    seed = parse_seed("--seed", given.seed);
  } catch (const std::invalid_argument &e) {
    throw BadInput(e.what());
  }
  a.seed = std::to_string(seed.value);
  const Mode mode = parse_mode("--mode", a.mode);
  std::vector<std::unique_ptr<Plugin>> plugins;
  const std::vector<Target> targets = select_targets(a, mode, plugins);
  if (targets.empty())
    throw BadInput("no implementation to check");

  CheckOptions options;
  options.traces = a.traces;
  options.max_steps = a.steps;
  options.seed = seed.value;
  options.mode = mode;
  options.case_timeout = a.isolation.options().timeout;
  options.memory_limit_mib = a.isolation.memory_limit_mib;
  options.reruns = a.reruns;
  options.shrink.candidates = a.shrink_candidates;
  options.shrink.time = std::chrono::seconds(a.shrink_seconds);
  options.fork_cases = !a.isolation.no_fork;
  options.layouts = a.machine.resolve();
  if (!a.layout_file.empty()) {
    try {
      options.layout = read_layout_file(a.layout_file);
    } catch (const ParseError &e) {
      throw BadInput(e.what());
    }
    options.layout->config = admit(options.layouts, options.layout->config, a.layout_file);
    // --config may change what the layout's bounds derive from (hw_page_shift: its HW pages).
    if (auto e = options.layout->validate(); !e.empty())
      throw BadInput(fmt::format("{}: invalid layout with --config: {}", a.layout_file, e));
    options.layout_name = "file:" + std::filesystem::path(a.layout_file).filename().string();
  }
  try {
    options.shard = Shard::from_environment();
  } catch (const std::invalid_argument &e) {
    throw BadInput(e.what());
  }
  const std::string shard = options.shard.total > 1 ? fmt::format(", shard {} of {}",
                                                                  options.shard.index,
                                                                  options.shard.total)
                                                    : "";
  const std::string layout = options.layout ? fmt::format(", layout {} ({} blocks)",
                                                         a.layout_file, options.layout->blocks.size())
                                             : "";
  const std::string banner = fmt::format(
      "busmap check: {} implementation{}, {} traces of at most {} steps, seed {}, {} mode, "
      "profile {}{}{}",
      targets.size(), targets.size() == 1 ? "" : "s", a.traces, a.steps, seed.describe(), a.mode,
      options.layouts.profile->name, layout, shard);
  std::fprintf(human(a), "%s\n", banner.c_str());
  std::fflush(stdout);

  std::optional<FailureDb> db;
  if (!a.no_db && a.db_dir != "off")
    db.emplace(a.db_dir);
  const auto start = std::chrono::steady_clock::now();
  std::vector<Outcome> outcomes;
  for (const auto &t : targets) {
    if (a.time_budget > 0) {
      const double used = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      // Each implementation gets what is left of the run's budget (at least 1 s).
      options.time_budget = std::chrono::seconds(std::max<long long>(1, static_cast<long long>(a.time_budget - used)));
    }
    ProgressLine progress;
    options.progress = progress.callback();
    Outcome o{t, {}, "", "", "", "", "", "", "", {}, {}};
    if (db) {
      CheckResult named; // found_by() names the implementation and profile only
      named.impl = utf8_escaped(t.driver->name ? t.driver->name : "?");
      named.profile = options.layouts.profile->name;
      DbCheck c = check_with_db(*t.driver, options, *db, a.prune, found_by(a, t, named));
      o.result = std::move(c.result);
      o.kept_note = describe_replay(c.kept, a.prune);
      o.kept_file = std::move(c.kept_file);
    } else {
      o.result = check(*t.driver, options);
    }
    progress.clear();
    if (!o.kept_note.empty())
      std::printf("%s: %s\n", o.result.impl.c_str(), o.kept_note.c_str());
    remove_stale_outputs(a, o.result.impl); // an earlier run's; a failure writes its own
    if (o.result.failure) {
      std::tie(o.trace_file, o.trace_text) = write_failure(a, t, o.result, o.write_errors);
      o.other_files = write_other_failures(a, t, o.result, o.write_errors);
      draw_failure(t, options, o);
    }
    print_outcome(a, o);
    std::fflush(stdout);
    outcomes.push_back(std::move(o));
  }

  const RunSettings run{seed.value, a.mode, options.shard};
  std::vector<std::string> report_errors;
  if (!a.json_file.empty()) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto &o : outcomes)
      j.push_back(outcome_json(run, o));
    if (auto e = try_write_file(a.json_file, j.dump(2) + "\n", "the JSON report"); !e.empty())
      report_errors.push_back(std::move(e));
  }
  if (!a.junit_file.empty()) {
    std::vector<junit::TestSuite> suites;
    for (const auto &o : outcomes)
      suites.push_back(outcome_junit(run, o));
    const std::string xml = junit::to_xml(suites, fmt::format("busmap check --profile {}",
                                                              options.layouts.profile->name));
    if (auto e = try_write_file(a.junit_file, xml, "the JUnit report"); !e.empty())
      report_errors.push_back(std::move(e));
  }
  if (a.ktap) {
    std::vector<junit::TestSuite> suites;
    for (const auto &o : outcomes)
      suites.push_back(outcome_junit(run, o));
    std::printf("%s", ktap::to_ktap(suites, {banner}).c_str());
  }
  std::size_t unexpected = 0;
  for (const auto &o : outcomes)
    unexpected += !o.as_expected();
  std::fprintf(human(a), "%zu of %zu implementations %s\n", outcomes.size() - unexpected, outcomes.size(),
              a.all ? "as expected" : "hold");
  std::fflush(stdout);
  report_write_errors(outcomes, report_errors);
  return unexpected ? ExitFailed : ExitOk;
}

Run setup(CLI::App &app) {
  auto a = std::make_shared<CheckArgs>();
  app.add_option("--impl", a->impls, "a built-in driver or mutant (repeatable; see `busmap list`)");
  app.add_option("--plugin", a->plugins, "a driver shared object exporting busmap_driver_entry (repeatable)");
  app.add_flag("--all", a->all,
               "every built-in driver and mutant; exit 0 when each verdict is the expected one");
  app.add_option("--traces", a->traces, "traces per implementation")
      ->transform(whole_number(1))
      ->capture_default_str();
  app.add_option("--steps", a->steps, "operations per trace at most, the initial load included")
      ->transform(whole_number(1))
      ->capture_default_str();
  app.add_option("--seed", a->seed,
                 "the run's seed: the same seed gives the same result; `random` draws one and "
                 "prints it")
      ->transform(seed())
      ->capture_default_str();
  app.add_option("--time-budget", a->time_budget,
                 "seconds for the whole run, shrinking included (0: none); an early stop is reported")
      ->transform(seconds())
      ->capture_default_str();
  app.add_option("--mode", a->mode, "strict or lenient DMA-liveness (docs/ORACLE.md)")
      ->check(CLI::IsMember({"strict", "lenient"}))
      ->capture_default_str();
  app.add_option("--layout", a->layout_file,
                 "start every trace from this .layout file (e.g. from `busmap layout import`) "
                 "instead of generated layouts");
  app.add_option("--out", a->out_dir,
                 "directory for the shrunk <impl>.trace files and their <impl>.svg pictures")
      ->capture_default_str();
  app.add_option("--json", a->json_file, "write one JSON object per implementation to FILE");
  app.add_option("--junit", a->junit_file,
                 "write JUnit XML to FILE (one test case per implementation and invariant)");
  app.add_option("--shrink-candidates", a->shrink_candidates,
                 "shrink candidates to try at most per failure")
      ->transform(whole_number())
      ->capture_default_str();
  app.add_option("--shrink-time", a->shrink_seconds, "seconds of shrinking at most per failure")
      ->transform(whole_number())
      ->capture_default_str();
  app.add_option("--reruns", a->reruns,
                 "runs of a failing trace again, each in a fresh process, before it counts; a "
                 "failure that does not repeat every time is reported as flaky")
      ->transform(whole_number())
      ->capture_default_str();
  a->isolation.add_to(app);
  app.add_flag("--quiet,-q", a->quiet,
               "one line per implementation: no failure report on the terminal when its trace "
               "file was written");
  app.add_flag("--stats", a->stats,
               "the statistics tables (operations, protocol paths, layout classes, settings) "
               "of each passing implementation; the JSON report always has them");
  app.add_flag("--ktap", a->ktap,
               "write KTAP version 1 to standard output (one subtest per implementation, one "
               "result per invariant); the human report goes to standard error");
  const char *env_db = std::getenv("BUSMAP_DB");
  a->db_dir = env_db && *env_db ? env_db : DefaultFailureDb;
  auto *db = app.add_option("--db", a->db_dir,
                            "the failure database: kept failures are replayed first, new ones "
                            "kept (default $BUSMAP_DB, else .busmap/failures; 'off': none)")
                 ->capture_default_str();
  app.add_flag("--no-db", a->no_db, "no failure database: neither replay nor keep")->excludes(db);
  app.add_flag("--prune", a->prune, "remove the kept failures that now hold");
  a->machine.add_to(app);
  return [a] { return run_check(*a); };
}

const Registrar registrar{{"check", "randomized hotplug traces, shrunk to minimal failing .trace files",
                           setup}};

} // namespace
} // namespace busmap::cli
