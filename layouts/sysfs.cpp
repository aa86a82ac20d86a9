// The sysfs importer: /sys/devices/system/memory holds block_size_bytes
// (hex, no 0x) and one memoryN directory per memory block present, whose
// phys_index (hex) is the block number N and whose state is online,
// offline or going-offline.  Block N spans [N * size, (N + 1) * size).
// Absent blocks have no directory; that is how holes appear.
#include "layouts/ranges.hpp"
#include "platform/input_limits.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace busmap::layouts {
namespace {

namespace fs = std::filesystem;

std::string_view trimmed(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos)
    return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

/// The one hex number a sysfs attribute file holds.
std::uint64_t parse_hex_attribute(const std::string &text, const fs::path &file) {
  std::string_view v = trimmed(text);
  if (v.starts_with("0x") || v.starts_with("0X"))
    v.remove_prefix(2);
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value, 16);
  if (ec == std::errc::result_out_of_range)
    throw ImportError(fmt::format("{}:1: {} does not fit in 64 bits", file.string(), v));
  if (v.empty() || ec != std::errc() || end != v.data() + v.size())
    throw ImportError(fmt::format("{}:1: expected a hex number, found '{}'", file.string(), v));
  return value;
}

BlockState parse_state(const std::string &text, const fs::path &file,
                       std::vector<std::string> &notes) {
  const std::string_view s = trimmed(text);
  if (s == "online")
    return BlockState::Online;
  if (s == "offline")
    return BlockState::Offline;
  if (s == "going-offline") {
    notes.push_back(fmt::format("{}: going-offline read as online (the offline had not "
                                "completed when the copy was taken)", file.string()));
    return BlockState::Online;
  }
  throw ImportError(fmt::format("{}:1: expected online, offline or going-offline, found '{}'",
                                file.string(), s));
}

/// N of a "memoryN" directory name, or nothing for other entries.
std::optional<std::uint64_t> block_number(const std::string &name) {
  if (!name.starts_with("memory") || name.size() == 6)
    return std::nullopt;
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(name.data() + 6, name.data() + name.size(), n, 10);
  if (ec != std::errc() || end != name.data() + name.size())
    return std::nullopt;
  return n;
}

} // namespace

ImportResult import_sysfs_memory(const SysfsMemory &memory, const ImportOptions &options) {
  const Arch arch = options.arch.value_or(default_arch(Source::Sysfs));
  PlatformConfig config = arch_defaults(arch);
  const fs::path size_file = memory.dir / "block_size_bytes";
  const std::uint64_t block_size = parse_hex_attribute(memory.block_size_bytes, size_file);
  config.block_shift = exact_log2(block_size, size_file.string() + ":1: block_size_bytes");
  if (config.block_shift < config.section_shift)
    throw ImportError(fmt::format(
        "{}:1: block size {:#x} is smaller than a {} section ({:#x}): blocks would not be "
        "section aligned (choose another --arch?)",
        size_file.string(), block_size, to_string(arch), config.section_size()));

  std::vector<std::pair<std::uint64_t, const SysfsMemory::Block *>> numbered;
  for (const auto &block : memory.blocks)
    if (auto n = block_number(block.name))
      numbered.emplace_back(*n, &block);
  if (numbered.empty())
    throw ImportError(fmt::format("{}: no memoryN directory: not a copy of "
                                  "/sys/devices/system/memory?", memory.dir.string()));
  std::sort(numbered.begin(), numbered.end());

  ImportResult result;
  std::vector<RamRange> blocks;
  const std::uint64_t max_index = ~0ull >> config.block_shift;
  for (const auto &[n, block] : numbered) {
    const fs::path index_file = memory.dir / block->name / "phys_index";
    const std::uint64_t index = parse_hex_attribute(block->phys_index, index_file);
    if (index != n)
      throw ImportError(fmt::format("{}:1: phys_index {:#x} disagrees with the directory "
                                    "name {} (block {})", index_file.string(), index,
                                    block->name, n));
    if (index > max_index)
      throw ImportError(fmt::format("{}:1: block {:#x} of {:#x} bytes lies beyond the 64-bit "
                                    "address space", index_file.string(), index, block_size));
    const std::uint64_t base = index << config.block_shift;
    blocks.push_back({base, base + (block_size - 1),
                      parse_state(block->state, memory.dir / block->name / "state",
                                  result.notes),
                      block->name});
  }
  result.layout = layout_from_units(config, std::move(blocks), memory.dir.string());
  return result;
}

ImportResult import_sysfs(const fs::path &dir, const ImportOptions &options) {
  SysfsMemory memory{.dir = dir, .block_size_bytes = read_file(dir / "block_size_bytes"),
                     .blocks = {}};
  std::error_code ec;
  std::vector<std::pair<std::uint64_t, fs::path>> dirs;
  for (const auto &entry : fs::directory_iterator(dir, ec)) {
    if (auto n = block_number(entry.path().filename().string()); n && entry.is_directory())
      dirs.emplace_back(*n, entry.path());
    if (dirs.size() > limits::MaxBlocks)
      throw ImportError(fmt::format("{}: more than {} memoryN directories, the cap of "
                                    "limits::MaxBlocks", dir.string(), limits::MaxBlocks));
  }
  if (ec)
    throw ImportError(fmt::format("{}: cannot list: {}", dir.string(), ec.message()));
  std::sort(dirs.begin(), dirs.end()); // a missing file in the lowest block is named first
  for (const auto &[n, path] : dirs)
    memory.blocks.push_back({path.filename().string(), read_file(path / "phys_index"),
                             read_file(path / "state")});
  return import_sysfs_memory(memory, options);
}

} // namespace busmap::layouts
