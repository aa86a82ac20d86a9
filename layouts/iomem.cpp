// The /proc/iomem importer: every line is "START-END : NAME" (hex, END
// inclusive, indented by nesting depth); the "System RAM" ranges, at any depth,
// are the machine's RAM.  Every line is checked, not only the RAM ones, so
// a truncated copy is caught wherever it was cut.  Without CAP_SYS_ADMIN
// the kernel prints every address as zero: that is detected and said.
#include "layouts/ranges.hpp"

#include <fmt/format.h>

#include <charconv>

namespace busmap::layouts {
namespace {

struct IomemLine {
  std::uint64_t first = 0, last = 0;
  std::string_view name;
};

std::uint64_t parse_hex_field(std::string_view text, const std::string &where) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (ec == std::errc::result_out_of_range)
    throw ImportError(fmt::format("{}: address {} does not fit in 64 bits", where, text));
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    throw ImportError(fmt::format("{}: expected a hex address, found '{}'", where, text));
  return value;
}

IomemLine parse_line(std::string_view line, const std::string &where) {
  const auto body = line.substr(std::min(line.find_first_not_of(' '), line.size()));
  const auto colon = body.find(" : ");
  const auto dash = body.find('-');
  if (colon == std::string_view::npos || dash == std::string_view::npos || dash > colon)
    throw ImportError(fmt::format("{}: expected 'START-END : NAME', found '{}'", where, line));
  IomemLine l;
  l.first = parse_hex_field(body.substr(0, dash), where);
  l.last = parse_hex_field(body.substr(dash + 1, colon - dash - 1), where);
  l.name = body.substr(colon + 3);
  if (l.last < l.first)
    throw ImportError(fmt::format("{}: range ends at {:#x}, before its start {:#x}", where,
                                  l.last, l.first));
  if (l.name.empty())
    throw ImportError(fmt::format("{}: the range has no name", where));
  return l;
}

} // namespace

ImportResult import_iomem_text(std::string_view text, const std::string &name,
                               const ImportOptions &options) {
  PlatformConfig config = arch_defaults(options.arch.value_or(default_arch(Source::Iomem)));
  if (options.block_shift) {
    config.block_shift = *options.block_shift;
    if (config.block_shift < config.section_shift || config.block_shift > 40)
      throw ImportError(fmt::format("{}: a block size of 2^{} bytes is outside [one section "
                                    "(2^{}), 2^40]: blocks are whole sections",
                                    name, config.block_shift, config.section_shift));
  }

  std::vector<RamRange> ram;
  bool all_zero = true;
  std::size_t line_no = 0;
  for (std::size_t at = 0; at < text.size();) {
    const auto nl = text.find('\n', at);
    const auto line = text.substr(at, nl == std::string_view::npos ? text.npos : nl - at);
    at = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos)
      continue;
    const std::string where = fmt::format("{}:{}", name, line_no);
    const IomemLine l = parse_line(line, where);
    if (l.name != "System RAM")
      continue;
    all_zero = all_zero && l.first == 0 && l.last == 0;
    ram.push_back({l.first, l.last, BlockState::Online, where});
  }
  if (ram.empty())
    throw ImportError(fmt::format("{}: no 'System RAM' line", name));
  if (all_zero)
    throw ImportError(fmt::format(
        "{}: every System RAM address is zero: the kernel hides /proc/iomem addresses from "
        "users without CAP_SYS_ADMIN; run as root, or import /sys/devices/system/memory "
        "with --from sysfs",
        name));

  ImportResult result;
  result.layout = layout_from_extents(config, std::move(ram), options.rounding, name, result.notes);
  return result;
}

ImportResult import_iomem(const std::filesystem::path &file, const ImportOptions &options) {
  return import_iomem_text(read_file(file), file.string(), options);
}

} // namespace busmap::layouts
