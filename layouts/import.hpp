//===- layouts/import.hpp - real memory layouts as starting states -*- C++ -*-===//
//
// Importers turn what a real machine tells about its memory into a
// busmap::Layout, the starting state of a trace:
//
//   * sysfs:      a copy of /sys/devices/system/memory (block_size_bytes,
//                 memoryN/phys_index, memoryN/state), or the live directory;
//   * iomem:      the "System RAM" lines of /proc/iomem;
//   * devicetree: the ppc64 ibm,dynamic-reconfiguration-memory node
//                 (ibm,lmb-size, ibm,dynamic-memory v1 or -v2), as found
//                 under /proc/device-tree on a POWER partition.
//
// Each source fixes what the platform configuration defaults to (x86-64 for
// sysfs and iomem, ppc64 for the device tree) and how a range that is not
// section-aligned is rounded; docs/LAYOUTS.md states the rules.  Bad input
// never yields a half-built layout: an ImportError names the file (and line,
// or byte offset for binary properties) and says what was expected.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_LAYOUTS_IMPORT_HPP
#define BUSMAP_LAYOUTS_IMPORT_HPP

#include "platform/config.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace busmap::layouts {

/// A malformed or unusable input; what() starts with the file (and line).
struct ImportError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class Source { Sysfs, Iomem, DeviceTree };
enum class Arch { X86_64, Ppc64 };

/// How a RAM range that does not start and end on a section boundary
/// becomes whole sections.  Outward is what sparsemem does (a section with
/// any RAM in it is present); inward keeps only sections that are all RAM.
enum class Rounding { Outward, Inward };

struct ImportOptions {
  std::optional<Arch> arch;            // unset: the source's own default
  Rounding rounding = Rounding::Outward;
  std::optional<std::uint32_t> block_shift; // iomem only: hotplug unit (default: one section)
};

struct ImportResult {
  Layout layout;
  /// What the importer decided on the user's behalf (rounding, skipped
  /// reserved LMBs, transient states), one sentence each.
  std::vector<std::string> notes;
};

/// The granularities of a machine kind (DESIGN.md §2): x86-64 has 128 MiB
/// sections, 4 KiB pages and 1 GiB gigantic pages; ppc64 16 MiB sections,
/// 64 KiB pages, 256 MiB LMBs and 16 GiB gigantic pages.
PlatformConfig arch_defaults(Arch arch);
Arch default_arch(Source source);

std::optional<Source> parse_source(std::string_view name);
std::optional<Arch> parse_arch(std::string_view name);
const char *to_string(Source s);
const char *to_string(Arch a);

ImportResult import_sysfs(const std::filesystem::path &dir, const ImportOptions &options = {});

/// A copy of /sys/devices/system/memory already read into memory: what
/// import_sysfs reads from a directory, and what the fuzz target builds
/// from its input without touching the disk.  `dir` only names files in
/// errors; blocks may come in any order, and entries not named memoryN are
/// ignored, as in a directory listing.
struct SysfsMemory {
  struct Block {
    std::string name;        // "memory12"
    std::string phys_index;  // the files' contents
    std::string state;
  };
  std::filesystem::path dir;
  std::string block_size_bytes;
  std::vector<Block> blocks;
};
ImportResult import_sysfs_memory(const SysfsMemory &memory, const ImportOptions &options = {});
ImportResult import_iomem(const std::filesystem::path &file, const ImportOptions &options = {});
/// The same from text already read; `name` is what errors call the file.
ImportResult import_iomem_text(std::string_view text, const std::string &name,
                               const ImportOptions &options = {});
/// `path` is the ibm,dynamic-reconfiguration-memory node, or a device-tree
/// root (such as /proc/device-tree) that holds it.
ImportResult import_devicetree(const std::filesystem::path &path,
                               const ImportOptions &options = {});

/// The two properties of an ibm,dynamic-reconfiguration-memory node already
/// read, byte for byte (as for SysfsMemory, `node` only names the files).
struct DrconfNode {
  std::filesystem::path node;
  std::string lmb_size;       // ibm,lmb-size
  std::string dynamic_memory; // ibm,dynamic-memory-v2 when v2, else ibm,dynamic-memory
  bool v2 = false;
};
ImportResult import_drconf_node(const DrconfNode &node, const ImportOptions &options = {});

ImportResult import_layout(Source source, const std::filesystem::path &path,
                           const ImportOptions &options = {});

} // namespace busmap::layouts

#endif // BUSMAP_LAYOUTS_IMPORT_HPP
