//===- cli/machine_options.hpp - --profile, --class, --config ----*- C++ -*-===//
//
// The options that say which machine a run is about, shared by check,
// replay and bench: --profile NAME, --class NAME (repeatable), --config
// KEY=VALUE (repeatable).  resolve() turns them into a LayoutFilter and
// throws BadInput (exit 2) with the allowed values for anything wrong.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_CLI_MACHINE_OPTIONS_HPP
#define BUSMAP_CLI_MACHINE_OPTIONS_HPP

#include "properties/generators.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace busmap::cli {

struct MachineArgs {
  std::string profile;
  std::vector<std::string> classes;
  std::vector<std::string> configs;

  /// Declares the options on `app`; `with_classes` adds --class.
  void add_to(CLI::App &app, bool with_classes = true);
  /// The filter the options describe (profile: the default when none given).
  LayoutFilter resolve() const;
};

/// `c` with the filter's overrides applied, checked against its profile;
/// throws BadInput naming `what` (a file) and the rule broken.
PlatformConfig admit(const LayoutFilter &f, PlatformConfig c, const std::string &what);

} // namespace busmap::cli

#endif // BUSMAP_CLI_MACHINE_OPTIONS_HPP
