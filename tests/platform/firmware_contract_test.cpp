//===- tests/platform/firmware_contract_test.cpp - driver.h keeps up ------===//
//
// The firmware rules a driver meets are documented where its writer reads
// them (include/busmap/driver.h) and sourced in docs/ORACLE.md.  This keeps
// the documents in step with the code by tag: every refusal and fault path
// of platform/firmware.cpp carries an [fw-...] tag in the lines just above
// it, and every tag the code carries (firmware.cpp, partition.cpp) appears in
// both documents, which name no tag the code does not have.  A reading of
// the text, not a parse: cheap, and it fails with the file and line.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string slurp(const std::string &path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Every "[fw-name]" in TEXT, name being lower-case letters and dashes.
/// (No std::regex: GCC 12's -Wmaybe-uninitialized fires inside <regex>
/// under the sanitizers.)
std::set<std::string> tags_in(const std::string &text) {
  std::set<std::string> out;
  for (std::size_t at = text.find("[fw-"); at != std::string::npos; at = text.find("[fw-", at + 1)) {
    std::size_t end = at + 4;
    while (end < text.size() && (std::islower(static_cast<unsigned char>(text[end])) || text[end] == '-'))
      ++end;
    if (end > at + 4 && end < text.size() && text[end] == ']')
      out.insert(text.substr(at + 1, end - at - 1));
  }
  return out;
}

/// "FILE:LINE" of each refusal or fault path without a tag on its line or
/// the two before it.
std::vector<std::string> untagged_rules(const std::string &file, const std::string &text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    lines.push_back(l);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string &l = lines[i];
    const bool rule = l.find("return refuse(") != std::string::npos ||
                      l.find("return Refusal{") != std::string::npos ||
                      l.find("take_fault(&") != std::string::npos;
    bool tagged = false;
    for (std::size_t back = 0; back <= 2 && back <= i; ++back)
      tagged = tagged || !tags_in(lines[i - back]).empty();
    if (rule && !tagged)
      out.push_back(file + ":" + std::to_string(i + 1));
  }
  return out;
}

/// Every problem of the three texts, one message each.
std::vector<std::string> contract_problems(const std::string &firmware, const std::string &partition,
                                           const std::string &driver_h, const std::string &oracle_md) {
  std::vector<std::string> out;
  for (const auto &where : untagged_rules("platform/firmware.cpp", firmware))
    out.push_back(where + ": a firmware rule without an [fw-...] tag");
  std::set<std::string> code = tags_in(firmware);
  code.merge(tags_in(partition));
  const std::set<std::string> header = tags_in(driver_h);
  for (const auto &t : code) {
    if (!header.count(t))
      out.push_back(t + ": enforced by the platform, not in include/busmap/driver.h");
    if (oracle_md.find("`" + t + "`") == std::string::npos) // its row of the table
      out.push_back(t + ": enforced by the platform, not in docs/ORACLE.md");
  }
  for (const auto &t : header)
    if (!code.count(t))
      out.push_back(t + ": in include/busmap/driver.h, enforced nowhere");
  return out;
}

const std::string Root = BUSMAP_SOURCE_DIR;

TEST(FirmwareContract, EveryRuleOfThePlatformIsDocumentedForTheDriver) {
  const std::string firmware = slurp(Root + "/platform/firmware.cpp");
  const std::string partition = slurp(Root + "/platform/partition.cpp");
  ASSERT_FALSE(firmware.empty());
  ASSERT_GE(tags_in(firmware).size(), 10u) << "the tags were removed from firmware.cpp";
  ASSERT_EQ(tags_in(partition), std::set<std::string>{"fw-reclaim-held"});
  const auto problems = contract_problems(firmware, partition,
                                          slurp(Root + "/include/busmap/driver.h"),
                                          slurp(Root + "/docs/ORACLE.md"));
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
}

// The check bites: an untagged refusal, a tag left out of either document,
// and a documented rule the code dropped are each reported.
TEST(FirmwareContract, TheCheckCatchesEachWayOfFallingOutOfStep) {
  const std::string fw = "  // [fw-a]\n  if (x)\n    return refuse(1);\n"
                         "  if (y)\n    return refuse(2);\n";
  const std::string h = "[fw-a] [fw-gone]", md = "`fw-a`";
  const auto p = contract_problems(fw, "", h, md);
  EXPECT_EQ(p, (std::vector<std::string>{
                   "platform/firmware.cpp:5: a firmware rule without an [fw-...] tag",
                   "fw-gone: in include/busmap/driver.h, enforced nowhere"}));
  EXPECT_EQ(contract_problems("// [fw-a]\nreturn refuse(1);\n", "", "", md),
            (std::vector<std::string>{"fw-a: enforced by the platform, not in include/busmap/driver.h"}));
  EXPECT_EQ(contract_problems("// [fw-a]\nreturn refuse(1);\n", "", "[fw-a]", "fw-a"),
            (std::vector<std::string>{"fw-a: enforced by the platform, not in docs/ORACLE.md"}));
}

} // namespace
