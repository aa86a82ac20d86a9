// The machine options of cli/machine_options.hpp.  The same words are
// parsed from BUSMAP_PROFILE/BUSMAP_CLASS/BUSMAP_CONFIG by the gtest entry
// point (properties/machine_filter), which does the work for both.
#include "cli/machine_options.hpp"

#include "cli/command.hpp"
#include "properties/machine_filter.hpp"

#include <fmt/format.h>

namespace busmap::cli {

void MachineArgs::add_to(CLI::App &app, bool with_classes) {
  app.add_option("--profile", profile,
                 fmt::format("machine profile: {} (default {}; `busmap list`)", profile_names(),
                             default_profile().name));
  if (with_classes)
    app.add_option("--class", classes,
                   "generate only this layout class of the profile (repeatable)");
  app.add_option("--config", configs,
                 "KEY=VALUE: fix one platform setting for the whole run (repeatable; "
                 "max_rpages, max_mrs, bus_start, hw_page_shift, phys_bits)");
}

LayoutFilter MachineArgs::resolve() const {
  try {
    return make_filter(profile, classes, configs);
  } catch (const std::invalid_argument &e) {
    throw BadInput(e.what());
  }
}

PlatformConfig admit(const LayoutFilter &f, PlatformConfig c, const std::string &what) {
  for (const auto &o : f.overrides)
    set_setting(c, o.key, o.value);
  if (auto e = f.profile->admits(c); !e.empty())
    throw BadInput(fmt::format("{}: {}", what, e));
  return c;
}

} // namespace busmap::cli
