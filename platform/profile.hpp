//===- platform/profile.hpp - machine profiles -------------------*- C++ -*-===//
//
// What one kind of machine can be, as data: its geometries (section, memory
// block, kernel page, HW page and gigantic-page sizes, MAX_PHYSMEM_BITS),
// the ranges of the settings the firmware may hand a driver (max_rpages,
// max_mrs, bus_start) with the common value of each, the layout classes
// that occur on it, and whether a partition without RAM may occur.
//
// Every Linux/PAPR fact the harness relies on per machine lives in the
// table in profile.cpp (docs/ORACLE.md names the source of each); the
// generator, the oracle, the trace reader and the CLI read the table and
// never branch on a profile's name.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PLATFORM_PROFILE_HPP
#define BUSMAP_PLATFORM_PROFILE_HPP

#include "platform/config.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace busmap {

/// One way the machine's memory can be cut up.
struct Geometry {
  const char *name;
  const char *family; // "ppc64", "x86-64": layout classes tied to an architecture name it
  std::uint32_t section_shift;
  std::uint32_t page_shift;
  std::uint32_t gigantic_shift;
  std::uint32_t block_shift;     // the usual memory block size
  std::uint32_t min_block_shift; // the smallest memory block the kernel uses
  std::vector<std::uint32_t> hw_page_shifts; // MR page sizes allowed, the common one first
  std::vector<std::uint32_t> phys_bits;      // MAX_PHYSMEM_BITS variants, the common one first
};

/// A firmware setting's allowed range [lo, hi] and the value it usually has.
struct SettingRange {
  const char *key; // the trace file's config key
  std::uint64_t lo, hi, common;
  std::uint64_t align = 1; // values must be multiples of this (bus_start: set per HW page)
  /// The lowest value the generator draws (a user may go down to lo).
  std::uint64_t gen_lo = 0;
  std::uint64_t generated_lo() const { return gen_lo ? gen_lo : lo; }
};

struct Profile {
  const char *name;
  const char *description;
  std::vector<Geometry> geometries; // the common one first
  std::vector<SettingRange> settings;
  std::vector<std::string> classes; // layout classes that occur on this machine
  bool no_ram = false;              // a partition with no RAM at all may occur
  bool top_of_64 = false;           // memory may reach 2^64
  /// Any geometry validate() accepts (a portable driver must survive
  /// them all); the geometries listed are then only what is generated.
  bool any_geometry = false;

  /// The setting named `key`, or nullptr.
  const SettingRange *setting(std::string_view key) const;
  /// The geometry `c` uses (by section and page size), or nullptr.
  const Geometry *geometry_of(const PlatformConfig &c) const;
  /// Empty when `c` is a configuration this machine can have, else why not.
  std::string admits(const PlatformConfig &c) const;
  std::string admits_geometry(const PlatformConfig &c) const;
  std::string admits_settings(const PlatformConfig &c) const;
  /// The widest physical address space of its geometries, in bits.
  std::uint32_t max_phys_bits() const;
  bool has_class(std::string_view cls) const;
};

/// Every profile, the default (`portable`) first.
const std::vector<Profile> &profiles();
/// The named profile, or nullptr.
const Profile *find_profile(std::string_view name);
/// The profile runs and version-1 trace files use when none is named.
const Profile &default_profile();
/// "portable, ppc64, x86-64", for messages that list the allowed names.
std::string profile_names();

/// The config of `g` with every setting at its common value (phys_bits the
/// geometry's common width).
PlatformConfig common_config(const Profile &p, const Geometry &g);

/// Reads config.<key> for the settings of SettingRange (max_rpages,
/// max_mrs, bus_start, hw_page_shift, phys_bits); false for another key.
bool get_setting(const PlatformConfig &c, std::string_view key, std::uint64_t &value);
bool set_setting(PlatformConfig &c, std::string_view key, std::uint64_t value);

} // namespace busmap

#endif // BUSMAP_PLATFORM_PROFILE_HPP
