// Loading a driver from a shared object: dlopen, the entry symbol, and the
// checks on the table it answers, each failure a PluginError naming the path.
#include "properties/plugin.hpp"

#include "platform/driver_text.hpp"

#include <fmt/format.h>

#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace busmap {

std::string check_driver_table(const busmap_driver *d) {
  if (!d)
    return fmt::format("{}() returned NULL instead of a driver table", BUSMAP_DRIVER_ENTRY_SYMBOL);
  // Read nothing else before the version: another ABI may lay the table out differently.
  // An ABI 1 table ends after translate(): nothing past it is read.
  if (d->abi_version < BUSMAP_ABI_OLDEST || d->abi_version > BUSMAP_ABI_CURRENT)
    return fmt::format("driver ABI version {}, but this busmap loads versions {} to {}; rebuild "
                       "the driver against this busmap's include/busmap/driver.h",
                       d->abi_version, BUSMAP_ABI_OLDEST, BUSMAP_ABI_CURRENT);
  if (!d->name || !*d->name)
    return "the driver table has no name";
  struct Callback {
    const char *name;
    bool present;
  };
  const Callback mandatory[] = {{"load", d->load != nullptr},
                                {"unload", d->unload != nullptr},
                                {"notify", d->notify != nullptr},
                                {"translate", d->translate != nullptr}};
  for (const auto &c : mandatory)
    if (!c.present)
      return fmt::format("driver '{}' has a NULL {}() callback", d->name, c.name);
  return {};
}

std::string abi_summary(const busmap_driver &d) {
  return d.abi_version >= 2
             ? fmt::format("driver ABI {} (walk_ram reports every added block; is_online, the "
                           "hotplug lock, the data path)",
                           d.abi_version)
             : fmt::format("driver ABI {} (walk_ram reports online memory only; no hotplug lock, "
                           "no data path)",
                           d.abi_version);
}

namespace {

// An ABI 1 table ends after translate(): nothing past it is read.
std::size_t table_size(const busmap_driver &d) {
  return d.abi_version >= 2 ? sizeof d : offsetof(busmap_driver, translate) + sizeof d.translate;
}

} // namespace

std::unique_ptr<Plugin::Table> Plugin::copy_table(const busmap_driver &d) {
  auto t = std::make_unique<Table>();
  std::memcpy(&t->driver, &d, table_size(d));
  t->name = utf8_escaped(d.name);
  t->description = d.description ? utf8_escaped(d.description) : std::string();
  t->driver.name = t->name.c_str();
  t->driver.description = d.description ? t->description.c_str() : nullptr;
  return t;
}

Plugin Plugin::open(const std::string &path) {
  // dlopen searches the library path for a bare name; a user means a file.
  std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  if (::access(file.c_str(), R_OK) != 0)
    throw PluginError(fmt::format("{}: cannot read plugin: {}", path, std::strerror(errno)));
  void *handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = ::dlerror();
    throw PluginError(fmt::format("{}: cannot load plugin: {}", path, why ? why : "unknown error"));
  }
  Plugin plugin(handle, path);
  ::dlerror();
  void *sym = ::dlsym(handle, BUSMAP_DRIVER_ENTRY_SYMBOL);
  if (!sym)
    throw PluginError(fmt::format("{}: not a busmap plugin: it does not export {}()", path,
                                  BUSMAP_DRIVER_ENTRY_SYMBOL));
  auto entry = reinterpret_cast<busmap_driver_entry_fn>(sym);
  const busmap_driver *driver = entry();
  if (auto e = check_driver_table(driver); !e.empty())
    throw PluginError(fmt::format("{}: {}", path, e));
  plugin.table_ = copy_table(*driver);
  return plugin;
}

Plugin::Plugin(Plugin &&other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)), table_(std::move(other.table_)),
      path_(std::move(other.path_)) {}

Plugin &Plugin::operator=(Plugin &&other) noexcept {
  if (this != &other) {
    if (handle_)
      ::dlclose(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
    table_ = std::move(other.table_);
    path_ = std::move(other.path_);
  }
  return *this;
}

Plugin::~Plugin() {
  if (handle_)
    ::dlclose(handle_);
}

} // namespace busmap
