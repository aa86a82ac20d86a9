// Names of trace operations and the one-line text of an operation, shared by
// the trace file writer, the oracle's reports and replay's output.
#include "properties/oracle.hpp"
#include "properties/trace.hpp"
#include "platform/partition.hpp"
#include "properties/hotplug_op.hpp"

#include <fmt/format.h>

namespace busmap {

const char *to_string(OpKind k) {
  switch (k) {
  case OpKind::Load: return "load";
  case OpKind::Unload: return "unload";
  case OpKind::Add: return "add";
  case OpKind::Online: return "online";
  case OpKind::Offline: return "offline";
  case OpKind::Remove: return "remove";
  case OpKind::Translate: return "translate";
  case OpKind::FaultAlloc: return "fault-alloc";
  case OpKind::FaultHcall: return "fault-hcall";
  case OpKind::Xmit: return "xmit";
  case OpKind::Rx: return "rx";
  case OpKind::Dma: return "dma";
  }
  return "?";
}

const char *to_string(HotplugPhase p) {
  switch (p) {
  case HotplugPhase::Atomic: return "atomic";
  case HotplugPhase::Going: return "going";
  case HotplugPhase::Migrated: return "migrated";
  case HotplugPhase::Done: return "done";
  case HotplugPhase::Cancel: return "cancel";
  }
  return "?";
}

void arm_fault(Partition &part, const Op &op) {
  if (op.kind == OpKind::FaultAlloc)
    part.allocator().arm_fault(op.nth, op.count);
  else
    part.firmware().arm_fault(op.nth, op.code, op.count);
}

std::optional<Op> closing_op(const Partition &part) {
  Op op;
  if (const auto &w = part.window()) {
    op.kind = w->offline ? OpKind::Offline : OpKind::Online;
    op.addr = part.memory().base_of(w->block.first_section);
    op.phase = HotplugPhase::Done;
    return op;
  }
  if (!part.loaded())
    return std::nullopt;
  op.kind = OpKind::Unload;
  return op;
}

OpOutcome perform_hotplug(Partition &part, const Op &op, const Partition::Checkpoint &cp) {
  const bool online = op.kind == OpKind::Online;
  switch (op.phase) {
  case HotplugPhase::Atomic:
    return online ? part.online_block(op.addr, op.veto, cp)
                  : part.offline_block(op.addr, op.veto, op.migrate_fail, cp);
  case HotplugPhase::Going:
    return online ? part.begin_online(op.addr, op.veto) : part.begin_offline(op.addr, op.veto);
  case HotplugPhase::Migrated: return part.migrate(op.addr);
  case HotplugPhase::Done: return part.end_window(op.addr, false);
  case HotplugPhase::Cancel: return part.end_window(op.addr, true);
  }
  return {};
}

OpOutcome perform_data_path(Partition &part, const Op &op) {
  switch (op.kind) {
  case OpKind::Xmit: return part.xmit(op.addr, op.len);
  case OpKind::Rx: return part.refill_rx(op.addr, op.len);
  default: return part.dma();
  }
}

static std::string hcall_code_name(std::int64_t code) {
  const char *name = hcall_name(code);
  return name ? name : fmt::format("{}", code);
}

std::string format_op(const Op &op) {
  std::string s = to_string(op.kind);
  switch (op.kind) {
  case OpKind::Load:
  case OpKind::Unload:
  case OpKind::Dma:
    break;
  case OpKind::Xmit:
  case OpKind::Rx:
    s += fmt::format(" {:#x}", op.addr);
    if (op.len != DefaultFrameBytes)
      s += fmt::format(" len={}", op.len);
    break;
  case OpKind::Add:
    s += fmt::format(" {:#x} sections={}", op.addr, op.sections);
    break;
  case OpKind::Online:
  case OpKind::Offline:
    s += fmt::format(" {:#x}", op.addr);
    if (op.phase != HotplugPhase::Atomic)
      s += fmt::format(" phase={}", to_string(op.phase));
    if (op.veto != Veto::None)
      s += fmt::format(" veto={}", to_string(op.veto));
    if (op.migrate_fail)
      s += " migrate-fail";
    for (const Race &r : op.races)
      s += fmt::format(" race={}:{:#x}", r.at, r.addr);
    break;
  case OpKind::Remove:
  case OpKind::Translate:
    s += fmt::format(" {:#x}", op.addr);
    break;
  case OpKind::FaultAlloc:
    s += fmt::format(" nth={}", op.nth);
    break;
  case OpKind::FaultHcall:
    s += fmt::format(" nth={} code={}", op.nth, hcall_code_name(op.code));
    break;
  }
  if (op.kind == OpKind::FaultAlloc || op.kind == OpKind::FaultHcall) {
    if (op.count == FaultPlan::Sticky)
      s += " sticky";
    else if (op.count != 1)
      s += fmt::format(" count={}", op.count);
  }
  return s;
}

} // namespace busmap
