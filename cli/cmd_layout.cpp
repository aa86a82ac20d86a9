// `busmap layout import --from sysfs|iomem|devicetree PATH [-o FILE.layout]`:
// reads what a real machine says about its memory (layouts/import.hpp) and
// writes it as a .layout file, the starting state `--layout` gives a run.
// Decisions the importer took (rounding, skipped LMBs) go to stderr.  Standard
// output is checked like a file (cli/main.cpp): `> /dev/full` is exit 2.
#include "cli/command.hpp"
#include "cli/numbers.hpp"
#include "cli/output.hpp"
#include "layouts/import.hpp"
#include "properties/trace_format.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <memory>

namespace busmap::cli {
namespace {

struct ImportArgs {
  std::string from, path, out = "-", arch, round = "outward";
  std::uint64_t block_size = 0;
};

layouts::ImportOptions import_options(const ImportArgs &a) {
  layouts::ImportOptions o;
  if (!a.arch.empty())
    o.arch = layouts::parse_arch(a.arch);
  o.rounding = a.round == "inward" ? layouts::Rounding::Inward : layouts::Rounding::Outward;
  if (a.block_size) {
    if (a.block_size & (a.block_size - 1))
      throw BadInput(fmt::format("--block-size {:#x} is not a power of two", a.block_size));
    o.block_shift = static_cast<std::uint32_t>(__builtin_ctzll(a.block_size));
  }
  return o;
}

/// The .layout text with a comment saying where it came from.
std::string layout_text(const layouts::ImportResult &r, const ImportArgs &a) {
  std::string text = write_layout(r.layout);
  std::string comment = fmt::format("# imported by busmap layout import --from {} {}\n", a.from,
                                    a.path);
  for (const auto &note : r.notes)
    comment += "# " + note + "\n";
  const auto first_line_end = text.find('\n');
  return text.insert(first_line_end == std::string::npos ? text.size() : first_line_end + 1,
                     comment);
}

int import_command(const ImportArgs &a) {
  layouts::ImportResult r;
  try {
    r = layouts::import_layout(*layouts::parse_source(a.from), a.path, import_options(a));
  } catch (const layouts::ImportError &e) {
    throw BadInput(e.what());
  }
  for (const auto &note : r.notes)
    std::fprintf(stderr, "note: %s\n", note.c_str());
  const std::string text = layout_text(r, a);
  if (a.out == "-") {
    std::fputs(text.c_str(), stdout);
    return ExitOk;
  }
  write_output_file(a.out, text);
  std::uint64_t online = 0, sections = 0;
  for (const auto &b : r.layout.blocks) {
    online += b.state == BlockState::Online;
    sections += b.sections;
  }
  std::printf("wrote %s: %zu blocks (%llu online), %llu sections of %llu MiB\n", a.out.c_str(),
              r.layout.blocks.size(), static_cast<unsigned long long>(online),
              static_cast<unsigned long long>(sections),
              static_cast<unsigned long long>(r.layout.config.section_size() >> 20));
  return ExitOk;
}

Run setup(CLI::App &app) {
  app.require_subcommand(1);
  auto a = std::make_shared<ImportArgs>();
  CLI::App *imp = app.add_subcommand("import", "import a real machine's memory layout");
  imp->add_option("--from", a->from, "sysfs, iomem or devicetree")
      ->required()
      ->check(CLI::IsMember({"sysfs", "iomem", "devicetree"}));
  imp->add_option("path", a->path,
                  "/sys/devices/system/memory (or a copy), /proc/iomem (or a copy), or "
                  "/proc/device-tree (or its ibm,dynamic-reconfiguration-memory node)")
      ->required();
  imp->add_option("-o,--output", a->out, "the .layout file to write ('-': standard output)");
  imp->add_option("--arch", a->arch,
                  "machine kind for section and page sizes (default: x86-64 for sysfs and "
                  "iomem, ppc64 for devicetree)")
      ->check(CLI::IsMember({"x86-64", "ppc64"}));
  imp->add_option("--round", a->round,
                  "iomem: sections partly RAM are kept (outward, the default) or dropped (inward)")
      ->check(CLI::IsMember({"outward", "inward"}));
  imp->add_option("--block-size", a->block_size,
                  "iomem: the hotplug block size in bytes (default: one section)")
      ->transform(whole_number_or_hex(1));
  return [a] { return import_command(*a); };
}

const Registrar registrar{{"layout", "import real memory layouts as .layout files", setup}};

} // namespace
} // namespace busmap::cli
