//===- cli/isolation_args.hpp - --case-timeout, --memory-limit -----*- C++ -*-===//
//
// The options of every command that runs driver code (check, replay,
// render, list --plugin): how long one trace may run and how much address
// space its process may take.  Each command runs that code in a child
// process under them (properties/isolation.hpp), so the same driver gets
// the same verdict from check and from replay.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_CLI_ISOLATION_ARGS_HPP
#define BUSMAP_CLI_ISOLATION_ARGS_HPP

#include "properties/isolation.hpp"

#include <CLI/CLI.hpp>

#include <cstdint>

namespace busmap::cli {

struct IsolationArgs {
  std::uint64_t case_timeout_ms = 10000;
  std::uint64_t memory_limit_mib = DefaultMemoryLimitMiB;
  bool no_fork = false;

  void add_to(CLI::App &app);
  IsolationOptions options() const;
};

} // namespace busmap::cli

#endif // BUSMAP_CLI_ISOLATION_ARGS_HPP
