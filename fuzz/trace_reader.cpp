// libFuzzer target: the .trace reader (properties/trace_format.cpp), the
// parser every kept regression trace and every `busmap replay` goes
// through.  Any input either is refused with a ParseError or is a trace
// whose layout is valid and which survives write_trace -> parse_trace_file
// -> write_trace unchanged.  Seeds: tests/traces/**/*.trace.
#include "fuzz/fuzz_input.hpp"
#include "properties/trace_format.hpp"

#include <optional>

using namespace busmap;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  std::optional<TraceFile> read;
  fuzz::accept_documented_error<ParseError>(
      [&] { read = parse_trace_file(fuzz::as_text(data, size), "fuzz.trace"); });
  if (!read)
    return 0;
  const std::string error = read->trace.layout.validate();
  fuzz::require(error.empty(), "an accepted trace has an invalid layout", error);
  const std::string written = write_trace(*read);
  // A ParseError here is a writer the reader does not accept: it escapes.
  fuzz::require_same_text("a written trace does not read back the same", written,
                          write_trace(parse_trace_file(written, "rewritten.trace")));
  return 0;
}
