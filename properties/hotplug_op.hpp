//===- properties/hotplug_op.hpp - an online/offline op on a partition -*- C++ -*-===//
//
// The one place that maps an `online`/`offline` trace op, atomic or one
// phase of a split operation, onto the partition's calls, so the oracle
// and the renderer perform it the same way.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PROPERTIES_HOTPLUG_OP_HPP
#define BUSMAP_PROPERTIES_HOTPLUG_OP_HPP

#include "platform/partition.hpp"
#include "properties/trace.hpp"

namespace busmap {

/// Performs an Online or Offline op; `cp` is called at the checkpoint
/// inside an atomic one.
OpOutcome perform_hotplug(Partition &part, const Op &op, const Partition::Checkpoint &cp);

} // namespace busmap

#endif // BUSMAP_PROPERTIES_HOTPLUG_OP_HPP
