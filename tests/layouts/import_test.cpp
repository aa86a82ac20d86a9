// The importers on the shipped fixtures (tests/fixtures/layouts/, made by
// scripts/make_layout_fixtures.py): each machine's holes, states and
// granularities come out as the fixture describes them.
#include "fixture_dir.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

namespace busmap::layouts {
namespace {

using testing::fixtures;
constexpr std::uint64_t MiB = 1ull << 20, GiB = 1ull << 30, TiB = 1ull << 40;

bool has_block_in(const Layout &l, std::uint64_t from, std::uint64_t to) {
  return std::any_of(l.blocks.begin(), l.blocks.end(), [&](const BlockSpec &b) {
    return b.base < to && b.base + (b.sections << l.config.section_shift) > from;
  });
}

std::uint64_t bytes_of(const Layout &l) {
  std::uint64_t n = 0;
  for (const auto &b : l.blocks)
    n += b.sections << l.config.section_shift;
  return n;
}

const BlockSpec *block_at(const Layout &l, std::uint64_t base) {
  for (const auto &b : l.blocks)
    if (b.base == base)
      return &b;
  return nullptr;
}

TEST(SysfsImport, X86MachineKeepsThePciHoleAndOfflineBlocks) {
  const auto r = import_sysfs(fixtures / "x86-pci-hole" / "sysfs");
  const Layout &l = r.layout;
  EXPECT_EQ(l.config.section_shift, 27u);
  EXPECT_EQ(l.config.page_shift, 12u);
  EXPECT_EQ(l.config.block_shift, 27u);
  ASSERT_EQ(l.blocks.size(), 64u);
  EXPECT_EQ(bytes_of(l), 8 * GiB);
  EXPECT_FALSE(has_block_in(l, 3 * GiB, 4 * GiB));
  EXPECT_TRUE(has_block_in(l, 3 * GiB - 1, 3 * GiB));
  EXPECT_EQ(l.blocks.back().base, 9 * GiB - 128 * MiB);
  ASSERT_NE(block_at(l, 40 * 128 * MiB), nullptr);
  EXPECT_EQ(block_at(l, 40 * 128 * MiB)->state, BlockState::Offline);
  EXPECT_EQ(block_at(l, 41 * 128 * MiB)->state, BlockState::Offline);
  EXPECT_EQ(block_at(l, 42 * 128 * MiB)->state, BlockState::Online);
  EXPECT_EQ(l.validate(), "");
}

TEST(SysfsImport, ArchChoosesTheSectionSize) {
  ImportOptions ppc;
  ppc.arch = Arch::Ppc64;
  const auto r = import_sysfs(fixtures / "x86-pci-hole" / "sysfs", ppc);
  EXPECT_EQ(r.layout.config.section_shift, 24u);
  ASSERT_EQ(r.layout.blocks.size(), 64u);
  EXPECT_EQ(r.layout.blocks[0].sections, 8u); // 128 MiB blocks of 16 MiB sections
}

TEST(IomemImport, OutwardRoundingMatchesTheSysfsCopyOfTheSameMachine) {
  const auto iomem = import_iomem(fixtures / "x86-pci-hole" / "iomem");
  const auto sysfs = import_sysfs(fixtures / "x86-pci-hole" / "sysfs");
  ASSERT_EQ(iomem.layout.blocks.size(), sysfs.layout.blocks.size());
  for (std::size_t i = 0; i < sysfs.layout.blocks.size(); ++i) {
    EXPECT_EQ(iomem.layout.blocks[i].base, sysfs.layout.blocks[i].base) << i;
    EXPECT_EQ(iomem.layout.blocks[i].sections, sysfs.layout.blocks[i].sections) << i;
    EXPECT_EQ(iomem.layout.blocks[i].state, BlockState::Online) << i;
  }
  // The two ranges below the hole are not section aligned: both said.
  EXPECT_EQ(iomem.notes.size(), 2u);
  EXPECT_NE(iomem.notes[0].find("iomem:2"), std::string::npos) << iomem.notes[0];
  EXPECT_NE(iomem.notes[0].find("outward"), std::string::npos) << iomem.notes[0];
}

TEST(IomemImport, InwardRoundingKeepsOnlyWholeSections) {
  ImportOptions inward;
  inward.rounding = Rounding::Inward;
  const auto r = import_iomem(fixtures / "x86-pci-hole" / "iomem", inward);
  // 0x1000-0x9fbff holds no whole section; 0x100000-0xbffdffff keeps
  // sections 1-22; 4-9 GiB is aligned and stays whole.
  EXPECT_EQ(r.layout.blocks.front().base, 128 * MiB);
  EXPECT_FALSE(has_block_in(r.layout, 0, 128 * MiB));
  EXPECT_FALSE(has_block_in(r.layout, 23 * 128 * MiB, 4 * GiB));
  EXPECT_EQ(bytes_of(r.layout), 22 * 128 * MiB + 5 * GiB);
  EXPECT_NE(r.notes[0].find("no whole section"), std::string::npos) << r.notes[0];
}

TEST(IomemImport, BlockSizeCutsExtentsIntoHotplugUnits) {
  ImportOptions opts;
  opts.block_shift = 30;
  const auto r = import_iomem(fixtures / "x86-pci-hole" / "iomem", opts);
  ASSERT_EQ(r.layout.blocks.size(), 3u + 5u);
  for (const auto &b : r.layout.blocks)
    EXPECT_EQ(b.sections, 8u); // 1 GiB of 128 MiB sections, all aligned here
}

TEST(IomemImport, RangeEndingAtTheTopOfTheAddressSpace) {
  const auto r = import_iomem_text("ffffffff00000000-ffffffffffffffff : System RAM\n", "top");
  ASSERT_EQ(r.layout.blocks.size(), 32u);
  EXPECT_EQ(r.layout.blocks.back().base, 0xfffffffff8000000ull);
  EXPECT_EQ(r.layout.validate(), "");
}

TEST(DeviceTreeImport, PowerPartitionWithLmbsRemovedFromTheMiddle) {
  const auto r = import_devicetree(fixtures / "power-dlpar");
  const Layout &l = r.layout;
  EXPECT_EQ(l.config.section_shift, 24u);
  EXPECT_EQ(l.config.page_shift, 16u);
  EXPECT_EQ(l.config.block_shift, 28u);
  ASSERT_EQ(l.blocks.size(), 32u - 4u - 1u);
  for (const auto &b : l.blocks) {
    EXPECT_EQ(b.sections, 16u);
    EXPECT_EQ(b.state, BlockState::Online);
  }
  EXPECT_FALSE(has_block_in(l, 12 * 256 * MiB, 16 * 256 * MiB));
  EXPECT_TRUE(has_block_in(l, 16 * 256 * MiB, 17 * 256 * MiB));
  EXPECT_FALSE(has_block_in(l, 31 * 256 * MiB, 32 * 256 * MiB)); // reserved
  ASSERT_EQ(r.notes.size(), 2u);
  EXPECT_NE(r.notes[0].find("1 reserved"), std::string::npos) << r.notes[0];
  EXPECT_NE(r.notes[1].find("4 unassigned"), std::string::npos) << r.notes[1];
}

TEST(DeviceTreeImport, V2DescribesTheSamePartitionAsV1) {
  const auto v1 = import_devicetree(fixtures / "power-dlpar");
  const auto v2 = import_devicetree(fixtures / "power-dlpar-v2" /
                                    "ibm,dynamic-reconfiguration-memory");
  ASSERT_EQ(v1.layout.blocks.size(), v2.layout.blocks.size());
  for (std::size_t i = 0; i < v1.layout.blocks.size(); ++i) {
    EXPECT_EQ(v1.layout.blocks[i].base, v2.layout.blocks[i].base);
    EXPECT_EQ(v1.layout.blocks[i].sections, v2.layout.blocks[i].sections);
  }
}

TEST(DeviceTreeImport, TwoNumaNodesFarApart) {
  const auto r = import_devicetree(fixtures / "numa-far");
  ASSERT_EQ(r.layout.blocks.size(), 32u);
  EXPECT_EQ(r.layout.blocks[15].base, 15 * 256 * MiB);
  EXPECT_EQ(r.layout.blocks[16].base, 32 * TiB);
  EXPECT_FALSE(has_block_in(r.layout, 4 * GiB, 32 * TiB));
  EXPECT_EQ(bytes_of(r.layout), 8 * GiB);
}

TEST(ImportLayout, DispatchesOnTheSourceName) {
  ASSERT_EQ(parse_source("devicetree"), Source::DeviceTree);
  EXPECT_FALSE(parse_source("acpi"));
  const auto r = import_layout(*parse_source("devicetree"), fixtures / "numa-far");
  EXPECT_EQ(r.layout.blocks.size(), 32u);
}

// The in-memory entry points (what the fuzz targets call) read what the
// directory importers read: the same layout from the same bytes, and the
// same file names in errors.
TEST(InMemoryImport, SysfsFilesGiveTheDirectorysLayout) {
  const auto dir = fixtures / "x86-pci-hole" / "sysfs";
  SysfsMemory copy{.dir = dir, .block_size_bytes = read_file(dir / "block_size_bytes"),
                   .blocks = {}};
  for (int n : {41, 0, 40, 1}) // any order, as a listing gives them
    copy.blocks.push_back({"memory" + std::to_string(n),
                           read_file(dir / ("memory" + std::to_string(n)) / "phys_index"),
                           read_file(dir / ("memory" + std::to_string(n)) / "state")});
  copy.blocks.push_back({"power", "", ""}); // not a memoryN directory: ignored
  const Layout l = import_sysfs_memory(copy).layout;
  ASSERT_EQ(l.blocks.size(), 4u);
  EXPECT_EQ(l.blocks[0].base, 0u);
  EXPECT_EQ(l.blocks[3].base, 41 * 128 * MiB);
  EXPECT_EQ(l.blocks[3].state, BlockState::Offline);
  copy.blocks[2].state = "sleeping\n";
  EXPECT_THAT(testing::import_error([&] { import_sysfs_memory(copy); }),
              ::testing::HasSubstr("memory40/state:1: expected online, offline"));
}

TEST(InMemoryImport, DrconfPropertiesGiveTheNodesLayout) {
  const auto node = fixtures / "numa-far" / "ibm,dynamic-reconfiguration-memory";
  DrconfNode props{.node = node, .lmb_size = read_file(node / "ibm,lmb-size"),
                   .dynamic_memory = read_file(node / "ibm,dynamic-memory-v2"), .v2 = true};
  const Layout from_bytes = import_drconf_node(props).layout;
  const Layout from_dir = import_devicetree(fixtures / "numa-far").layout;
  ASSERT_EQ(from_bytes.blocks.size(), from_dir.blocks.size());
  for (std::size_t i = 0; i < from_dir.blocks.size(); ++i) {
    EXPECT_EQ(from_bytes.blocks[i].base, from_dir.blocks[i].base);
    EXPECT_EQ(from_bytes.blocks[i].sections, from_dir.blocks[i].sections);
  }
  props.v2 = false; // v2 bytes read as v1: the count does not match the length
  EXPECT_THAT(testing::import_error([&] { import_drconf_node(props); }),
              ::testing::HasSubstr("ibm,dynamic-memory: "));
}

} // namespace
} // namespace busmap::layouts
