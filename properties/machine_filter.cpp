// make_filter(): profile, classes and settings checked against the profile
// table (platform/profile.hpp), with messages that list what is allowed.
#include "properties/machine_filter.hpp"
#include "properties/settings.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace busmap {

namespace {

const Profile &profile_named(const std::string &name) {
  if (name.empty())
    return default_profile();
  if (const Profile *p = find_profile(name))
    return *p;
  throw std::invalid_argument(
      fmt::format("unknown profile '{}'; allowed: {}", name, profile_names()));
}

/// The allowed values of `key` on `p`, for a message.
std::string allowed_values(const Profile &p, const std::string &key) {
  if (const SettingRange *r = p.setting(key))
    return fmt::format("[{:#x}, {:#x}]{} (common {:#x})", r->lo, r->hi,
                       r->align > 1 ? fmt::format(" in multiples of {:#x}", r->align) : "",
                       r->common);
  std::vector<std::string> per_geometry;
  for (const auto &g : p.geometries)
    per_geometry.push_back(fmt::format(
        "{} on {}", fmt::join(key == "phys_bits" ? g.phys_bits : g.hw_page_shifts, " or "), g.name));
  return fmt::format("{}", fmt::join(per_geometry, "; "));
}

ConfigOverride parse_setting(const Profile &p, const std::string &word) {
  const auto eq = word.find('=');
  const std::string key = word.substr(0, eq);
  std::uint64_t probe = 0;
  if (eq == std::string::npos || !get_setting(PlatformConfig{}, key, probe))
    throw std::invalid_argument(fmt::format(
        "--config '{}': expected KEY=VALUE with KEY one of max_rpages, max_mrs, bus_start, "
        "hw_page_shift, phys_bits",
        word));
  ConfigOverride o{key, parse_number(fmt::format("--config {}", key),
                                     std::string_view(word).substr(eq + 1), 0,
                                     std::numeric_limits<std::uint64_t>::max(),
                                     NumberForm::DecimalOrHex)};
  // In range when some geometry of the profile admits it.
  for (const auto &g : p.geometries) {
    PlatformConfig c = common_config(p, g);
    set_setting(c, o.key, o.value);
    if (p.admits(c).empty())
      return o;
  }
  throw std::invalid_argument(fmt::format("--config {}={}: outside profile {}'s range; allowed: {}",
                                          key, word.substr(eq + 1), p.name,
                                          allowed_values(p, key)));
}

} // namespace

LayoutFilter make_filter(const std::string &profile, const std::vector<std::string> &classes,
                         const std::vector<std::string> &configs) {
  LayoutFilter f;
  f.profile = &profile_named(profile);
  for (const auto &c : classes) {
    if (!f.profile->has_class(c))
      throw std::invalid_argument(fmt::format("unknown layout class '{}' for profile {}; allowed: {}",
                                              c, f.profile->name, class_names(*f.profile)));
    f.classes.push_back(c);
  }
  for (const auto &w : configs)
    f.overrides.push_back(parse_setting(*f.profile, w));
  // Settings each fine alone may rule out every geometry together.
  gen_layout(f);
  return f;
}

std::vector<std::string> split_list(const std::string &text) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : text + ",") {
    if (ch == ',' || ch == ' ') {
      if (!cur.empty())
        out.push_back(cur);
      cur.clear();
    } else {
      cur += ch;
    }
  }
  return out;
}

} // namespace busmap
