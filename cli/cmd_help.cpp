// `busmap help [TOPIC]`: the reference a user needs at the terminal.  Where
// the text can come from the code it does: the invariants are the oracle's
// own table, the trace example is written by the trace writer itself, the
// layout defaults are the importers' own, so the help cannot drift from the
// program.  docs/ holds the long versions.
#include "cli/command.hpp"
#include "properties/oracle.hpp"
#include "properties/trace_format.hpp"
#include "layouts/import.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <functional>
#include <memory>

namespace busmap::cli {
namespace {

struct Topic {
  const char *name, *summary;
  std::function<std::string()> text;
};

/// `text` wrapped at `width` columns, every line indented by `indent`.
std::string wrapped(std::string_view text, std::size_t indent, std::size_t width = 78) {
  std::string out, line(indent, ' ');
  std::size_t at = 0;
  while (at < text.size()) {
    const auto space = text.find(' ', at);
    const auto word = text.substr(at, space == text.npos ? text.npos : space - at);
    if (line.size() > indent && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line.assign(indent, ' ');
    }
    line += (line.size() > indent ? " " : "") + std::string(word);
    at = space == text.npos ? text.size() : space + 1;
  }
  return out + line + "\n";
}

std::string invariants_text() {
  std::string s = "The oracle checks these after every step and at the checkpoints inside\n"
                  "online/offline (docs/ORACLE.md has the exact rules).  Ids are what traces,\n"
                  "reports and JSON use.\n\n";
  for (const auto &i : invariants())
    s += fmt::format("  {:<14} {}\n", i.id, i.title) + wrapped(i.description, 17);
  return s;
}

/// A small trace with one operation of each kind, as the writer spells it.
Trace sample_trace() {
  Trace t;
  t.layout.blocks = {{0x0, 16, BlockState::Online}, {0x10000000, 16, BlockState::Offline}};
  t.ops = {{OpKind::Load},
           {OpKind::Online, 0x10000000, 0, Veto::After},
           {OpKind::Online, 0x10000000},
           {OpKind::Translate, 0x10000010},
           {OpKind::Add, 0x100000000, 16},
           {OpKind::Offline, 0x0, 0, Veto::None, true},
           {OpKind::FaultAlloc, 0, 0, Veto::None, false, 1},
           {OpKind::FaultHcall, 0, 0, Veto::None, false, 2, BUSMAP_H_HARDWARE},
           {OpKind::Offline, 0x10000000},
           {OpKind::Remove, 0x10000000},
           {OpKind::Rx, 0x2000},
           {.kind = OpKind::Xmit, .addr = 0xfff000, .len = 9014},
           {OpKind::Dma},
           {OpKind::Unload}};
  return t;
}

std::string trace_format_text() {
  return "A .trace file is a header (machine profile, platform configuration, starting blocks, gigantic\n"
         "pages, mode, the verdict it expects) and then one operation per line.\n"
         "Addresses are hex; '#' starts a comment.  A .layout file is the header's\n"
         "layout part alone under the magic line 'busmap-layout 1'.  Operations:\n\n"
         "  load | unload                         the driver's load() and unload()\n"
         "  add BASE sections=N                   the hypervisor assigns a new block\n"
         "  online BASE [veto=before|after]       GOING_ONLINE (another notifier may veto)\n"
         "  online BASE phase=going|done|cancel   one phase of a split online (a window)\n"
         "  offline BASE [veto=..] [migrate-fail] GOING_OFFLINE, migration may fail\n"
         "  offline BASE phase=going|migrated|done|cancel  one phase of a split offline\n"
         "  remove BASE                           the hypervisor reclaims an offline block\n"
         "  translate ADDR                        a device asks for ADDR's bus address\n"
         "  fault-alloc nth=K [count=N|sticky]    the K-th allocation from now fails\n"
         "  fault-hcall nth=K code=C [count=N|sticky]\n"
         "                                        the K-th firmware call answers C; count=N:\n"
         "                                        N calls in a row, sticky: every one from the K-th\n"
         "  xmit ADDR [len=N]                     the stack sends N bytes (default 1514, at most\n"
         "                                        65536): the driver's xmit() posts descriptors\n"
         "  rx ADDR [len=N]                       the stack posts a receive buffer: refill_rx()\n"
         "  dma                                   the device performs every posted transfer\n"
         "                                        (transmits complete, receive buffers consumed);\n"
         "                                        a no-op for a driver without a data path\n\n"
         "This example is written by the program's own trace writer:\n\n" +
         write_trace(sample_trace(), "an example: one operation of each kind", "simple") +
         "\ndocs/TRACE_FORMAT.md has every field; `busmap replay FILE.trace` runs one.\n";
}

std::string layouts_text() {
  std::string s =
      "`busmap layout import --from SOURCE PATH -o FILE.layout` turns a real machine's\n"
      "memory into a starting layout; `busmap render FILE.layout -o FILE.svg` draws it.\n\n"
      "  sysfs       /sys/devices/system/memory or a copy: block_size_bytes,\n"
      "              memoryN/phys_index, memoryN/state; one block per memory block\n"
      "  iomem       /proc/iomem or a copy: its 'System RAM' ranges, rounded to\n"
      "              sections (--round outward, the default, or inward); as root only\n"
      "  devicetree  a POWER partition's ibm,dynamic-reconfiguration-memory node\n"
      "              (ibm,lmb-size, ibm,dynamic-memory v1 or -v2): assigned LMBs\n"
      "              online, unassigned ones absent, reserved ones skipped\n\n";
  for (auto arch : {layouts::Arch::X86_64, layouts::Arch::Ppc64}) {
    const PlatformConfig c = layouts::arch_defaults(arch);
    s += fmt::format("  --arch {:<7} section 2^{}, kernel page 2^{}, gigantic page 2^{}\n",
                     layouts::to_string(arch), c.section_shift, c.page_shift, c.gigantic_shift);
  }
  s += "\n";
  return s + "docs/LAYOUTS.md has the mapping rules and their reasons.\n";
}

const std::vector<Topic> &topics() {
  static const std::vector<Topic> list = {
      {"trace-format", "the .trace and .layout file format, with an example", trace_format_text},
      {"invariants", "what the oracle checks after every step", invariants_text},
      {"layouts", "importing real memory layouts (sysfs, iomem, device tree)", layouts_text},
  };
  return list;
}

int help(const std::string &topic) {
  if (topic.empty()) {
    std::puts("busmap help TOPIC, where TOPIC is one of:");
    for (const auto &t : topics())
      std::printf("  %-13s %s\n", t.name, t.summary);
    std::puts("`busmap COMMAND --help` lists a command's options.");
    return ExitOk;
  }
  for (const auto &t : topics())
    if (topic == t.name) {
      std::fputs(t.text().c_str(), stdout);
      return ExitOk;
    }
  std::string names;
  for (const auto &t : topics())
    names += fmt::format("{}{}", names.empty() ? "" : ", ", t.name);
  throw BadInput(fmt::format("no help topic '{}'; topics: {}", topic, names));
}

Run setup(CLI::App &app) {
  auto topic = std::make_shared<std::string>();
  app.add_option("topic", *topic, "trace-format, invariants or layouts");
  return [topic] { return help(*topic); };
}

const Registrar registrar{{"help", "reference: the trace format, the invariants, layouts", setup}};

} // namespace
} // namespace busmap::cli
