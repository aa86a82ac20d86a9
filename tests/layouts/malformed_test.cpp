// Every importer on broken input: truncated, overlapping, unaligned and
// out-of-range data gives an ImportError that names the file (and line or
// byte offset), never a crash or a half-built layout.  The last tests cut
// and corrupt the binary fixtures at every length to make sure of "never".
#include "fixture_dir.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

namespace busmap::layouts {
namespace {

using testing::fixtures;
using testing::import_error;
using testing::ScratchDir;
using ::testing::HasSubstr;

std::string iomem_error(const std::string &text) {
  return import_error([&] { import_iomem_text(text, "bad-iomem"); });
}

TEST(MalformedIomem, TruncatedLineNamesFileAndLine) {
  EXPECT_THAT(iomem_error("00001000-0009fbff : System RAM\n00100000-bff"),
              HasSubstr("bad-iomem:2: expected 'START-END : NAME'"));
  EXPECT_THAT(iomem_error("00001000-0009fbff : System RAM\n00100000-bfffffff : "),
              HasSubstr("bad-iomem:2:"));
}

TEST(MalformedIomem, OverlappingRamNamesBothLines) {
  const auto e = iomem_error("00000000-3fffffff : System RAM\n"
                             "c0000000-febfffff : PCI Bus 0000:00\n"
                             "20000000-5fffffff : System RAM\n");
  EXPECT_THAT(e, HasSubstr("bad-iomem:3"));
  EXPECT_THAT(e, HasSubstr("overlaps bad-iomem:1"));
}

TEST(MalformedIomem, OutOfRangeAndBackwards) {
  EXPECT_THAT(iomem_error("10000000000000000-1ffffffffffffffff : System RAM\n"),
              HasSubstr("bad-iomem:1: address 10000000000000000 does not fit in 64 bits"));
  EXPECT_THAT(iomem_error("40000000-3fffffff : System RAM\n"),
              HasSubstr("bad-iomem:1: range ends at 0x3fffffff, before its start"));
  EXPECT_THAT(iomem_error("4000zz00-4fffffff : System RAM\n"), HasSubstr("expected a hex"));
}

TEST(MalformedIomem, ZerosOfAnUnprivilegedReaderAreDetected) {
  EXPECT_THAT(iomem_error("00000000-00000000 : Reserved\n"
                          "00000000-00000000 : System RAM\n"
                          "00000000-00000000 : System RAM\n"),
              HasSubstr("CAP_SYS_ADMIN"));
}

TEST(MalformedIomem, NoRamAtAll) {
  EXPECT_THAT(iomem_error("c0000000-febfffff : PCI Bus 0000:00\n"),
              HasSubstr("no 'System RAM' line"));
  EXPECT_THAT(iomem_error(""), HasSubstr("no 'System RAM' line"));
}

TEST(MalformedIomem, MissingFileIsNamed) {
  EXPECT_THAT(import_error([] { import_iomem("/nonexistent/iomem"); }),
              HasSubstr("/nonexistent/iomem: cannot read"));
}

class MalformedSysfs : public ::testing::Test {
protected:
  // A well-formed two-block copy that each test then breaks.
  void SetUp() override {
    dir.write("block_size_bytes", "8000000\n");
    for (int n : {0, 1}) {
      dir.write("memory" + std::to_string(n) + "/phys_index", "0000000" + std::to_string(n));
      dir.write("memory" + std::to_string(n) + "/state", "online\n");
    }
  }
  std::string error() {
    return import_error([&] { import_sysfs(dir.path()); });
  }
  ScratchDir dir;
};

TEST_F(MalformedSysfs, TheUnbrokenCopyImports) {
  EXPECT_EQ(import_sysfs(dir.path()).layout.blocks.size(), 2u);
}

TEST_F(MalformedSysfs, TruncatedPhysIndex) {
  dir.write("memory1/phys_index", "");
  EXPECT_THAT(error(), HasSubstr("memory1/phys_index:1: expected a hex number, found ''"));
}

TEST_F(MalformedSysfs, MissingStateFile) {
  std::filesystem::remove(dir.path() / "memory0" / "state");
  EXPECT_THAT(error(), HasSubstr("memory0/state: cannot read"));
}

TEST_F(MalformedSysfs, UnknownState) {
  dir.write("memory0/state", "sleeping\n");
  EXPECT_THAT(error(), HasSubstr("memory0/state:1: expected online, offline or going-offline"));
}

TEST_F(MalformedSysfs, DuplicatedBlockIsCaught) {
  dir.write("memory1/phys_index", "00000000\n"); // claims block 0 again
  EXPECT_THAT(error(), HasSubstr("memory1/phys_index:1: phys_index 0x0 disagrees"));
}

TEST_F(MalformedSysfs, UnalignedOrOddBlockSize) {
  dir.write("block_size_bytes", "9000000\n");
  EXPECT_THAT(error(), HasSubstr("block_size_bytes:1: block_size_bytes is 0x9000000, not a power"));
  dir.write("block_size_bytes", "1000000\n"); // 16 MiB: below the x86-64 section
  EXPECT_THAT(error(), HasSubstr("smaller than a x86-64 section"));
}

TEST_F(MalformedSysfs, BlockBeyondTheAddressSpace) {
  dir.write("memory1/phys_index", "ffffffffffff\n");
  std::filesystem::rename(dir.path() / "memory1", dir.path() / "memory281474976710655");
  EXPECT_THAT(error(), HasSubstr("lies beyond the 64-bit address space"));
}

TEST_F(MalformedSysfs, NotASysfsCopy) {
  std::filesystem::remove_all(dir.path() / "memory0");
  std::filesystem::remove_all(dir.path() / "memory1");
  EXPECT_THAT(error(), HasSubstr("no memoryN directory"));
  std::filesystem::remove(dir.path() / "block_size_bytes");
  EXPECT_THAT(error(), HasSubstr("block_size_bytes: cannot read"));
}

/// Big-endian cells, as a device-tree property holds them.
std::string be(std::uint64_t v, int bytes) {
  std::string s;
  for (int i = bytes - 1; i >= 0; --i)
    s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return s;
}

std::string v1_lmb(std::uint64_t base, std::uint32_t flags) {
  return be(base, 8) + be(0x80000000, 4) + be(0, 4) + be(0, 4) + be(flags, 4);
}

std::string v2_set(std::uint32_t lmbs, std::uint64_t base, std::uint32_t flags) {
  return be(lmbs, 4) + be(base, 8) + be(0x80000000, 4) + be(0, 4) + be(flags, 4);
}

class MalformedDeviceTree : public ::testing::Test {
protected:
  static constexpr std::uint64_t Lmb = 256ull << 20;
  void SetUp() override { dir.write("ibm,lmb-size", be(Lmb, 8)); }
  std::string v1_error(const std::string &body, std::uint32_t count) {
    dir.write("ibm,dynamic-memory", be(count, 4) + body);
    return import_error([&] { import_devicetree(dir.path()); });
  }
  std::string v2_error(const std::string &body, std::uint32_t count) {
    dir.write("ibm,dynamic-memory-v2", be(count, 4) + body);
    return import_error([&] { import_devicetree(dir.path()); });
  }
  ScratchDir dir;
};

TEST_F(MalformedDeviceTree, TruncatedV1) {
  const std::string two = v1_lmb(0, 8) + v1_lmb(Lmb, 8);
  EXPECT_THAT(v1_error(two.substr(0, 30), 2),
              HasSubstr("ibm,dynamic-memory: 34 bytes, but its count of 2 LMBs needs 52"));
  EXPECT_THAT(v1_error("", 0x10000000), HasSubstr("truncated or corrupt"));
  dir.write("ibm,dynamic-memory", "\x00\x00");
  EXPECT_THAT(import_error([&] { import_devicetree(dir.path()); }), HasSubstr("too short"));
}

TEST_F(MalformedDeviceTree, OverlappingLmbs) {
  EXPECT_THAT(v1_error(v1_lmb(Lmb, 8) + v1_lmb(Lmb, 8), 2),
              HasSubstr("LMB at byte 28 (drc 0x80000000) [0x10000000, 0x1fffffff] overlaps"));
  EXPECT_THAT(v2_error(v2_set(4, 0, 8) + v2_set(2, 3 * Lmb, 8), 2), HasSubstr("overlaps"));
}

TEST_F(MalformedDeviceTree, UnalignedBaseAndLmbSize) {
  EXPECT_THAT(v1_error(v1_lmb(Lmb + 0x1000, 8), 1),
              HasSubstr("ibm,dynamic-memory: byte 4: LMB base 0x10001000 is not aligned"));
  dir.write("ibm,lmb-size", be(0x1800000, 8));
  EXPECT_THAT(v1_error(v1_lmb(0, 8), 1), HasSubstr("ibm,lmb-size: the LMB size is 0x1800000"));
  dir.write("ibm,lmb-size", be(0x100000, 8)); // 1 MiB: less than a section
  EXPECT_THAT(v1_error(v1_lmb(0, 8), 1), HasSubstr("must be whole ppc64 sections"));
  dir.write("ibm,lmb-size", be(Lmb, 4));
  EXPECT_THAT(v1_error(v1_lmb(0, 8), 1), HasSubstr("ibm,lmb-size: 4 bytes, expected 8"));
}

TEST_F(MalformedDeviceTree, OutOfRange) {
  EXPECT_THAT(v2_error(v2_set(3, 0xfffffffff0000000ull - Lmb, 8), 1),
              HasSubstr("byte 4: 3 LMBs from 0xffffffffe0000000 run past the top"));
  EXPECT_THAT(v2_error(v2_set(0xffffffffu, 0, 8), 1), HasSubstr("a corrupt count"));
  EXPECT_THAT(v2_error(v2_set(0, 0, 8), 1), HasSubstr("an LMB set of zero LMBs"));
  // The very last LMB of the 64-bit space is fine.
  dir.write("ibm,dynamic-memory-v2", be(1, 4) + v2_set(1, 0xfffffffff0000000ull, 8));
  EXPECT_EQ(import_devicetree(dir.path()).layout.blocks.size(), 1u);
}

TEST_F(MalformedDeviceTree, NothingAssignedOrNoNode) {
  EXPECT_THAT(v1_error(v1_lmb(0, 0), 1), HasSubstr("no LMB is assigned"));
  EXPECT_THAT(import_error([&] { import_devicetree(dir.path() / "nothing"); }),
              HasSubstr("neither an ibm,dynamic-reconfiguration-memory node"));
}

/// Every prefix of a fixture property, and seeded byte corruptions of it,
/// either imports into a valid layout or fails with an ImportError.
void survives_every_cut(const std::filesystem::path &fixture, const std::string &property) {
  ScratchDir dir;
  const auto node = fixture / "ibm,dynamic-reconfiguration-memory";
  std::filesystem::copy(node, dir.path());
  const std::string whole = read_file(node / property);
  std::mt19937 rng(6);
  auto attempt = [&](const std::string &bytes) {
    dir.write(property, bytes);
    try {
      EXPECT_EQ(import_devicetree(dir.path()).layout.validate(), "");
    } catch (const ImportError &) {
    }
  };
  for (std::size_t n = 0; n < whole.size(); ++n)
    attempt(whole.substr(0, n));
  for (int i = 0; i < 200; ++i) {
    std::string bytes = whole;
    bytes[rng() % bytes.size()] = static_cast<char>(rng());
    attempt(bytes);
  }
}

TEST(CorruptDeviceTree, EveryCutAndFlipOfV1) {
  survives_every_cut(fixtures / "power-dlpar", "ibm,dynamic-memory");
}

TEST(CorruptDeviceTree, EveryCutAndFlipOfV2) {
  survives_every_cut(fixtures / "numa-far", "ibm,dynamic-memory-v2");
}

TEST(CorruptIomem, EveryCutOfTheX86Copy) {
  const std::string whole = read_file(fixtures / "x86-pci-hole" / "iomem");
  for (std::size_t n = 0; n < whole.size(); ++n) {
    try {
      EXPECT_EQ(import_iomem_text(whole.substr(0, n), "cut").layout.validate(), "");
    } catch (const ImportError &e) {
      EXPECT_THAT(e.what(), HasSubstr("cut"));
    }
  }
}

} // namespace
} // namespace busmap::layouts
