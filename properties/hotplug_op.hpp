//===- properties/hotplug_op.hpp - trace ops on a partition -------*- C++ -*-===//
//
// The one place that maps an `online`/`offline` trace op, atomic or one
// phase of a split operation, a data-path op, and a fault op onto the partition's calls,
// so the oracle and the renderer perform them the same way.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PROPERTIES_HOTPLUG_OP_HPP
#define BUSMAP_PROPERTIES_HOTPLUG_OP_HPP

#include "platform/partition.hpp"
#include "properties/trace.hpp"

#include <optional>

namespace busmap {

/// Performs an Online or Offline op; `cp` is called at the checkpoint
/// inside an atomic one.
OpOutcome perform_hotplug(Partition &part, const Op &op, const Partition::Checkpoint &cp);
/// Performs an Xmit, Rx or Dma op (the stack's and the device's side).
OpOutcome perform_data_path(Partition &part, const Op &op);
/// Arms the fault of a FaultAlloc or FaultHcall op.
void arm_fault(Partition &part, const Op &op);
/// What the end of a trace still implies, one op at a time: the kernel
/// ends a window the trace left open (phase=done, which also completes a
/// parked load), then the loaded driver is unloaded.  None when neither.
std::optional<Op> closing_op(const Partition &part);

} // namespace busmap

#endif // BUSMAP_PROPERTIES_HOTPLUG_OP_HPP
