// The packed directory form the sysfs and device-tree fuzz targets read
// (fuzz/fuzz_input.hpp): what busmap_fuzz_seed packs unpacks to the same
// files, binary contents and trailing newlines included, and a content that
// would not unpack the same is refused.
#include "fuzz/fuzz_input.hpp"

#include <gtest/gtest.h>

namespace busmap::fuzz {
namespace {

TEST(FuzzInput, PackedTreeUnpacksToTheSameFiles) {
  const std::vector<Entry> tree{{"block_size_bytes", "8000000\n"},
                                {"memory0/state", "online\n\n"},
                                {"ibm,lmb-size", std::string("\0\0\0\0\x10\0\0\0", 8)},
                                {"empty", ""}};
  const auto packed = pack_tree(tree);
  ASSERT_TRUE(packed);
  const auto back = unpack_tree(*packed);
  ASSERT_EQ(back.size(), tree.size());
  for (std::size_t i = 0; i < tree.size(); ++i) {
    EXPECT_EQ(back[i].name, tree[i].name);
    EXPECT_EQ(back[i].content, tree[i].content) << tree[i].name;
  }
  EXPECT_EQ(content_of(back, "memory0/state"), "online\n\n");
  EXPECT_FALSE(content_of(back, "memory1/state"));
}

TEST(FuzzInput, ContentHoldingTheSeparatorIsNotPacked) {
  EXPECT_FALSE(pack_tree({{"a", "x\n@@ b\ny"}}));
  EXPECT_FALSE(pack_tree({{"two\nlines", "x"}}));
}

TEST(FuzzInput, AnyBytesUnpackWithoutSurprise) {
  EXPECT_TRUE(unpack_tree("no mark").empty());
  EXPECT_TRUE(unpack_tree("@@ name without newline").empty());
  const auto one = unpack_tree("@@ a\n");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].content, "");
  // The name's newline is not also a separator: a mark right after it is content.
  const auto glued = unpack_tree("@@ a\n@@ b\n");
  ASSERT_EQ(glued.size(), 1u);
  EXPECT_EQ(glued[0].content, "@@ b\n");
}

} // namespace
} // namespace busmap::fuzz
