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
#include "bench/measure.hpp"
#include "cli/command.hpp"
#include "cli/machine_options.hpp"
#include "cli/output.hpp"
#include "properties/trace_format.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
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
  constexpr std::uint32_t BenchShift = 24;
  layout.config = admit(machine, layout.config, path);
  if (auto e = layout.validate(); !e.empty()) // --config may change what its bounds derive from
    throw BadInput(fmt::format("{}: invalid layout with --config: {}", path, e));
  if (layout.config.section_shift < BenchShift)
    throw BadInput(fmt::format("{}: sections of 2^{} bytes; the benchmarks need at least 16 MiB",
                               path, layout.config.section_shift));
  const std::uint32_t scale = layout.config.section_shift - BenchShift;
  bench::BenchLayout l{"file", 0, {}};
  for (const auto &b : layout.blocks) {
    if (b.state != BlockState::Online)
      continue;
    const std::uint64_t first = (b.base >> BenchShift), count = b.sections << scale;
    l.present_bytes += count << BenchShift;
    if (!l.ranges.empty() && l.ranges.back().first + l.ranges.back().second == first)
      l.ranges.back().second += count;
    else
      l.ranges.push_back({first, count});
  }
  if (l.ranges.empty())
    throw BadInput(fmt::format("{}: no online memory to measure", path));
  return l;
}

Run setup(CLI::App &app) {
  auto json_file = std::make_shared<std::string>();
  auto layout_file = std::make_shared<std::string>();
  auto full = std::make_shared<bool>(false);
  auto machine_args = std::make_shared<MachineArgs>();
  machine_args->add_to(app, false);
  app.add_option("--json", *json_file, "write the results as a JSON list to FILE");
  app.add_option("--layout", *layout_file,
                 "measure on this .layout file's online memory instead of the generated "
                 "dense and sparse layouts");
  app.add_flag("--full", *full, "more lookups and repeats (slower, steadier figures)");
  return [json_file, layout_file, full, machine_args] {
    // The profile a --layout file is checked against, and named in the output.
    const LayoutFilter machine = machine_args->resolve();
    bench::Options o;
    if (!*full) {
      o.lookups = 1u << 18;
      o.repeats = 2;
    }
    // Fail before the measuring, not after it, when the report cannot be written.
    if (!json_file->empty())
      write_output_file(*json_file, "", "the JSON report");
    std::optional<bench::BenchLayout> file;
    if (!layout_file->empty())
      file = bench_layout(*layout_file, machine);
    std::printf("profile %s\n", machine.profile->name);
    auto progress = [](const std::string &what) { std::fprintf(stderr, "  %s\n", what.c_str()); };
    const auto results = file ? bench::run_layout(o, *file, progress) : bench::run_all(o, progress);
    std::printf("%-14s %-6s %10s %8s %8s %12s %10s %10s\n", "driver", "layout", "present",
                "ns/tr", "ns/dep", "footprint", "update_us", "hcalls/ev");
    nlohmann::json j = nlohmann::json::array();
    for (const auto &r : results) {
      std::printf("%-14s %-6s %8lluGi %8.2f %8.2f %12llu %10.1f %10.0f\n", r.driver.c_str(),
                  r.layout.c_str(), static_cast<unsigned long long>(r.present_bytes >> 30),
                  r.ns_per_translate, r.ns_per_translate_dependent,
                  static_cast<unsigned long long>(r.footprint_bytes), r.update_us,
                  r.hcalls_per_event);
      auto row = to_json(r);
      row["profile"] = machine.profile->name;
      j.push_back(std::move(row));
    }
    if (!json_file->empty())
      write_output_file(*json_file, j.dump(2) + "\n", "the JSON report");
    return ExitOk;
  };
}

const Registrar registrar{{"bench", "measure the bus-map variants (short run; --json FILE)", setup}};

} // namespace
} // namespace busmap::cli
