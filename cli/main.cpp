// The `busmap` program's entry point: builds the CLI11 app from the
// registered subcommands and maps errors to exit codes (2 = bad input).
// Standard output is flushed and checked last, whatever the command: a
// result piped into a full disk is an error, not a silent exit 0.
#include "cli/command.hpp"
#include "cli/output.hpp"

#include <cstdio>
#include <map>

namespace busmap::cli {
std::vector<Command> &commands() {
  static std::vector<Command> table;
  return table;
}
} // namespace busmap::cli

namespace {

using namespace busmap::cli;

/// Runs the parsed subcommand; answers its exit code.
int run_parsed(const std::map<CLI::App *, Run> &runs) {
  try {
    for (auto &[sub, run] : runs)
      if (sub->parsed())
        return run();
  } catch (const BadInput &e) {
    std::fprintf(stderr, "busmap: %s\n", e.what());
    return ExitBadInput;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "busmap: error: %s\n", e.what());
    return ExitBadInput;
  }
  return ExitBadInput;
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"busmap: verification harness for device bus maps and MR registration "
               "under memory hotplug"};
  app.require_subcommand(1);
  std::map<CLI::App *, Run> runs;
  for (auto &c : commands()) {
    CLI::App *sub = app.add_subcommand(c.name, c.help);
    runs[sub] = c.setup(*sub);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : ExitBadInput;
  }
  const int rc = run_parsed(runs);
  if (auto e = flush_stdout(); !e.empty()) {
    std::fprintf(stderr, "busmap: %s\n", e.c_str());
    return ExitBadInput;
  }
  return rc;
}
