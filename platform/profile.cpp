// The machine-profile table (platform/profile.hpp) and the checks that read
// it.  docs/ORACLE.md ("Machine profiles") gives the source of every number.
#include "platform/profile.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace busmap {

namespace {

// ppc64 (pseries): SECTION_SIZE_BITS 24; 64 KiB pages with MAX_PHYSMEM_BITS
// 51, or 4 KiB pages with 46; LMBs of 16-256 MiB (256 the common size);
// 16 GiB gigantic pages; MR pages of 4 KiB, or 64 KiB under 64 KiB pages.
Geometry ppc64_64k(std::vector<std::uint32_t> bits) {
  return {"ppc64-64k", "ppc64", 24, 16, 34, 28, 24, {12, 16}, std::move(bits)};
}
Geometry ppc64_4k(std::vector<std::uint32_t> bits) {
  return {"ppc64-4k", "ppc64", 24, 12, 34, 28, 24, {12}, std::move(bits)};
}
// x86-64: SECTION_SIZE_BITS 27, 4 KiB pages, 128 MiB memory blocks, 1 GiB
// gigantic pages, MAX_PHYSMEM_BITS 46 (52 with 5-level paging).
Geometry x86_64(std::vector<std::uint32_t> bits) {
  return {"x86-64", "x86-64", 27, 12, 30, 27, 27, {12}, std::move(bits)};
}

// What the firmware may hand the driver; the same on every profile.  The
// generator draws max_rpages from 64 up: fewer pages per call only multiply
// the calls (4096 sections at 1 page per call are 16 M calls, a timeout).
std::vector<SettingRange> firmware_settings() {
  return {{"max_rpages", 1, 512, 512, 1, 64},
          {"max_mrs", 1, 16, 2},
          {"bus_start", 0, 1ull << 63, 1ull << 63, 1ull << 12}};
}

std::vector<Profile> make_profiles() {
  return {
      {"portable",
       "what an architecture-independent driver must survive: every layout class and geometry, "
       "the full 64-bit physical space (16 MiB at 2^60, memory up to 2^64)",
       {ppc64_64k({64}), x86_64({64}), ppc64_4k({64})},
       firmware_settings(),
       {"tiny", "dense", "ppc64-lmb", "x86-64", "numa", "sparse", "gigantic", "large"},
       true,
       true,
       true},
      {"ppc64",
       "IBM pseries (PAPR): 16 MiB sections, 64 KiB pages (or 4 KiB), 256 MiB LMBs, 16 GiB "
       "gigantic pages, 51 physical address bits (46 with 4 KiB pages)",
       {ppc64_64k({51}), ppc64_4k({46})},
       firmware_settings(),
       {"tiny", "dense", "ppc64-lmb", "numa", "sparse", "gigantic", "large"},
       false,
       false},
      {"x86-64",
       "x86-64: 128 MiB sections and blocks, 4 KiB pages, 1 GiB gigantic pages, the PCI hole "
       "below 4 GiB, 46 physical address bits (52 with 5-level paging)",
       {x86_64({46, 52})},
       firmware_settings(),
       {"dense", "x86-64", "numa", "sparse", "gigantic", "large"},
       false,
       false},
  };
}

bool contains(const std::vector<std::uint32_t> &v, std::uint64_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

std::string join(const std::vector<std::uint32_t> &v) {
  std::string s;
  for (auto x : v)
    s += fmt::format("{}{}", s.empty() ? "" : ", ", x);
  return s;
}

} // namespace

const std::vector<Profile> &profiles() {
  static const std::vector<Profile> table = make_profiles();
  return table;
}

const Profile *find_profile(std::string_view name) {
  for (const auto &p : profiles())
    if (name == p.name)
      return &p;
  return nullptr;
}

const Profile &default_profile() { return profiles().front(); }

std::string profile_names() {
  std::string s;
  for (const auto &p : profiles())
    s += fmt::format("{}{}", s.empty() ? "" : ", ", p.name);
  return s;
}

const SettingRange *Profile::setting(std::string_view key) const {
  for (const auto &s : settings)
    if (key == s.key)
      return &s;
  return nullptr;
}

const Geometry *Profile::geometry_of(const PlatformConfig &c) const {
  for (const auto &g : geometries)
    if (g.section_shift == c.section_shift && g.page_shift == c.page_shift)
      return &g;
  return nullptr;
}

std::uint32_t Profile::max_phys_bits() const {
  std::uint32_t bits = 0;
  for (const auto &g : geometries)
    for (auto b : g.phys_bits)
      bits = std::max(bits, b);
  return bits;
}

bool Profile::has_class(std::string_view cls) const {
  return std::find(classes.begin(), classes.end(), cls) != classes.end();
}

std::string Profile::admits(const PlatformConfig &c) const {
  if (auto e = c.validate(); !e.empty())
    return e;
  if (!any_geometry)
    if (auto e = admits_geometry(c); !e.empty())
      return e;
  return admits_settings(c);
}

std::string Profile::admits_geometry(const PlatformConfig &c) const {
  const Geometry *g = geometry_of(c);
  if (!g) {
    std::string allowed;
    for (const auto &x : geometries)
      allowed += fmt::format("{}section_shift={} page_shift={}", allowed.empty() ? "" : "; ",
                             x.section_shift, x.page_shift);
    return fmt::format("profile {} has no geometry with section_shift={} page_shift={} (allowed: {})",
                       name, c.section_shift, c.page_shift, allowed);
  }
  if (!contains(g->hw_page_shifts, c.hw_page_shift))
    return fmt::format("profile {} ({}): hw_page_shift={} is not one of {}", name, g->name,
                       c.hw_page_shift, join(g->hw_page_shifts));
  if (!contains(g->phys_bits, c.phys_bits))
    return fmt::format("profile {} ({}): phys_bits={} is not one of {}", name, g->name, c.phys_bits,
                       join(g->phys_bits));
  if (c.gigantic_shift != g->gigantic_shift)
    return fmt::format("profile {} ({}): gigantic_shift={} must be {}", name, g->name,
                       c.gigantic_shift, g->gigantic_shift);
  if (c.block_shift < g->min_block_shift || c.block_shift > g->block_shift)
    return fmt::format("profile {} ({}): block_shift={} must lie in [{}, {}]", name, g->name,
                       c.block_shift, g->min_block_shift, g->block_shift);
  return {};
}

std::string Profile::admits_settings(const PlatformConfig &c) const {
  for (const auto &s : settings) {
    std::uint64_t v = 0;
    get_setting(c, s.key, v);
    if (v < s.lo || v > s.hi || v % s.align)
      return fmt::format("profile {}: {}={:#x} is outside the allowed range [{:#x}, {:#x}]{}", name,
                         s.key, v, s.lo, s.hi,
                         s.align > 1 ? fmt::format(" in multiples of {:#x}", s.align) : "");
  }
  return {};
}

PlatformConfig common_config(const Profile &p, const Geometry &g) {
  PlatformConfig c;
  c.section_shift = g.section_shift;
  c.page_shift = g.page_shift;
  c.gigantic_shift = g.gigantic_shift;
  c.block_shift = g.block_shift;
  c.hw_page_shift = g.hw_page_shifts.front();
  c.phys_bits = g.phys_bits.front();
  for (const auto &s : p.settings)
    set_setting(c, s.key, s.common);
  return c;
}

namespace {
struct SettingField {
  const char *key;
  bool wide;
  std::uint32_t PlatformConfig::*narrow_member;
  std::uint64_t PlatformConfig::*wide_member;
};
const SettingField setting_fields[] = {
    {"max_rpages", false, &PlatformConfig::max_rpages, nullptr},
    {"max_mrs", false, &PlatformConfig::max_mrs, nullptr},
    {"hw_page_shift", false, &PlatformConfig::hw_page_shift, nullptr},
    {"phys_bits", false, &PlatformConfig::phys_bits, nullptr},
    {"bus_start", true, nullptr, &PlatformConfig::bus_start},
};
const SettingField *find_field(std::string_view key) {
  for (const auto &f : setting_fields)
    if (key == f.key)
      return &f;
  return nullptr;
}
} // namespace

bool get_setting(const PlatformConfig &c, std::string_view key, std::uint64_t &value) {
  const SettingField *f = find_field(key);
  if (!f)
    return false;
  value = f->wide ? c.*(f->wide_member) : c.*(f->narrow_member);
  return true;
}

bool set_setting(PlatformConfig &c, std::string_view key, std::uint64_t value) {
  const SettingField *f = find_field(key);
  if (!f)
    return false;
  if (f->wide)
    c.*(f->wide_member) = value;
  else
    c.*(f->narrow_member) = static_cast<std::uint32_t>(value);
  return true;
}

} // namespace busmap
