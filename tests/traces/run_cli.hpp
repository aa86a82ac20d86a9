//===- tests/traces/run_cli.hpp - run the busmap program from a test -*- C++ -*-===//
//
// The CLI's contract is its exit code and its words (0 holds, 1 fails,
// 2 bad input with a message naming the file), so the tests that hold it to
// that contract run the real program and look at both.  Also a scratch
// file helper, for traces a test writes on the fly.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_TESTS_TRACES_RUN_CLI_HPP
#define BUSMAP_TESTS_TRACES_RUN_CLI_HPP

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace busmap::testing {

struct CliResult {
  int exit_code = -1; // -1: did not exit normally
  std::string output; // stdout and stderr, interleaved
};

/// Runs `busmap <args>` through the shell; `args` must be shell-quoted.
inline CliResult run_busmap(const std::string &args) {
  CliResult r;
  std::string cmd = std::string("'") + BUSMAP_CLI + "' " + args + " 2>&1";
  FILE *pipe = ::popen(cmd.c_str(), "r");
  if (!pipe)
    return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0)
    r.output.append(buf.data(), n);
  int status = ::pclose(pipe);
  if (status != -1 && WIFEXITED(status))
    r.exit_code = WEXITSTATUS(status);
  return r;
}

/// A file in the temp directory that is removed with the object.
class ScratchFile {
public:
  ScratchFile(const std::string &name, const std::string &text)
      : path_(std::filesystem::temp_directory_path() /
              ("busmap-" + std::to_string(::getpid()) + "-" + name)) {
    std::ofstream(path_) << text;
  }
  ~ScratchFile() { std::filesystem::remove(path_); }
  ScratchFile(const ScratchFile &) = delete;
  ScratchFile &operator=(const ScratchFile &) = delete;
  std::string path() const { return path_.string(); }

private:
  std::filesystem::path path_;
};

} // namespace busmap::testing

#endif // BUSMAP_TESTS_TRACES_RUN_CLI_HPP
