// The `radix` driver: CanonicalDriver with the correct policy (impl/radix_driver.hpp).
#include "impl/drivers.hpp"
#include "impl/radix_driver.hpp"

namespace busmap::drivers {

const busmap_driver radix = impl::CanonicalDriver<impl::RadixPolicy>::table(
    "radix",
    "Optimized canonical driver: radix table over section numbers with 32-bit slot leaves, "
    "O(1) lock-free translate, nodes allocated lazily and freed when empty; maps at "
    "GOING_ONLINE, unmaps at GOING_OFFLINE, undoes on CANCEL; one MR re-registration per "
    "accepted event; vetoes (or goes inoperable) on allocation and firmware faults.");

} // namespace busmap::drivers
