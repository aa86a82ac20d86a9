// The table of built-in drivers with the verdicts the oracle must give them.
#include "impl/drivers.hpp"
#include "impl/registry.hpp"

namespace busmap {

std::span<const Implementation> builtin_drivers() {
  static const Implementation table[] = {
      {&drivers::simple, "driver", Expect::Pass, Expect::Pass, nullptr},
      {&drivers::radix, "driver", Expect::Pass, Expect::Pass, nullptr},
  };
  return table;
}

} // namespace busmap
