// The table of built-in drivers with the verdicts the oracle must give them.
#include "impl/drivers.hpp"
#include "impl/registry.hpp"

namespace busmap {

std::span<const Implementation> builtin_drivers() {
  static const Implementation table[] = {
      {&drivers::simple, "driver", Expect::Pass, Expect::Pass, nullptr},
      {&drivers::radix, "driver", Expect::Pass, Expect::Pass, nullptr},
      // Maps the offline blocks walk_ram reports at load (exact-miss in both
      // modes); strict mode also reports its GOING_ONLINE window (coverage).
      {&drivers::ehea, "driver", Expect::Fail, Expect::Fail, "exact-miss"},
      {&drivers::ehca, "driver", Expect::Pass, Expect::Pass, nullptr},
      {&drivers::flat, "driver", Expect::Fail, Expect::Fail, "footprint"},
      {&drivers::lazy, "driver", Expect::Fail, Expect::Fail, "reclaimable"},
      {&drivers::recompute, "driver", Expect::Pass, Expect::Pass, nullptr},
      {&drivers::identity_dup, "driver", Expect::Fail, Expect::Fail, "mr-length"},
  };
  return table;
}

} // namespace busmap
