// The importers on the machine the tests run on.  Absent sources (no
// memory hotplug sysfs, no /proc/iomem, no device tree) skip with the
// reason; a present source that fails to import is a failure, never a skip.
#include "fixture_dir.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

namespace busmap::layouts {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path live_sysfs = "/sys/devices/system/memory";
const fs::path live_iomem = "/proc/iomem";
const fs::path live_devicetree = "/proc/device-tree/ibm,dynamic-reconfiguration-memory";

TEST(LiveMachine, SysfsMemoryDirectoryImports) {
  if (!fs::exists(live_sysfs / "block_size_bytes"))
    GTEST_SKIP() << live_sysfs << " has no block_size_bytes: kernel without memory hotplug";
  const auto r = import_sysfs(live_sysfs);
  EXPECT_FALSE(r.layout.blocks.empty());
  EXPECT_EQ(r.layout.validate(), "");
}

/// Sections of a layout as a sorted list of [first, end) section ranges.
std::vector<std::pair<std::uint64_t, std::uint64_t>> section_spans(const Layout &l) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;
  for (const auto &b : l.blocks) {
    const std::uint64_t first = b.base >> l.config.section_shift;
    if (!spans.empty() && spans.back().second == first)
      spans.back().second += b.sections;
    else
      spans.emplace_back(first, first + b.sections);
  }
  return spans;
}

TEST(LiveMachine, IomemImportsOrSaysItIsHidden) {
  if (!fs::exists(live_iomem))
    GTEST_SKIP() << live_iomem << " is absent";
  const std::string text = read_file(live_iomem);
  if (text.find("System RAM") == std::string::npos)
    GTEST_SKIP() << live_iomem << " lists no System RAM (a container without it?)";
  bool zeros = text.find("00000000-00000000 : System RAM") != std::string::npos;
  if (zeros) { // an unprivileged reader: the importer must say why it cannot
    EXPECT_THAT(testing::import_error([&] { import_iomem(live_iomem); }),
                HasSubstr("CAP_SYS_ADMIN"));
    return;
  }
  const auto iomem = import_iomem(live_iomem);
  EXPECT_EQ(iomem.layout.validate(), "");
#if defined(__x86_64__)
  // On x86-64 every section that holds RAM is inside a present memory block.
  if (fs::exists(live_sysfs / "block_size_bytes")) {
    const auto blocks = section_spans(import_sysfs(live_sysfs).layout);
    for (const auto &[first, end] : section_spans(iomem.layout)) {
      bool covered = false;
      for (const auto &[bf, be] : blocks)
        covered = covered || (bf <= first && end <= be);
      EXPECT_TRUE(covered) << "iomem sections [" << first << ", " << end
                           << ") are not all in sysfs memory blocks";
    }
  }
#endif
}

TEST(LiveMachine, DeviceTreeImports) {
  if (!fs::exists(live_devicetree))
    GTEST_SKIP() << live_devicetree << " is absent: not a POWER partition";
  const auto r = import_devicetree(live_devicetree);
  EXPECT_EQ(r.layout.validate(), "");
}

} // namespace
} // namespace busmap::layouts
