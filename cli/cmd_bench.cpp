// `busmap bench [--json FILE] [--full]`: the short version of the
// benchmarks of bench/ (issue 4 §3): every variant on dense and sparse
// layouts, a table on stdout and, with --json, the list of result objects
// (driver, layout, present_bytes, ns_per_translate,
// ns_per_translate_dependent, footprint_bytes, update_us, hcalls_per_event;
// update and hcall figures are null for the baselines, which are not
// drivers).  Timings are best-of-N wall clock on whatever machine runs it.
#include "bench/measure.hpp"
#include "cli/command.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>

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

Run setup(CLI::App &app) {
  auto json_file = std::make_shared<std::string>();
  auto full = std::make_shared<bool>(false);
  app.add_option("--json", *json_file, "write the results as a JSON list to FILE");
  app.add_flag("--full", *full, "more lookups and repeats (slower, steadier figures)");
  return [json_file, full] {
    bench::Options o;
    if (!*full) {
      o.lookups = 1u << 18;
      o.repeats = 2;
    }
    std::ofstream out;
    if (!json_file->empty()) {
      out.open(*json_file);
      if (!out)
        throw BadInput(fmt::format("{}: cannot open for writing", *json_file));
    }
    const auto results = bench::run_all(o, [](const std::string &what) {
      std::fprintf(stderr, "  %s\n", what.c_str());
    });
    std::printf("%-14s %-6s %10s %8s %8s %12s %10s %10s\n", "driver", "layout", "present",
                "ns/tr", "ns/dep", "footprint", "update_us", "hcalls/ev");
    nlohmann::json j = nlohmann::json::array();
    for (const auto &r : results) {
      std::printf("%-14s %-6s %8lluGi %8.2f %8.2f %12llu %10.1f %10.0f\n", r.driver.c_str(),
                  r.layout.c_str(), static_cast<unsigned long long>(r.present_bytes >> 30),
                  r.ns_per_translate, r.ns_per_translate_dependent,
                  static_cast<unsigned long long>(r.footprint_bytes), r.update_us,
                  r.hcalls_per_event);
      j.push_back(to_json(r));
    }
    if (out)
      out << j.dump(2) << "\n";
    return ExitOk;
  };
}

const Registrar registrar{{"bench", "measure the bus-map variants (short run; --json FILE)", setup}};

} // namespace
} // namespace busmap::cli
