//===- properties/plugin.hpp - drivers loaded from shared objects -*- C++ -*-===//
//
// A plugin is a driver built outside this tree, as a shared object that
// exports `busmap_driver_entry` (include/busmap/driver.h).  Loading one
// runs its code (its constructors, the entry point), which may crash or
// hang like any other driver code, so the harness's own process never
// loads it:
//
//   - Plugin::open() loads it once in a child (properties/isolation.hpp),
//     asks it for its `struct busmap_driver` and checks the table there:
//     the ABI version first (a table from another version may not even
//     have the fields we read), then the name and the mandatory callbacks.
//     Anything wrong is a PluginError naming the path and the fault, which
//     the CLI turns into exit code 2.
//   - driver() is then a stand-in table with the plugin's name, ABI and
//     flags, whose callbacks load the plugin in whatever process first
//     calls one, a case's child, and forward to it.  A plugin that crashed
//     or hung while loading in the child is not an error but a verdict:
//     the stand-in's load() loads it again in the case's child, where it
//     does what it did, as a `crash` or `timeout` of the trace's load.
//
// The stand-in's name and description are the plugin's made valid UTF-8
// (platform/driver_text.hpp): they go into every report, and a Latin-1
// name must not break the JSON or the XML.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PROPERTIES_PLUGIN_HPP
#define BUSMAP_PROPERTIES_PLUGIN_HPP

#include "busmap/driver.h"
#include "properties/isolation.hpp"

#include <stdexcept>
#include <string>
#include <utility>

namespace busmap {

/// what() is "PATH: what is wrong".
struct PluginError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Plugin {
public:
  /// A path without a slash is taken relative to the current directory,
  /// not looked up in the dynamic linker's search path.  The trial load in
  /// a child runs under `isolation` (its timeout and memory limit).
  static Plugin open(const std::string &path, const IsolationOptions &isolation = {});
  Plugin(Plugin &&other) noexcept;
  Plugin &operator=(Plugin &&other) noexcept;
  Plugin(const Plugin &) = delete;
  Plugin &operator=(const Plugin &) = delete;
  ~Plugin();
  /// The stand-in table (see the file comment); valid while the Plugin lives.
  const busmap_driver &driver() const;
  /// The plugin's own table, loading the plugin in this process first.
  /// Only in a child that runs driver code (run_isolated): `busmap bench`
  /// times the plugin's translate() through it, called as directly as the
  /// built-in drivers', not through the stand-in's forwarding.  A plugin
  /// that does not load ends this process as a crashing driver does.
  const busmap_driver &loaded() const;
  const std::string &path() const { return path_; }
  /// Empty, or how the trial load in a child ended when it did not return
  /// ("killed by signal 11 (Segmentation fault) in loading the plugin ...").
  const std::string &load_failure() const { return load_failure_; }

private:
  explicit Plugin(std::size_t slot, std::string path, std::string load_failure)
      : slot_(slot), path_(std::move(path)), load_failure_(std::move(load_failure)) {}
  void release();
  static constexpr std::size_t NoSlot = ~std::size_t{0};
  std::size_t slot_ = NoSlot;
  std::string path_;
  std::string load_failure_;
};

/// The plugins one process may have open at once.
inline constexpr std::size_t MaxPlugins = 16;

/// Empty when `driver` is a usable table, else what is wrong with it
/// (shared by Plugin::open and anyone handed a table some other way).
std::string check_driver_table(const busmap_driver *driver);
/// "driver ABI 2 (walk_ram reports every added block; ...)" or ABI 1's
/// meaning, for listings and run summaries.
std::string abi_summary(const busmap_driver &driver);

} // namespace busmap

#endif // BUSMAP_PROPERTIES_PLUGIN_HPP
