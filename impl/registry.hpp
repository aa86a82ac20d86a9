//===- impl/registry.hpp - the built-in implementations ----------*- C++ -*-===//
//
// Every driver the oracle ships with, correct drivers and deliberately
// broken mutants alike, each with the verdict the oracle is expected to
// give it in strict and in lenient mode.  `busmap list` prints this table,
// `busmap check --all` and the test suite hold every entry to it.
//
// Drivers register in impl/drivers.cpp, mutants in impl/mutants/mutants.cpp;
// every entry is a plain `struct busmap_driver`, the same ABI a plugin uses.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_IMPL_REGISTRY_HPP
#define BUSMAP_IMPL_REGISTRY_HPP

#include "busmap/driver.h"

#include <span>
#include <string_view>

namespace busmap {

enum class Expect { Pass, Fail };

struct Implementation {
  const busmap_driver *driver;
  const char *kind;       // "driver" or "mutant"
  Expect strict;          // expected verdict in strict mode (the default)
  Expect lenient;         // expected verdict in lenient mode
  const char *fails;      // for an expected failure: the invariant id that catches it
};

std::span<const Implementation> builtin_drivers();
std::span<const Implementation> builtin_mutants();
/// Drivers first, then mutants; null when no implementation has that name.
const Implementation *find_implementation(std::string_view name);

} // namespace busmap

#endif // BUSMAP_IMPL_REGISTRY_HPP
