// The `recompute` driver: the canonical protocol over ScanMap
// (impl/simple_maps.hpp), which keeps only the set of mapped sections.
#include "impl/drivers.hpp"
#include "impl/radix_driver.hpp"
#include "impl/simple_maps.hpp"

namespace busmap::drivers {
namespace {

struct RecomputePolicy : impl::RadixPolicy {
  template <class Q> using Map = impl::ScanMap<Q>;
  static constexpr const char *tag = "recompute";
};

} // namespace

const busmap_driver recompute = impl::CanonicalDriver<RecomputePolicy>::table(
    "recompute",
    "Keeps only the sorted set of mapped sections and recomputes each translation by walking "
    "it (\"pretend to build the map and see where it lands\"). Correct, O(n) per translation.");

} // namespace busmap::drivers
