//===- tests/check/cli_support.hpp - `busmap` from the check tests -*- C++ -*-===//
//
// The check command's contract is its exit code, its words and the files it
// writes, so its tests run the real program (BUSMAP_EXE) and read what it
// left: the captured output, a file's text, a fresh scratch directory.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_TESTS_CHECK_CLI_SUPPORT_HPP
#define BUSMAP_TESTS_CHECK_CLI_SUPPORT_HPP

#include "tests/support/patient.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

namespace busmap::testing {

/// `busmap ARGS`; a `check` that sets no deadline of its own gets the
/// patient one (tests/support/patient.hpp): a correct driver's case must not
/// become a `timeout` because ASan and a loaded machine made it slow (the
/// sanitizer loop of issue 16 saw CheckCli.DefaultRunPassesAndReports fail so).
inline std::string busmap_command(const std::string &args) {
  std::string cmd = BUSMAP_EXE " " + args;
  if (args.rfind("check ", 0) == 0 && args.find("--case-timeout") == std::string::npos)
    cmd += " --case-timeout " + std::to_string(PatientCaseTimeout.count());
  return cmd;
}

/// Runs busmap and answers its exit code and what it printed (both streams).
inline std::pair<int, std::string> run_capture(const std::string &args) {
  const std::string cmd = busmap_command(args) + " 2>&1";
  FILE *pipe = ::popen(cmd.c_str(), "r");
  std::string out;
  if (!pipe)
    return {-1, out};
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;)
    out.append(buf, n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

inline std::string slurp(const std::filesystem::path &p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// An empty directory of that name in the test's temp directory.
inline std::filesystem::path scratch(const char *name) {
  std::filesystem::path d = std::filesystem::path(::testing::TempDir()) / name;
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

#ifdef BUSMAP_LAYOUT_FIXTURES
/// The x86-64 fixture (64 blocks of 128 MiB around the 3-4 GiB PCI hole),
/// imported as a user would: `busmap layout import` to DIR/NAME.
inline std::filesystem::path imported_x86_layout(const std::filesystem::path &dir,
                                                 const std::string &name = "x86-pci-hole.layout") {
  const std::filesystem::path out = dir / name;
  const auto [code, text] = run_capture(std::string("layout import --from sysfs ") +
                                        BUSMAP_LAYOUT_FIXTURES "/x86-pci-hole/sysfs -o " +
                                        out.string());
  EXPECT_EQ(code, 0) << text;
  return out;
}
#endif

} // namespace busmap::testing

#endif // BUSMAP_TESTS_CHECK_CLI_SUPPORT_HPP
