//===- properties/plugin.hpp - drivers loaded from shared objects -*- C++ -*-===//
//
// A plugin is a driver built outside this tree, as a shared object that
// exports `busmap_driver_entry` (include/busmap/driver.h).  Plugin::open()
// loads it with dlopen, asks it for its `struct busmap_driver` and checks
// the table before the oracle ever calls into it: the ABI version first
// (a table from another version may not even have the fields we read),
// then the name and the mandatory callbacks.  Anything wrong is a
// PluginError naming the path and the fault, which the CLI turns into
// exit code 2.  The object stays loaded for the Plugin's lifetime.
//
// The table the harness uses is the Plugin's own copy, its name and
// description made valid UTF-8 (platform/driver_text.hpp): they go into
// every report, and a Latin-1 name must not break the JSON or the XML.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PROPERTIES_PLUGIN_HPP
#define BUSMAP_PROPERTIES_PLUGIN_HPP

#include "busmap/driver.h"

#include <memory>
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
  /// not looked up in the dynamic linker's search path.
  static Plugin open(const std::string &path);

  Plugin(Plugin &&other) noexcept;
  Plugin &operator=(Plugin &&other) noexcept;
  Plugin(const Plugin &) = delete;
  Plugin &operator=(const Plugin &) = delete;
  ~Plugin();

  /// The plugin's table with its text made valid UTF-8; the same address
  /// for the Plugin's lifetime, moves included.
  const busmap_driver &driver() const { return table_->driver; }
  const std::string &path() const { return path_; }

private:
  /// The copy of the plugin's table, with the strings it points into.
  struct Table {
    busmap_driver driver{};
    std::string name, description;
  };
  Plugin(void *handle, std::string path) : handle_(handle), path_(std::move(path)) {}
  static std::unique_ptr<Table> copy_table(const busmap_driver &driver);

  void *handle_ = nullptr;
  std::unique_ptr<Table> table_;
  std::string path_;
};

/// Empty when `driver` is a usable table, else what is wrong with it
/// (shared by Plugin::open and anyone handed a table some other way).
std::string check_driver_table(const busmap_driver *driver);
/// "driver ABI 2 (walk_ram reports every added block; ...)" or ABI 1's
/// meaning, for listings and run summaries.
std::string abi_summary(const busmap_driver &driver);

} // namespace busmap

#endif // BUSMAP_PROPERTIES_PLUGIN_HPP
