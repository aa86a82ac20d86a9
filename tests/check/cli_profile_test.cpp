// `busmap check|replay|bench|list` and machine profiles: a run names its
// profile in its summary, JSON, JUnit and written trace; --class and
// --config narrow it; bad names and values are exit 2 with the allowed
// values; the hard-coded-512 mutant is caught by default settings.
#include "properties/gtest_oracle.hpp"

#include "tests/check/cli_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace busmap {
namespace {

namespace fs = std::filesystem;

using testing::scratch;
using testing::slurp;
const auto busmap = testing::run_capture;

void expect_refused(const std::string &args, const std::string &names) {
  const auto [code, out] = busmap(args);
  EXPECT_EQ(code, 2) << args << "\n" << out;
  EXPECT_NE(out.find(names), std::string::npos) << args << "\n" << out;
}

TEST(ProfileCli, BadNamesAndValuesAreExitTwoNamingTheAllowed) {
  for (const char *cmd : {"check", "bench"})
    expect_refused(std::string(cmd) + " --profile sparc", "allowed: portable, ppc64, x86-64");
  expect_refused("check --profile ppc64 --class x86-64", "allowed: tiny, dense, ppc64-lmb");
  expect_refused("check --config max_rpages=1024", "allowed: [0x1, 0x200]");
  expect_refused("check --profile x86-64 --config phys_bits=51", "46 or 52 on x86-64");
  expect_refused("check --config frobs=1", "KEY one of max_rpages, max_mrs, bus_start");
  expect_refused("replay " CORPUS_DIR "/mutants/rpages-512-hardcoded.trace --profile x86-64",
                 "profile x86-64 has no geometry");
}

TEST(ProfileCli, ARunNamesItsProfileEverywhere) {
  const fs::path d = scratch("cli_profile");
  const auto [code, out] =
      busmap("check --impl simple --profile ppc64 --class numa --config max_rpages=256 --traces 8 "
             "--stats --json " + (d / "r.json").string() + " --junit " + (d / "r.xml").string());
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("profile ppc64"), std::string::npos) << out;
  EXPECT_NE(out.find("numa"), std::string::npos) << out;
  const auto j = nlohmann::json::parse(slurp(d / "r.json")).at(0);
  EXPECT_EQ(j.at("profile"), "ppc64");
  EXPECT_EQ(j.at("stats").at("layouts").at("numa"), 8);
  EXPECT_EQ(j.at("stats").at("settings").at("max_rpages varied"), 8);
  EXPECT_NE(slurp(d / "r.xml").find("busmap check --profile ppc64"), std::string::npos);
}

TEST(ProfileCli, HardCoded512IsCaughtByDefaultAndItsTraceNamesTheProfile) {
  const fs::path d = scratch("cli_rpages");
  const auto [code, out] = busmap("check --impl rpages-512-hardcoded --out " + d.string());
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("FAIL clean-failure"), std::string::npos) << out;
  const std::string trace = slurp(d / "rpages-512-hardcoded.trace");
  EXPECT_EQ(trace.rfind("busmap-trace 2\n", 0), 0u) << trace;
  EXPECT_NE(trace.find("\nprofile portable\n"), std::string::npos) << trace;
  const auto [rc, replayed] = busmap("replay --expect " + (d / "rpages-512-hardcoded.trace").string());
  EXPECT_EQ(rc, 0) << replayed;
  EXPECT_NE(replayed.find("profile portable"), std::string::npos) << replayed;
}

/// The message oracle_options_from_env() refuses the environment with.
std::string env_refusal(const char *name, const char *value) {
  ::setenv(name, value, 1);
  std::string message;
  try {
    testing::oracle_options_from_env();
  } catch (const std::invalid_argument &e) {
    message = e.what();
  }
  ::unsetenv(name);
  return message;
}

TEST(ProfileCli, GtestEntryPointReadsTheIsolationFromTheEnvironment) {
  ::setenv("BUSMAP_MEMORY_LIMIT", "512", 1);
  ::setenv("BUSMAP_RERUNS", "5", 1);
  const CheckOptions o = testing::oracle_options_from_env();
  ::unsetenv("BUSMAP_MEMORY_LIMIT");
  ::unsetenv("BUSMAP_RERUNS");
  EXPECT_EQ(o.memory_limit_mib, 512u);
  EXPECT_EQ(o.reruns, 5u);
  EXPECT_EQ(o.isolation().memory_limit_mib, 512u);
}

TEST(ProfileCli, GtestEntryPointReadsTheMachineFromTheEnvironment) {
  ::setenv("BUSMAP_PROFILE", "x86-64", 1);
  ::setenv("BUSMAP_CLASS", "numa,dense", 1);
  ::setenv("BUSMAP_CONFIG", "max_mrs=1", 1);
  const CheckOptions o = testing::oracle_options_from_env();
  ::unsetenv("BUSMAP_PROFILE");
  ::unsetenv("BUSMAP_CLASS");
  ::unsetenv("BUSMAP_CONFIG");
  EXPECT_STREQ(o.layouts.profile->name, "x86-64");
  EXPECT_EQ(o.layouts.classes, (std::vector<std::string>{"numa", "dense"}));
  ASSERT_EQ(o.layouts.overrides.size(), 1u);
  EXPECT_EQ(o.layouts.overrides[0].key, "max_mrs");
  EXPECT_NE(env_refusal("BUSMAP_PROFILE", "vax").find("allowed: portable, ppc64, x86-64"),
            std::string::npos);
  EXPECT_NE(env_refusal("BUSMAP_CLASS", "huge").find("allowed: tiny, dense"), std::string::npos);
  EXPECT_NE(env_refusal("BUSMAP_CONFIG", "max_mrs=99").find("allowed: [0x1, 0x10]"),
            std::string::npos);
}

TEST(ProfileCli, ListShowsTheProfiles) {
  const auto [code, out] = busmap("list --json");
  ASSERT_EQ(code, 0);
  const auto j = nlohmann::json::parse(out);
  std::vector<std::string> names;
  for (const auto &p : j.at("profiles"))
    names.push_back(p.at("name"));
  EXPECT_EQ(names, (std::vector<std::string>{"portable", "ppc64", "x86-64"}));
  EXPECT_EQ(j.at("profiles").at(1).at("geometries").at(0).at("phys_bits").at(0), 51);
  const auto [tc, text] = busmap("list");
  EXPECT_NE(text.find("Machine profiles"), std::string::npos);
  EXPECT_NE(text.find("portable (default)"), std::string::npos);
}

} // namespace
} // namespace busmap
