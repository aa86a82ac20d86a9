// `busmap bench [--json FILE] [--full]`: the short version of the
// benchmarks of bench/ (issue 4 §3): every variant on dense and sparse
// layouts, a table on stdout and, with --json, the list of result objects
// (driver, layout, present_bytes, ns_per_translate,
// ns_per_translate_dependent, footprint_bytes, update_us, hcalls_per_event;
// update and hcall figures are null for the baselines, which are not
// drivers).  Timings are best-of-N wall clock on whatever machine runs it.
//
// `--layout FILE.layout` measures the variants on that layout's online
// memory instead (layout "file" in the table and the JSON), e.g. one that
// `busmap layout import` took from a real machine.
//
// `--plugin X.so` (repeatable) adds the user's driver to every layout of the
// same run, measured by the same code as `radix` (bench::measure_driver),
// in a child process per layout (properties/isolation.hpp), as every command
// runs driver code: a plugin that crashes or hangs gets a row saying "not
// measured" and why, not a dead bench.  The child calls the plugin's own
// table, so its translate() is reached as directly as the built-ins'.
// A figure that was not measured (a baseline has no update or firmware
// calls; a plugin that failed) is written "not measured", and null in JSON.
//
// After the table, the cost of a lookup racing map updates (bench/racing.hpp):
// radix against a stop-the-world design on dense 64 GiB (or the --layout),
// in the same run, with their ratio; on stdout only.
#include "bench/measure.hpp"
#include "bench/racing.hpp"
#include "cli/command.hpp"
#include "cli/isolation_args.hpp"
#include "cli/machine_options.hpp"
#include "cli/output.hpp"
#include "properties/isolation.hpp"
#include "properties/plugin.hpp"
#include "properties/trace_format.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>

namespace busmap::cli {
namespace {

nlohmann::json to_json(const bench::Result &r) {
  auto opt = [](double v) { return v < 0 ? nlohmann::json(nullptr) : nlohmann::json(v); };
  return {{"driver", r.driver},
          {"layout", r.layout},
          {"present_bytes", r.present_bytes},
          {"ns_per_translate", r.ns_per_translate},
          {"ns_per_translate_dependent", r.ns_per_translate_dependent},
          {"footprint_bytes", r.footprint_bytes},
          {"update_us", opt(r.update_us)},
          {"hcalls_per_event", opt(r.hcalls_per_event)}};
}

/// The online memory of a .layout file as the benchmarks see it: ranges of
/// 16 MiB sections, adjacent blocks merged (what walk_ram would report).
bench::BenchLayout bench_layout(const std::string &path, const LayoutFilter &machine) {
  Layout layout;
  try {
    layout = read_layout_file(path);
  } catch (const ParseError &e) {
    throw BadInput(e.what());
  }
  layout.config = admit(machine, layout.config, path);
  if (auto e = layout.validate(); !e.empty()) // --config may change what its bounds derive from
    throw BadInput(fmt::format("{}: invalid layout with --config: {}", path, e));
  if (layout.config.section_shift < bench::SectionShift)
    throw BadInput(fmt::format("{}: sections of 2^{} bytes; the benchmarks need at least 16 MiB",
                               path, layout.config.section_shift));
  const std::uint32_t scale = layout.config.section_shift - bench::SectionShift;
  bench::BenchLayout l{"file", 0, {}};
  for (const auto &b : layout.blocks) {
    if (b.state != BlockState::Online)
      continue;
    const std::uint64_t first = (b.base >> bench::SectionShift), count = b.sections << scale;
    l.present_bytes += count << bench::SectionShift;
    if (!l.ranges.empty() && l.ranges.back().first + l.ranges.back().second == first)
      l.ranges.back().second += count;
    else
      l.ranges.push_back({first, count});
  }
  if (l.ranges.empty())
    throw BadInput(fmt::format("{}: no online memory to measure", path));
  return l;
}

/// A row of the table: a measured result, or a driver that was not measured.
struct Row {
  bench::Result result;
  std::string not_measured; // empty: measured
  std::string plugin;       // the plugin's path, empty for a built-in
};

bench::Result result_from_json(const nlohmann::json &j) {
  auto opt = [&](const char *k) { return j.at(k).is_null() ? -1.0 : j.at(k).get<double>(); };
  bench::Result r{j.at("driver"), j.at("layout"), j.at("present_bytes")};
  r.ns_per_translate = j.at("ns_per_translate");
  r.ns_per_translate_dependent = j.at("ns_per_translate_dependent");
  r.footprint_bytes = j.at("footprint_bytes");
  r.update_us = opt("update_us");
  r.hcalls_per_event = opt("hcalls_per_event");
  return r;
}

/// The plugin's row on `l`, measured in a child.
Row plugin_row(const Plugin &plugin, const bench::Options &o, const bench::BenchLayout &l,
               const IsolationOptions &isolation) {
  const std::string name = plugin.driver().name;
  Row row{{name, l.kind, l.present_bytes}, "", plugin.path()};
  if (!plugin.load_failure().empty()) {
    row.not_measured = "the plugin did not load: " + plugin.load_failure();
    return row;
  }
  const Isolated run = run_isolated(
      [&](ChildChannel &) {
        const auto r = bench::measure_driver(o, l, plugin.loaded(), name);
        return r ? to_json(*r).dump() : std::string();
      },
      isolation);
  if (run.status != Isolated::Status::Finished)
    row.not_measured = run.what;
  else if (run.payload.empty())
    row.not_measured = "load() answered NULL";
  else
    row.result = result_from_json(nlohmann::json::parse(run.payload));
  return row;
}

std::string figure(double v, const char *format) {
  return v < 0 ? "not measured" : fmt::format(fmt::runtime(format), v);
}

void print_table(const std::vector<Row> &rows) {
  std::size_t width = 14;
  for (const auto &r : rows)
    width = std::max(width, r.result.driver.size());
  std::printf("%-*s %-6s %10s %8s %8s %12s %12s %12s\n", static_cast<int>(width), "driver",
              "layout", "present", "ns/tr", "ns/dep", "footprint", "update_us", "hcalls/ev");
  for (const auto &row : rows) {
    const bench::Result &r = row.result;
    if (!row.not_measured.empty()) {
      std::printf("%-*s %-6s %8lluGi %s: %s\n", static_cast<int>(width), r.driver.c_str(),
                  r.layout.c_str(), static_cast<unsigned long long>(r.present_bytes >> 30),
                  "not measured", row.not_measured.c_str());
      continue;
    }
    std::printf("%-*s %-6s %8lluGi %8.2f %8.2f %12llu %12s %12s\n", static_cast<int>(width),
                r.driver.c_str(), r.layout.c_str(),
                static_cast<unsigned long long>(r.present_bytes >> 30), r.ns_per_translate,
                r.ns_per_translate_dependent, static_cast<unsigned long long>(r.footprint_bytes),
                figure(r.update_us, "{:.1f}").c_str(), figure(r.hcalls_per_event, "{:.0f}").c_str());
  }
  std::printf("not measured: update_us and hcalls/ev of the baselines (not drivers: no notifier, "
              "no firmware), hcalls/ev where no 256 MiB block fits above the layout\n");
}

/// The racing figures (bench/racing.hpp) on `l`, both designs in one run,
/// with their ratio (on stdout only: the JSON list keeps one shape of row).
void print_racing(const bench::BenchLayout &l, bool full, void (*progress)(const std::string &)) {
  progress("racing translations: radix and stop-the-world, " + l.kind);
  const auto results =
      bench::measure_racing(l, std::chrono::milliseconds(full ? 1000 : 250), full ? 3 : 2);
  std::printf("\nlookups racing updates (a 256 MiB block hot-added and removed on another thread "
              "once per 4096 lookups; polls of 64 lookups inside the traffic gate):\n");
  std::printf("%-16s %-6s %10s %12s %12s %8s %10s\n", "design", "layout", "present",
              "ns/tr quiet", "ns/tr racing", "racing/q", "updates/s");
  const auto ratio = [](double a, double b) {
    return a < 0 || b <= 0 ? std::string("not measured") : fmt::format("{:.2f}", a / b);
  };
  for (const auto &r : results)
    std::printf("%-16s %-6s %8lluGi %12s %12s %8s %10.0f\n", r.design.c_str(), r.layout.c_str(),
                static_cast<unsigned long long>(r.present_bytes >> 30),
                figure(r.ns_quiet, "{:.2f}").c_str(), figure(r.ns_racing, "{:.2f}").c_str(),
                ratio(r.ns_racing, r.ns_quiet).c_str(), r.updates_per_s);
  if (results.size() == 2)
    std::printf("radix / stop-the-world while racing: %s\n",
                ratio(results[0].ns_racing, results[1].ns_racing).c_str());
}

struct BenchArgs {
  std::string json_file, layout_file;
  bool full = false;
  std::vector<std::string> plugins;
  MachineArgs machine;
  IsolationArgs isolation;
};

int bench_command(const BenchArgs &a) {
  // The profile a --layout file is checked against, and named in the output.
  const LayoutFilter machine = a.machine.resolve();
  bench::Options o;
  if (!a.full) {
    o.lookups = 1u << 18;
    o.repeats = 2;
  }
  std::vector<std::unique_ptr<Plugin>> plugins;
  for (const auto &path : a.plugins) {
    try {
      plugins.push_back(std::make_unique<Plugin>(Plugin::open(path, a.isolation.options())));
    } catch (const PluginError &e) {
      throw BadInput(e.what());
    }
  }
  // Fail before the measuring, not after it, when the report cannot be written.
  if (!a.json_file.empty())
    write_output_file(a.json_file, "", "the JSON report");
  std::vector<bench::BenchLayout> layouts;
  if (!a.layout_file.empty())
    layouts.push_back(bench_layout(a.layout_file, machine));
  else
    for (const char *kind : {"dense", "sparse"})
      for (std::uint64_t size : o.sizes)
        layouts.push_back(bench::make_layout(kind, size));
  std::printf("profile %s\n", machine.profile->name);
  auto progress = [](const std::string &what) { std::fprintf(stderr, "  %s\n", what.c_str()); };
  std::vector<Row> rows;
  for (const auto &l : layouts) {
    for (auto &r : bench::run_layout(o, l, progress))
      rows.push_back({std::move(r), "", ""});
    for (const auto &p : plugins) {
      progress(fmt::format("{} (plugin) {} {} GiB", p->driver().name, l.kind, l.present_bytes >> 30));
      rows.push_back(plugin_row(*p, o, l, a.isolation.options()));
    }
  }
  print_table(rows);
  print_racing(a.layout_file.empty() ? bench::make_layout("dense", 64ull << 30) : layouts.front(),
               a.full, progress);
  nlohmann::json j = nlohmann::json::array();
  for (const auto &row : rows) {
    auto out = to_json(row.result);
    out["profile"] = machine.profile->name;
    if (!row.not_measured.empty()) {
      for (const char *k : {"ns_per_translate", "ns_per_translate_dependent", "footprint_bytes",
                            "update_us", "hcalls_per_event"})
        out[k] = nullptr;
      out["not_measured"] = row.not_measured;
    }
    if (!row.plugin.empty())
      out["plugin"] = row.plugin;
    j.push_back(std::move(out));
  }
  if (!a.json_file.empty())
    write_output_file(a.json_file, j.dump(2) + "\n", "the JSON report");
  return ExitOk;
}

Run setup(CLI::App &app) {
  auto a = std::make_shared<BenchArgs>();
  a->machine.add_to(app, false);
  app.add_option("--json", a->json_file, "write the results as a JSON list to FILE");
  app.add_option("--layout", a->layout_file,
                 "measure on this .layout file's online memory instead of the generated "
                 "dense and sparse layouts");
  app.add_option("--plugin", a->plugins,
                 "also measure this driver shared object, beside radix and the baselines "
                 "(repeatable; run in a child process per layout)");
  app.add_flag("--full", a->full, "more lookups and repeats (slower, steadier figures)");
  // A layout's measurement loads a map of up to 16 TiB: more than a trace's time.
  a->isolation.case_timeout_ms = 120000;
  a->isolation.add_to(app);
  return [a] { return bench_command(*a); };
}

const Registrar registrar{{"bench", "measure the bus-map variants (short run; --json FILE)", setup}};

} // namespace
} // namespace busmap::cli
