// libFuzzer target: the sysfs importer (import_sysfs_memory in
// layouts/sysfs.cpp), fed a packed copy of /sys/devices/system/memory:
// entries block_size_bytes, memoryN/phys_index and memoryN/state (see
// fuzz_input.hpp; a missing file reads as empty).  Any input either is
// refused with an ImportError or gives a valid layout.  Seeds: the sysfs
// directories under tests/fixtures/layouts/, packed by busmap_fuzz_seed.
#include "fuzz/fuzz_input.hpp"

#include <map>

using namespace busmap;

namespace {

/// The memoryN directories named by "memoryN/phys_index" and "memoryN/state"
/// entries, in the order of their names.
layouts::SysfsMemory sysfs_copy(const std::vector<fuzz::Entry> &entries) {
  std::map<std::string, layouts::SysfsMemory::Block> blocks;
  for (const fuzz::Entry &e : entries) {
    const auto slash = e.name.find('/');
    if (slash == std::string::npos)
      continue;
    auto &block = blocks[e.name.substr(0, slash)];
    block.name = e.name.substr(0, slash);
    const std::string file = e.name.substr(slash + 1);
    if (file == "phys_index")
      block.phys_index = e.content;
    else if (file == "state")
      block.state = e.content;
  }
  layouts::SysfsMemory copy{.dir = "fuzz-sysfs",
                            .block_size_bytes =
                                fuzz::content_of(entries, "block_size_bytes").value_or(""),
                            .blocks = {}};
  for (auto &[name, block] : blocks)
    copy.blocks.push_back(std::move(block));
  return copy;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const layouts::SysfsMemory copy = sysfs_copy(fuzz::unpack_tree(fuzz::as_text(data, size)));
  fuzz::import_with_every_option(size, false, [&](const layouts::ImportOptions &options) {
    return layouts::import_sysfs_memory(copy, options);
  });
  return 0;
}
