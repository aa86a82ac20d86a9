// The `flat` driver: the canonical protocol over FlatMap (impl/simple_maps.hpp),
// the first eHEA busmap, a table indexed by section number up to the highest.
#include "impl/drivers.hpp"
#include "impl/radix_driver.hpp"
#include "impl/simple_maps.hpp"

namespace busmap::drivers {
namespace {

struct FlatPolicy : impl::RadixPolicy {
  template <class Q> using Map = impl::FlatMap<Q>;
  static constexpr const char *tag = "flat";
};

} // namespace

const busmap_driver flat = impl::CanonicalDriver<FlatPolicy>::table(
    "flat",
    "The first eHEA busmap: a flat table of slots indexed by section number up to the highest "
    "mapped section. O(1) and correct on dense memory; on a sparse layout (16 MiB at 2^60) it "
    "asks for a table of hundreds of GiB: fails the footprint invariant.");

} // namespace busmap::drivers
