//===- cli/command.hpp - the subcommand table of `busmap` --------*- C++ -*-===//
//
// Each subcommand lives in its own cmd_<name>.cpp and registers itself with
// a static Registrar, so adding a command never touches main.cpp.  A
// command's setup() declares its options on the CLI11 subcommand and
// returns the function that runs it; that function answers the exit code:
// 0 holds, 1 a verdict failed, 2 bad input (a message naming file and line
// has been printed to stderr).
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_CLI_COMMAND_HPP
#define BUSMAP_CLI_COMMAND_HPP

#include <CLI/CLI.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace busmap::cli {

inline constexpr int ExitOk = 0, ExitFailed = 1, ExitBadInput = 2;

/// Thrown for bad user input; main prints it and exits 2.
struct BadInput : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using Run = std::function<int()>;

struct Command {
  const char *name;
  const char *help;
  std::function<Run(CLI::App &)> setup;
};

std::vector<Command> &commands();

struct Registrar {
  explicit Registrar(Command c) { commands().push_back(std::move(c)); }
};

} // namespace busmap::cli

#endif // BUSMAP_CLI_COMMAND_HPP
