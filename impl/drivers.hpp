//===- impl/drivers.hpp - the built-in driver tables -------------*- C++ -*-===//
//
// The `struct busmap_driver` of every built-in correct (or historical)
// driver.  Each is defined in its own file of impl/ and reaches the rest of
// the harness only through this table and the C ABI.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_IMPL_DRIVERS_HPP
#define BUSMAP_IMPL_DRIVERS_HPP

#include "busmap/driver.h"

namespace busmap::drivers {

/// The plain canonical driver: a sorted vector of sections, the whole MR
/// rebuilt and re-registered on every change.  Correct, not fast.
extern const busmap_driver simple;

/// The optimized canonical driver (impl/radix_driver.hpp): radix table with
/// 32-bit slot leaves, O(1) translate, one re-registration per event.
extern const busmap_driver radix;

// The systems of the seed documents (docs/DRIVERS.md tells their history).
/// eHEA: 3-level table, maps at ONLINE; strict mode reports its window.
extern const busmap_driver ehea;
/// eHCA: map built once at load, hotplug vetoed while loaded.
extern const busmap_driver ehca;
/// The first eHEA busmap: flat table up to the highest section.
extern const busmap_driver flat;
/// No notifier: a translation miss rebuilds the map and re-registers.
extern const busmap_driver lazy;
/// Only the set of sections; every translation recounts the rank.
extern const busmap_driver recompute;
/// Contiguous 1:1 map, holes filled with duplicate pages.
extern const busmap_driver identity_dup;

} // namespace busmap::drivers

#endif // BUSMAP_IMPL_DRIVERS_HPP
