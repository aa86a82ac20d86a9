// The ppc64 device-tree importer.  A POWER partition describes its
// hotpluggable memory in the ibm,dynamic-reconfiguration-memory node:
//
//   ibm,lmb-size            one 64-bit big-endian cell pair: the LMB size;
//   ibm,dynamic-memory      v1: a 32-bit count, then per LMB 24 bytes
//                           { u64 base; u32 drc_index; u32 reserved;
//                             u32 aa_index; u32 flags };
//   ibm,dynamic-memory-v2   v2: a 32-bit count of LMB sets, then per set
//                           24 bytes { u32 seq_lmbs; u64 base;
//                           u32 drc_index; u32 aa_index; u32 flags },
//                           describing seq_lmbs consecutive LMBs.
//
// An LMB flagged assigned (0x8) belongs to the partition and is online; an
// unassigned one is the hypervisor's (absent: a hole in the layout); a
// reserved one (0x80) is firmware's and skipped with a note.  v2 is read
// when present, as the kernel does.  Every property is binary: errors name
// the file and the byte offset of the entry at fault.
#include "layouts/ranges.hpp"
#include "platform/input_limits.hpp"

#include <fmt/format.h>

namespace busmap::layouts {
namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t DrconfAssigned = 0x8;
constexpr std::uint32_t DrconfReserved = 0x80;
constexpr std::size_t EntryBytes = 24; // the same for v1 cells and v2 sets

/// A big-endian reader over a property's bytes.
class Cells {
public:
  Cells(std::string bytes, std::string file) : bytes_(std::move(bytes)), file_(std::move(file)) {}
  std::size_t size() const { return bytes_.size(); }
  const std::string &file() const { return file_; }
  std::uint64_t be(std::size_t offset, std::size_t width) const {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < width; ++i)
      v = (v << 8) | static_cast<unsigned char>(bytes_[offset + i]);
    return v;
  }
  std::uint32_t u32(std::size_t offset) const { return static_cast<std::uint32_t>(be(offset, 4)); }
  std::uint64_t u64(std::size_t offset) const { return be(offset, 8); }

private:
  std::string bytes_, file_;
};

/// One entry as both formats carry it, with `lmbs` = 1 for v1.
struct Entry {
  std::uint64_t lmbs, base;
  std::uint32_t drc_index, flags;
  std::size_t offset;
};

std::vector<Entry> read_entries(const Cells &p, bool v2) {
  if (p.size() < 4)
    throw ImportError(fmt::format("{}: {} bytes, too short for the 4-byte entry count",
                                  p.file(), p.size()));
  const std::uint64_t count = p.u32(0);
  if (p.size() != 4 + count * EntryBytes)
    throw ImportError(fmt::format(
        "{}: {} bytes, but its count of {} {} needs {} (4 + {} x {}): truncated or corrupt",
        p.file(), p.size(), count, v2 ? "LMB sets" : "LMBs", 4 + count * EntryBytes, count,
        EntryBytes));
  std::vector<Entry> entries;
  for (std::size_t i = 0, at = 4; i < count; ++i, at += EntryBytes)
    entries.push_back(v2 ? Entry{p.u32(at), p.u64(at + 4), p.u32(at + 12), p.u32(at + 20), at}
                         : Entry{1, p.u64(at), p.u32(at + 8), p.u32(at + 20), at});
  return entries;
}

const char *memory_property(bool v2) { return v2 ? "ibm,dynamic-memory-v2" : "ibm,dynamic-memory"; }

fs::path drconf_node(const fs::path &path) {
  const fs::path inner = path / "ibm,dynamic-reconfiguration-memory";
  if (fs::is_directory(inner))
    return inner;
  if (fs::exists(path / "ibm,lmb-size"))
    return path;
  throw ImportError(fmt::format("{}: neither an ibm,dynamic-reconfiguration-memory node nor a "
                                "device tree holding one", path.string()));
}

} // namespace

ImportResult import_drconf_node(const DrconfNode &node, const ImportOptions &options) {
  const Arch arch = options.arch.value_or(default_arch(Source::DeviceTree));
  PlatformConfig config = arch_defaults(arch);

  const Cells size_prop(node.lmb_size, (node.node / "ibm,lmb-size").string());
  if (size_prop.size() != 8)
    throw ImportError(fmt::format("{}: {} bytes, expected 8 (one 64-bit big-endian size)",
                                  size_prop.file(), size_prop.size()));
  const std::uint64_t lmb_size = size_prop.u64(0);
  config.block_shift = exact_log2(lmb_size, size_prop.file() + ": the LMB size");
  if (config.block_shift < config.section_shift || config.block_shift > 40)
    throw ImportError(fmt::format("{}: LMB size {:#x} is outside [{:#x}, 2^40]: LMBs must be "
                                  "whole {} sections", size_prop.file(), lmb_size,
                                  config.section_size(), to_string(arch)));

  const Cells mem(node.dynamic_memory, (node.node / memory_property(node.v2)).string());

  ImportResult result;
  std::vector<RamRange> lmbs;
  std::uint64_t reserved = 0, unassigned = 0, total = 0;
  for (const Entry &e : read_entries(mem, node.v2)) {
    const std::string where = fmt::format("{}: byte {}", mem.file(), e.offset);
    if (e.lmbs == 0)
      throw ImportError(fmt::format("{}: an LMB set of zero LMBs", where));
    if (e.base & (lmb_size - 1))
      throw ImportError(fmt::format("{}: LMB base {:#x} is not aligned to the LMB size {:#x}",
                                    where, e.base, lmb_size));
    if (e.lmbs > ((~0ull - e.base) >> config.block_shift) + 1)
      throw ImportError(fmt::format("{}: {} LMBs from {:#x} run past the top of the 64-bit "
                                    "address space", where, e.lmbs, e.base));
    // Checked before the LMBs are made: a corrupt v2 count could ask for 2^32 per set.
    if ((total += e.lmbs) > limits::MaxBlocks)
      throw ImportError(fmt::format("{}: more than {} LMBs in all, the cap of limits::MaxBlocks "
                                    "(a corrupt count?)", where, limits::MaxBlocks));
    if (e.flags & DrconfReserved) {
      reserved += e.lmbs;
      continue;
    }
    if (!(e.flags & DrconfAssigned)) {
      unassigned += e.lmbs;
      continue;
    }
    const std::string origin =
        fmt::format("LMB at byte {} (drc {:#x}{})", e.offset, e.drc_index, e.lmbs > 1 ? "+" : "");
    for (std::uint64_t i = 0; i < e.lmbs; ++i) {
      const std::uint64_t base = e.base + (i << config.block_shift);
      lmbs.push_back({base, base + (lmb_size - 1), BlockState::Online, origin});
    }
  }
  if (reserved)
    result.notes.push_back(fmt::format("{}: {} reserved LMBs skipped (firmware's, never the "
                                       "partition's)", mem.file(), reserved));
  if (unassigned)
    result.notes.push_back(fmt::format("{}: {} unassigned LMBs left absent (the hypervisor's)",
                                       mem.file(), unassigned));
  if (lmbs.empty())
    throw ImportError(fmt::format("{}: no LMB is assigned to the partition", mem.file()));
  result.layout = layout_from_units(config, std::move(lmbs), mem.file());
  return result;
}

ImportResult import_devicetree(const fs::path &path, const ImportOptions &options) {
  const fs::path node = drconf_node(path);
  const bool v2 = fs::exists(node / memory_property(true)); // v2 wins, as in the kernel
  return import_drconf_node({.node = node,
                             .lmb_size = read_file(node / "ibm,lmb-size"),
                             .dynamic_memory = read_file(node / memory_property(v2)),
                             .v2 = v2},
                            options);
}

} // namespace busmap::layouts
