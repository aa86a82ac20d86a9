// Loading a driver from a shared object: dlopen, the entry symbol, and the
// checks on the table it answers, each failure a PluginError naming the path.
#include "properties/plugin.hpp"

#include "platform/driver_call.hpp"
#include "platform/driver_heap.hpp"
#include "platform/driver_text.hpp"

#include <fmt/format.h>

#include <dlfcn.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <vector>

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

/// Loads the plugin at `file` in this process and checks its table; null
/// and `error` set when it is not a usable plugin.  Its constructors and
/// entry point are driver code (the board names them), the loader's own
/// memory is not the driver's.
const busmap_driver *load_table(const std::string &path, const std::string &file, void **handle,
                                std::string *error) {
  const DriverCall in("loading the plugin (dlopen, its constructors, busmap_driver_entry())");
  const driver_heap::PlatformCode not_a_callback;
  *handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!*handle) {
    const char *why = ::dlerror();
    *error = fmt::format("{}: cannot load plugin: {}", path, why ? why : "unknown error");
    return nullptr;
  }
  ::dlerror();
  void *sym = ::dlsym(*handle, BUSMAP_DRIVER_ENTRY_SYMBOL);
  if (!sym) {
    *error = fmt::format("{}: not a busmap plugin: it does not export {}()", path,
                         BUSMAP_DRIVER_ENTRY_SYMBOL);
    return nullptr;
  }
  const busmap_driver *driver = reinterpret_cast<busmap_driver_entry_fn>(sym)();
  if (auto e = check_driver_table(driver); !e.empty()) {
    *error = fmt::format("{}: {}", path, e);
    return nullptr;
  }
  return driver;
}

/// One open plugin: what the stand-in table needs, and the real table once
/// this process has loaded it.
struct Slot {
  bool used = false;
  std::string path, file;
  std::string name, description;
  busmap_driver stand_in{};
  void *handle = nullptr;
  const busmap_driver *real = nullptr;
};

std::array<Slot, MaxPlugins> slots;

/// The real table of slot `k`, loading the plugin in this process first if
/// need be.  It loaded in the trial child, so failing now is the plugin
/// being unreliable: the process ends the way a crashing driver's does.
const busmap_driver &real(std::size_t k) {
  Slot &s = slots[k];
  if (!s.real) {
    std::string error;
    s.real = load_table(s.path, s.file, &s.handle, &error);
    if (!s.real) {
      std::fprintf(stderr, "busmap: %s\n", error.c_str());
      std::abort();
    }
  }
  return *s.real;
}

/// The stand-in's callbacks for slot K: load the plugin, then forward.
template <std::size_t K> struct Forward {
  static void *load(const busmap_platform *p) { return real(K).load(p); }
  static void unload(void *drv) { real(K).unload(drv); }
  static int notify(void *drv, busmap_mem_action a, std::uint64_t start_pfn,
                    std::uint64_t nr_pages) {
    return real(K).notify(drv, a, start_pfn, nr_pages);
  }
  static std::uint64_t translate(void *drv, std::uint64_t phys_addr) {
    return real(K).translate(drv, phys_addr);
  }
  static int xmit(void *drv, std::uint64_t phys_addr, std::uint32_t len) {
    return real(K).xmit(drv, phys_addr, len);
  }
  static int refill_rx(void *drv, std::uint64_t phys_addr, std::uint32_t len) {
    return real(K).refill_rx(drv, phys_addr, len);
  }
  static void fill(busmap_driver &t, bool xmit_present, bool refill_present) {
    t.load = load;
    t.unload = unload;
    t.notify = notify;
    t.translate = translate;
    t.xmit = xmit_present ? xmit : nullptr;
    t.refill_rx = refill_present ? refill_rx : nullptr;
  }
};

template <std::size_t... K>
void fill_stand_in(std::size_t k, busmap_driver &t, bool xmit, bool refill,
                   std::index_sequence<K...>) {
  ((k == K ? Forward<K>::fill(t, xmit, refill) : void()), ...);
}

/// What the trial load sends back: 'E' and the error, or 'K' and the
/// table's fields, NUL-separated (C strings have no NUL of their own).
std::string describe_table(const busmap_driver &d) {
  const bool abi2 = d.abi_version >= 2;
  std::string s = "K";
  for (const std::string &field :
       {std::string(d.name), std::string(d.description ? d.description : ""),
        std::to_string(d.abi_version), std::to_string(d.flags),
        std::string(abi2 && d.xmit ? "1" : "0"), std::string(abi2 && d.refill_rx ? "1" : "0")})
    s += field + '\0';
  return s;
}

std::vector<std::string> split_fields(std::string_view s) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at < s.size();) {
    const std::size_t end = s.find('\0', at);
    out.emplace_back(s.substr(at, end - at));
    at = end == std::string_view::npos ? s.size() : end + 1;
  }
  return out;
}

std::size_t free_slot(const std::string &path) {
  for (std::size_t k = 0; k < slots.size(); ++k)
    if (!slots[k].used)
      return k;
  throw PluginError(fmt::format("{}: too many plugins open at once (at most {})", path, MaxPlugins));
}

} // namespace

Plugin Plugin::open(const std::string &path, const IsolationOptions &isolation) {
  // dlopen searches the library path for a bare name; a user means a file.
  std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  if (::access(file.c_str(), R_OK) != 0)
    throw PluginError(fmt::format("{}: cannot read plugin: {}", path, std::strerror(errno)));
  const std::size_t k = free_slot(path);
  const Isolated trial = run_isolated(
      [&](ChildChannel &) {
        void *handle;
        std::string error;
        const busmap_driver *d = load_table(path, file, &handle, &error);
        return d ? describe_table(*d) : "E" + error;
      },
      isolation);
  Slot &s = slots[k];
  s = Slot{};
  s.path = path;
  s.file = file;
  busmap_driver &t = s.stand_in;
  std::string failure;
  if (trial.status == Isolated::Status::Finished && trial.payload.starts_with('E')) {
    throw PluginError(utf8_escaped(trial.payload.substr(1)));
  } else if (trial.status == Isolated::Status::Finished) {
    const auto f = split_fields(std::string_view(trial.payload).substr(1));
    s.name = utf8_escaped(f.at(0)); // names and descriptions go into every report
    s.description = utf8_escaped(f.at(1));
    t.abi_version = static_cast<std::uint32_t>(std::stoul(f.at(2)));
    t.flags = static_cast<std::uint32_t>(std::stoul(f.at(3)));
    fill_stand_in(k, t, f.at(4) == "1", f.at(5) == "1", std::make_index_sequence<MaxPlugins>());
  } else {
    // Judged where it happens again: in the load of every case.
    failure = trial.what;
    s.name = utf8_escaped(std::filesystem::path(path).stem().string());
    s.description = "did not load: " + failure;
    t.abi_version = BUSMAP_ABI_CURRENT;
    fill_stand_in(k, t, false, false, std::make_index_sequence<MaxPlugins>());
  }
  t.name = s.name.c_str();
  t.description = s.description.c_str();
  s.used = true;
  return Plugin(k, path, std::move(failure));
}

const busmap_driver &Plugin::driver() const { return slots.at(slot_).stand_in; }

const busmap_driver &Plugin::loaded() const { return real(slot_); }

Plugin::Plugin(Plugin &&other) noexcept
    : slot_(std::exchange(other.slot_, NoSlot)), path_(std::move(other.path_)),
      load_failure_(std::move(other.load_failure_)) {}

Plugin &Plugin::operator=(Plugin &&other) noexcept {
  if (this != &other) {
    release();
    slot_ = std::exchange(other.slot_, NoSlot);
    path_ = std::move(other.path_);
    load_failure_ = std::move(other.load_failure_);
  }
  return *this;
}

Plugin::~Plugin() { release(); }

void Plugin::release() {
  if (slot_ == NoSlot)
    return;
  Slot &s = slots[slot_];
  if (s.handle)
    ::dlclose(s.handle);
  s = Slot{};
  slot_ = NoSlot;
}

} // namespace busmap
