// `busmap list [--json]`: what the oracle knows: the built-in implementations
// with the verdicts it must give them, the layout classes traces are drawn
// from, the machine profiles, and the invariants by id.  The text form is
// for people; the JSON form ({"implementations": [...], "layouts": [...],
// "profiles": [...], "invariants": [...]})
// is for scripts and CI.
#include "cli/command.hpp"
#include "impl/registry.hpp"
#include "properties/generators.hpp"
#include "properties/oracle.hpp"
#include "properties/plugin.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>

namespace busmap::cli {
namespace {

const char *verdict_name(Expect e) { return e == Expect::Pass ? "pass" : "fail"; }

nlohmann::json implementation_json(const Implementation &i) {
  nlohmann::json j = {
      {"name", i.driver->name},
      {"kind", i.kind},
      {"expected", verdict_name(i.strict)},
      {"expected_lenient", verdict_name(i.lenient)},
      {"description", i.driver->description ? i.driver->description : ""},
      {"abi", i.driver->abi_version},
  };
  if (i.fails)
    j["fails"] = i.fails;
  return j;
}

/// Plugins named with --plugin, listed with the ABI they were built against.
struct Listed {
  std::vector<std::unique_ptr<Plugin>> plugins;
  std::vector<std::string> paths;
};

/// A setting range as text: "max_rpages 1..512 (common 512)".
std::string range_text(const SettingRange &r) {
  return fmt::format("{} {:#x}..{:#x} (common {:#x})", r.key, r.lo, r.hi, r.common);
}

nlohmann::json profile_json(const Profile &p) {
  nlohmann::json j = {{"name", p.name},
                      {"description", p.description},
                      {"classes", p.classes},
                      {"no_ram", p.no_ram},
                      {"memory_up_to_2_64", p.top_of_64},
                      {"default", &p == &default_profile()},
                      {"geometries", nlohmann::json::array()},
                      {"settings", nlohmann::json::array()}};
  for (const auto &g : p.geometries)
    j["geometries"].push_back({{"name", g.name},
                               {"section_shift", g.section_shift},
                               {"page_shift", g.page_shift},
                               {"gigantic_shift", g.gigantic_shift},
                               {"block_shift", g.block_shift},
                               {"min_block_shift", g.min_block_shift},
                               {"hw_page_shifts", g.hw_page_shifts},
                               {"phys_bits", g.phys_bits}});
  for (const auto &r : p.settings)
    j["settings"].push_back({{"key", r.key}, {"lo", r.lo}, {"hi", r.hi}, {"common", r.common},
                             {"align", r.align}});
  return j;
}

std::string profile_text(const Profile &p) {
  std::string s = p.description;
  for (const auto &g : p.geometries)
    s += fmt::format("\n      geometry {}: section_shift={} page_shift={} hw_page_shift={} "
                     "gigantic_shift={} block_shift={}..{} phys_bits={}",
                     g.name, g.section_shift, g.page_shift, fmt::join(g.hw_page_shifts, "|"),
                     g.gigantic_shift, g.min_block_shift, g.block_shift, fmt::join(g.phys_bits, "|"));
  for (const auto &r : p.settings)
    s += "\n      " + range_text(r);
  s += fmt::format("\n      classes: {}; no-RAM partitions: {}; memory up to 2^64: {}",
                   fmt::join(p.classes, ", "), p.no_ram ? "yes" : "no", p.top_of_64 ? "yes" : "no");
  return s;
}

nlohmann::json listing_json(const Listed &listed) {
  nlohmann::json j = {{"implementations", nlohmann::json::array()},
                      {"layouts", nlohmann::json::array()},
                      {"invariants", nlohmann::json::array()}};
  for (auto list : {builtin_drivers(), builtin_mutants()})
    for (const auto &i : list)
      j["implementations"].push_back(implementation_json(i));
  for (std::size_t k = 0; k < listed.plugins.size(); ++k) {
    const busmap_driver &d = listed.plugins[k]->driver();
    j["implementations"].push_back({{"name", d.name},
                                    {"kind", "plugin"},
                                    {"path", listed.paths[k]},
                                    {"abi", d.abi_version},
                                    {"description", d.description ? d.description : ""}});
  }
  for (const auto &c : layout_classes())
    j["layouts"].push_back({{"name", c.name}, {"weight", c.weight}, {"description", c.description}});
  j["profiles"] = nlohmann::json::array();
  for (const auto &p : profiles())
    j["profiles"].push_back(profile_json(p));
  for (const auto &v : invariants())
    j["invariants"].push_back({{"id", v.id}, {"title", v.title}, {"description", v.description}});
  return j;
}

/// One aligned table: the first column padded to its widest entry.
void print_table(const char *heading, const std::vector<std::pair<std::string, std::string>> &rows) {
  std::size_t width = 0;
  for (const auto &r : rows)
    width = std::max(width, r.first.size());
  std::printf("%s\n", heading);
  for (const auto &[left, right] : rows)
    std::printf("  %-*s  %s\n", static_cast<int>(width), left.c_str(), right.c_str());
  if (rows.empty())
    std::printf("  (none)\n");
}

void print_text(const Listed &listed) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (auto list : {builtin_drivers(), builtin_mutants()})
    for (const auto &i : list)
      rows.emplace_back(i.driver->name,
                        fmt::format("{:<6}  strict={} lenient={}{}  {}", i.kind,
                                    verdict_name(i.strict), verdict_name(i.lenient),
                                    i.fails ? fmt::format(" ({})", i.fails) : "",
                                    i.driver->description ? i.driver->description : ""));
  print_table("Implementations (name, kind, expected verdicts, description):", rows);
  if (!listed.plugins.empty()) {
    rows.clear();
    for (std::size_t k = 0; k < listed.plugins.size(); ++k)
      rows.emplace_back(listed.plugins[k]->driver().name,
                        fmt::format("{}: {}", listed.paths[k],
                                    abi_summary(listed.plugins[k]->driver())));
    print_table("\nPlugins (name, file: driver ABI):", rows);
  }
  rows.clear();
  for (const auto &c : layout_classes())
    rows.emplace_back(c.name, fmt::format("weight {:<3} {}", c.weight, c.description));
  print_table("\nLayout classes (name, generator weight, description):", rows);
  rows.clear();
  for (const auto &p : profiles())
    rows.emplace_back(fmt::format("{}{}", p.name, &p == &default_profile() ? " (default)" : ""),
                      profile_text(p));
  print_table("\nMachine profiles (--profile NAME):", rows);
  rows.clear();
  for (const auto &v : invariants())
    rows.emplace_back(v.id, fmt::format("{}: {}", v.title, v.description));
  print_table("\nInvariants (id, title: description):", rows);
}

Run setup(CLI::App &app) {
  auto json = std::make_shared<bool>(false);
  auto paths = std::make_shared<std::vector<std::string>>();
  app.add_flag("--json", *json, "print one JSON object instead of tables");
  app.add_option("--plugin", *paths, "also list a driver shared object and its ABI (repeatable)");
  return [json, paths] {
    Listed listed;
    for (const auto &path : *paths) {
      try {
        listed.plugins.push_back(std::make_unique<Plugin>(Plugin::open(path)));
      } catch (const PluginError &e) {
        throw BadInput(e.what());
      }
      if (const auto &failure = listed.plugins.back()->load_failure(); !failure.empty())
        throw BadInput(fmt::format("{}: the plugin did not load: {}", path, failure));
      listed.paths.push_back(path);
    }
    if (*json)
      std::printf("%s\n", listing_json(listed).dump(2).c_str());
    else
      print_text(listed);
    return ExitOk;
  };
}

const Registrar registrar{
    {"list", "list the implementations, layout classes and invariants", setup}};

} // namespace
} // namespace busmap::cli
