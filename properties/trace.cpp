// Names of trace operations and the one-line text of an operation, shared by
// the trace file writer, the oracle's reports and replay's output.
#include "properties/oracle.hpp"
#include "properties/trace.hpp"
#include "platform/partition.hpp"

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
  }
  return "?";
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
    break;
  case OpKind::Add:
    s += fmt::format(" {:#x} sections={}", op.addr, op.sections);
    break;
  case OpKind::Online:
  case OpKind::Offline:
    s += fmt::format(" {:#x}", op.addr);
    if (op.veto != Veto::None)
      s += fmt::format(" veto={}", to_string(op.veto));
    if (op.migrate_fail)
      s += " migrate-fail";
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
  return s;
}

} // namespace busmap
