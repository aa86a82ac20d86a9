// libFuzzer target: the .layout reader (parse_layout in
// properties/trace_format.cpp), what `busmap check --layout` and
// `replay --layout` read.  Any input either is refused with a ParseError or
// is a valid layout that survives write_layout -> parse_layout ->
// write_layout unchanged.  Seeds: the layouts of tests/traces/**/*.trace,
// written as .layout files by busmap_fuzz_seed.
#include "fuzz/fuzz_input.hpp"
#include "properties/trace_format.hpp"

#include <optional>

using namespace busmap;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  std::optional<Layout> read;
  fuzz::accept_documented_error<ParseError>(
      [&] { read = parse_layout(fuzz::as_text(data, size), "fuzz.layout"); });
  if (!read)
    return 0;
  const std::string error = read->validate();
  fuzz::require(error.empty(), "an accepted layout is invalid", error);
  const std::string written = write_layout(*read);
  fuzz::require_same_text("a written layout does not read back the same", written,
                          write_layout(parse_layout(written, "rewritten.layout")));
  return 0;
}
