//===- tests/platform/driver_text_test.cpp - utf8_escaped ----------------===//
//
// Driver text is made valid UTF-8 where it enters the harness: valid text,
// multi-byte sequences included, comes back unchanged, and every byte of an
// ill-formed sequence becomes \xNN, whatever makes it ill-formed.
//
//===----------------------------------------------------------------------===//
#include "platform/driver_text.hpp"

#include <gtest/gtest.h>

namespace busmap {
namespace {

TEST(DriverText, ValidTextIsKept) {
  for (const char *s : {"", "plain ascii", "pilote-\xc3\xa9t\xc3\xa9",  // two bytes
                        "\xe2\x82\xac 12",                              // U+20AC, three
                        "\xf0\x9f\x98\x80",                             // U+1F600, four
                        "\xed\x9f\xbf",                                 // U+D7FF, below the surrogates
                        "\xf4\x8f\xbf\xbf",                             // U+10FFFF, the last
                        "tab\tnewline\n"})
    EXPECT_EQ(utf8_escaped(s), s);
  const std::string nul("a\0b", 3);
  EXPECT_EQ(utf8_escaped(nul), nul);
}

TEST(DriverText, Latin1BytesAreEscaped) {
  EXPECT_EQ(utf8_escaped("pilote-\xe9t\xe9"), "pilote-\\xE9t\\xE9");
  EXPECT_EQ(utf8_escaped("\xff\xfe"), "\\xFF\\xFE");
}

TEST(DriverText, OverlongFormsAreEscaped) {
  EXPECT_EQ(utf8_escaped("\xc0\xaf"), "\\xC0\\xAF");         // '/' in two bytes
  EXPECT_EQ(utf8_escaped("\xc1\xbf"), "\\xC1\\xBF");
  EXPECT_EQ(utf8_escaped("\xe0\x80\xaf"), "\\xE0\\x80\\xAF"); // '/' in three bytes
  EXPECT_EQ(utf8_escaped("\xf0\x80\x80\xaf"), "\\xF0\\x80\\x80\\xAF");
}

TEST(DriverText, SurrogatesAndPastTheLastCodePointAreEscaped) {
  EXPECT_EQ(utf8_escaped("\xed\xa0\x80"), "\\xED\\xA0\\x80"); // U+D800
  EXPECT_EQ(utf8_escaped("\xed\xbf\xbf"), "\\xED\\xBF\\xBF"); // U+DFFF
  EXPECT_EQ(utf8_escaped("\xf4\x90\x80\x80"), "\\xF4\\x90\\x80\\x80"); // U+110000
  EXPECT_EQ(utf8_escaped("\xf5\x80\x80\x80"), "\\xF5\\x80\\x80\\x80");
}

TEST(DriverText, TruncatedSequencesAreEscapedAndWhatFollowsKept) {
  EXPECT_EQ(utf8_escaped("\xc3"), "\\xC3");
  EXPECT_EQ(utf8_escaped("x\xe2\x82"), "x\\xE2\\x82");
  EXPECT_EQ(utf8_escaped("\xf0\x9f\x98 ok"), "\\xF0\\x9F\\x98 ok");
  // A lead byte cut short by a new sequence: the new one is kept whole.
  EXPECT_EQ(utf8_escaped("\xe2\xc3\xa9"), "\\xE2\xc3\xa9");
  EXPECT_EQ(utf8_escaped("\x80 lone continuation"), "\\x80 lone continuation");
}

TEST(DriverText, TheResultIsAlwaysValid) {
  // Every byte value in every position of a short string: escaping twice
  // changes nothing, so the first result was valid.
  for (int a = 0; a < 256; ++a)
    for (int b = 0; b < 256; b += 7) {
      const std::string s{static_cast<char>(a), static_cast<char>(b), '\xbf'};
      const std::string once = utf8_escaped(s);
      EXPECT_EQ(utf8_escaped(once), once) << a << " " << b;
    }
}

} // namespace
} // namespace busmap
