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

} // namespace busmap::drivers

#endif // BUSMAP_IMPL_DRIVERS_HPP
