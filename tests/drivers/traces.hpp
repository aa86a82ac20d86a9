//===- tests/drivers/traces.hpp - handwritten traces for the drivers -*- C++ -*-===//
//
// Two sets of traces written by hand:
//
//  * the *behaviour suite*: one trace per situation a correct hotplug driver
//    must survive (hot-add below and above existing memory, hot-remove,
//    vetoes on both sides, cancels, migration failure, allocation and
//    firmware faults at each call, sparse and high layouts, the top of the
//    64-bit space, gigantic pages, x86-64 granularity, reload);
//  * one *catching trace* per mutant: the shortest story that makes that
//    mutant's bug visible, with the invariant the oracle must name.
//
// Both are data, so the verdict test is one loop over the registry.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_TESTS_DRIVERS_TRACES_HPP
#define BUSMAP_TESTS_DRIVERS_TRACES_HPP

#include "properties/trace.hpp"

#include <map>
#include <string>
#include <vector>

namespace busmap::testing {

struct NamedTrace {
  std::string name;
  Trace trace;
  /// Memory at or above 2^63, which eHEA's 39-bit table index cannot
  /// reach (the ehea driver refuses it; a test holds it to that).
  bool beyond_ehea_index = false;
};

/// Situations every correct hotplug driver must pass, in both modes.
std::vector<NamedTrace> behaviour_suite();

/// Mutant name -> the trace that catches it (its expect_fail is the
/// invariant the oracle must report).
const std::map<std::string, Trace> &catching_traces();

} // namespace busmap::testing

#endif // BUSMAP_TESTS_DRIVERS_TRACES_HPP
