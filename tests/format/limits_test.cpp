// The trace and layout readers against input too large or too strange to
// run: the caps of platform/input_limits.hpp (a 2^40-section block once made
// a valid 3-line trace that never finished), a near-linear duplicate check
// of gigantic pages (a million lines took 88 s), configurations whose
// derived bounds overflow (footprint, the MR's bus range), and files that
// are not regular files.
#include "platform/input_limits.hpp"
#include "properties/trace_format.hpp"
#include "tests/support/fifo.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace busmap {
namespace {

using ::testing::HasSubstr;

/// The ParseError of `text` read as a trace (or a layout), or a failure.
ParseError parse_error(const std::string &text, bool layout = false) {
  try {
    layout ? (void)parse_layout(text, "big") : (void)parse_trace(text, "big");
  } catch (const ParseError &e) {
    return e;
  }
  ADD_FAILURE() << "accepted:\n" << text.substr(0, 400);
  return ParseError("big", 0, 0, "accepted");
}

TEST(ReaderCaps, ABlockOfTwoToThe40SectionsIsRefusedAtItsLine) {
  const ParseError e =
      parse_error("busmap-trace 2\nblock 0x0 sections=0x10000000000 online\nload\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_THAT(e.message, HasSubstr("4503599627370496 HW pages of memory, more than the cap of "
                                   "67108864 (limits::MaxHwPages)"));
}

TEST(ReaderCaps, AddedMemoryCountsTowardsTheCap) {
  // 16 MiB sections of 4 KiB HW pages: 16384 sections are the cap exactly.
  const std::string head = "busmap-trace 2\nblock 0x0 sections=8192 online\nload\n";
  EXPECT_NO_THROW(parse_trace(head + "add 0x2000000000 sections=8192\n", "ok"));
  const ParseError e = parse_error(head + "add 0x2000000000 sections=8192\n"
                                          "add 0x4000000000 sections=1\n");
  EXPECT_EQ(e.line, 5);
  EXPECT_THAT(e.message, HasSubstr("limits::MaxHwPages"));
}

std::string gigantic_lines(std::uint64_t count) {
  std::string text = "busmap-layout 1\n";
  for (std::uint64_t i = 0; i < count; ++i)
  {
    char line[40];
    std::snprintf(line, sizeof line, "gigantic 0x%llx\n", static_cast<unsigned long long>(i << 34));
    text += line;
  }
  return text;
}

TEST(ReaderCaps, AMillionGiganticPagesReadInNearLinearTime) {
  const std::string text = gigantic_lines(1000000);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(parse_layout(text, "giant.layout").gigantic.size(), 1000000u);
  // The quadratic check took 88 s; a linear one well under a second (more
  // under sanitizers and a loaded machine, hence the margin).
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(ReaderCaps, MoreGiganticPagesThanTheCapAreRefused) {
  const ParseError e = parse_error(gigantic_lines(limits::MaxGiganticPages + 1), true);
  EXPECT_EQ(e.line, static_cast<int>(limits::MaxGiganticPages) + 2);
  EXPECT_THAT(e.message, HasSubstr("limits::MaxGiganticPages"));
}

TEST(ConfigBounds, AFootprintBoundThatWouldOverflowIsRefused) {
  const ParseError e =
      parse_error("busmap-layout 1\nconfig footprint_base=0xffffffffffffffff\n", true);
  EXPECT_EQ(e.line, 2);
  EXPECT_THAT(e.message, HasSubstr("footprint_base=0xffffffffffffffff + footprint_per_hw_page"
                                   "=0x40 x 67108864 HW pages (limits::MaxHwPages) overflows"));
  EXPECT_THAT(parse_error("busmap-layout 1\nconfig footprint_per_hw_page=0x100000000000\n", true)
                  .message,
              HasSubstr("the footprint bound would wrap"));
}

TEST(ConfigBounds, ABusRangeThatWouldPassTwoToThe64IsRefused) {
  const std::string blocks = "block 0x0 sections=16 online\n";
  const ParseError e =
      parse_error("busmap-layout 1\nconfig bus_start=0xffffffffffff0000\n" + blocks, true);
  EXPECT_THAT(e.message, HasSubstr("bus_start=0xffffffffffff0000: an MR over the layout's 16 "
                                   "sections (0x10000000 bytes) would end at 0x1000000000fff0000"));
  EXPECT_THAT(e.message, HasSubstr("no driver could register it"));
  // Ending exactly at 2^64 is fine; so is any start with the whole space free.
  EXPECT_NO_THROW(parse_layout("busmap-layout 1\nconfig bus_start=0xfffffffff0000000\n" + blocks,
                               "top"));
  EXPECT_THAT(parse_error("busmap-layout 1\nconfig bus_start=0x0\n"
                          "block 0x0 sections=0x10000000000 online\n", true).message,
              HasSubstr("limits::MaxHwPages"));
}

TEST(SpecialFiles, ADeviceIsRefusedNotReadForever) {
  try {
    read_trace_file("/dev/zero");
    FAIL();
  } catch (const ParseError &e) {
    EXPECT_EQ(e.line, 0);
    EXPECT_EQ(std::string(e.what()), "/dev/zero: cannot read: it is a character device, not a "
                                     "regular file (copy it to one first)");
  }
}

TEST(SpecialFiles, AFifoWithNoWriterIsRefusedWithoutBlocking) {
  const busmap::testing::FifoGuard fifo(std::filesystem::temp_directory_path() /
                                        ("busmap-fifo-" + std::to_string(::getpid())));
  EXPECT_THAT([&] { read_layout_file(fifo.path().string()); },
              ::testing::ThrowsMessage<ParseError>(HasSubstr("it is a FIFO")));
}

TEST(SpecialFiles, AFileOverTheByteCapIsRefused) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("busmap-big-" + std::to_string(::getpid()) + ".trace");
  std::ofstream(path) << "busmap-trace 2\n";
  std::filesystem::resize_file(path, limits::MaxFileBytes + 1); // sparse
  EXPECT_THAT([&] { read_trace_file(path.string()); },
              ::testing::ThrowsMessage<ParseError>(HasSubstr("limits::MaxFileBytes")));
  std::filesystem::remove(path);
}

} // namespace
} // namespace busmap
