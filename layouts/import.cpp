// Source and machine-kind names, per-kind defaults, and the dispatch from a
// --from name to its importer.
#include "layouts/ranges.hpp"
#include "platform/input_limits.hpp"

#include <fmt/format.h>


namespace busmap::layouts {

PlatformConfig arch_defaults(Arch arch) {
  PlatformConfig c; // the ppc64 values
  if (arch == Arch::X86_64) {
    c.section_shift = 27;  // SECTION_SIZE_BITS on x86-64
    c.page_shift = 12;
    c.block_shift = 27;    // the smallest x86-64 memory block
    c.gigantic_shift = 30; // 1 GiB pages
  }
  return c;
}

Arch default_arch(Source source) {
  return source == Source::DeviceTree ? Arch::Ppc64 : Arch::X86_64;
}

std::optional<Source> parse_source(std::string_view name) {
  if (name == "sysfs") return Source::Sysfs;
  if (name == "iomem") return Source::Iomem;
  if (name == "devicetree") return Source::DeviceTree;
  return std::nullopt;
}

std::optional<Arch> parse_arch(std::string_view name) {
  if (name == "x86-64") return Arch::X86_64;
  if (name == "ppc64") return Arch::Ppc64;
  return std::nullopt;
}

const char *to_string(Source s) {
  switch (s) {
  case Source::Sysfs: return "sysfs";
  case Source::Iomem: return "iomem";
  case Source::DeviceTree: return "devicetree";
  }
  return "?";
}

const char *to_string(Arch a) { return a == Arch::X86_64 ? "x86-64" : "ppc64"; }

std::string read_file(const std::filesystem::path &file) {
  try {
    return limits::read_input_file(file);
  } catch (const limits::InputError &e) {
    throw ImportError(e.what());
  }
}

ImportResult import_layout(Source source, const std::filesystem::path &path,
                           const ImportOptions &options) {
  switch (source) {
  case Source::Sysfs: return import_sysfs(path, options);
  case Source::Iomem: return import_iomem(path, options);
  case Source::DeviceTree: return import_devicetree(path, options);
  }
  throw ImportError("unknown layout source");
}

} // namespace busmap::layouts
