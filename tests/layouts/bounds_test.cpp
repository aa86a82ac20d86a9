// The caps of platform/input_limits.hpp as the importers apply them: a
// range too large to check is refused before a block is made (one over the
// whole 64-bit space once died of std::bad_alloc, a 1 PiB one wrote 8.4 M
// blocks), the block size is checked before it is shifted by, and a FIFO, a
// device or an oversized file is refused instead of read.
#include "fixture_dir.hpp"

#include "platform/input_limits.hpp"
#include "tests/support/fifo.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace busmap::layouts {
namespace {

using testing::import_error;
using testing::ScratchDir;
using ::testing::HasSubstr;

std::string iomem_error(const std::string &text, const ImportOptions &options = {}) {
  return import_error([&] { import_iomem_text(text, "big.iomem", options); });
}

TEST(ImportCaps, RamOverTheWhole64BitSpaceIsRefusedNamingFileAndCap) {
  const auto e = iomem_error("00000000-ffffffffffffffff : System RAM\n");
  EXPECT_THAT(e, HasSubstr("big.iomem: the imported layout would have 137438953472 memory blocks"));
  EXPECT_THAT(e, HasSubstr("limits::MaxBlocks"));
}

TEST(ImportCaps, OnePebibyteIsRefusedNotCutIntoMillionsOfBlocks) {
  EXPECT_THAT(iomem_error("00000000-3ffffffffffff : System RAM\n"),
              HasSubstr("8388608 memory blocks, more than the cap of 1048576"));
  // In blocks of 1 GiB it is few enough blocks, but far too many HW pages.
  ImportOptions gib;
  gib.block_shift = 30;
  EXPECT_THAT(iomem_error("00000000-3ffffffffffff : System RAM\n", gib),
              HasSubstr("HW pages of memory, more than the cap of 67108864 (limits::MaxHwPages)"));
}

TEST(ImportCaps, TheCapItselfImports) {
  // 256 GiB of x86-64 sections: 2^26 HW pages of 4 KiB exactly.
  EXPECT_EQ(import_iomem_text("00000000-3fffffffff : System RAM\n", "cap.iomem")
                .layout.blocks.size(),
            2048u);
  EXPECT_THAT(iomem_error("00000000-3fffffffff : System RAM\n"
                          "4000000000-4000000fff : System RAM\n"),
              HasSubstr("67141632 HW pages"));
}

TEST(ImportCaps, BlockSizeBelowASectionIsRefusedBeforeItIsUsed) {
  // A block of 4 KiB under 128 MiB sections made the block cutting shift by
  // 12 - 27 (undefined behaviour) before the layout was validated.
  ImportOptions page;
  page.block_shift = 12;
  EXPECT_THAT(iomem_error("00000000-7fffffff : System RAM\n", page),
              HasSubstr("big.iomem: a block size of 2^12 bytes is outside [one section (2^27), "
                        "2^40]"));
  ImportOptions huge;
  huge.block_shift = 63;
  EXPECT_THAT(iomem_error("00000000-7fffffff : System RAM\n", huge),
              HasSubstr("a block size of 2^63 bytes is outside"));
}

TEST(ImportCaps, AFifoIsRefusedWithoutBlocking) {
  ScratchDir dir;
  const busmap::testing::FifoGuard fifo(dir.path() / "iomem");
  EXPECT_THAT(import_error([&] { import_iomem(fifo.path()); }),
              HasSubstr("iomem: cannot read: it is a FIFO, not a regular file"));
}

TEST(ImportCaps, ADeviceIsRefusedNotReadForever) {
  EXPECT_THAT(import_error([] { import_iomem("/dev/zero"); }),
              HasSubstr("/dev/zero: cannot read: it is a character device"));
}

TEST(ImportCaps, AFileOverTheByteCapIsRefused) {
  ScratchDir dir;
  const auto file = dir.write("iomem", "");
  std::filesystem::resize_file(file, limits::MaxFileBytes + 1); // sparse: no disk used
  EXPECT_THAT(import_error([&] { import_iomem(file); }),
              HasSubstr("larger than the cap of 64 MiB on an input file (limits::MaxFileBytes)"));
}

} // namespace
} // namespace busmap::layouts
