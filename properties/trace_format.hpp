//===- properties/trace_format.hpp - .trace and .layout files ----*- C++ -*-===//
//
// The text form of a Trace: what `busmap check` writes when it shrinks a
// counterexample, what `busmap replay` reads, and what the regression
// corpus under tests/traces/ keeps.  A driver engineer reads and edits these
// files by hand, so the format is line oriented, every number that is an
// address is hex, `#` starts a comment anywhere, and the parser is strict:
// anything it does not understand is an error naming file, line, column and
// what was expected, never a silently different trace.
//
//   busmap-trace 2                  magic and format version (first line)
//   impl simple                     the implementation the trace is for
//   profile ppc64                   the machine profile (version 2; default portable)
//   mode strict                     strict | lenient
//   expect fail coverage            pass | fail <invariant id>
//   config section_shift=24 ...     PlatformConfig fields; omitted = default
//   block 0x0 sections=16 online    the starting blocks, ascending
//   gigantic 0x400000000            gigantic page bases
//   load                            then one operation per line, exactly as
//   translate 0x1000                format_op() writes it
//
// A .layout file is the layout part alone under its own magic
// (`busmap-layout 1`, then config/block/gigantic lines).  Version 1 trace
// files are still read, as traces of the `portable` profile.  docs/TRACE_FORMAT.md
// is the full description.  write_trace(parse_trace(x)) gives back x's
// trace exactly: the writer spells out every configuration field, so a kept
// trace does not change meaning when a default changes.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PROPERTIES_TRACE_FORMAT_HPP
#define BUSMAP_PROPERTIES_TRACE_FORMAT_HPP

#include "properties/trace.hpp"

#include <stdexcept>
#include <string>
#include <string_view>

namespace busmap {

/// The trace format written; version 1 (no profile line) is still read.
inline constexpr int TraceFormatVersion = 2;
inline constexpr int LayoutFormatVersion = 1;

/// A malformed trace or layout file.  what() is "file:line:col: message",
/// the form editors and CI logs jump to; line and column count from 1
/// (0 when the file could not be read at all).
struct ParseError : std::runtime_error {
  ParseError(std::string file, int line, int column, const std::string &message);
  std::string file;
  int line;
  int column;
  std::string message; // without the location prefix
};

/// A trace together with the header fields that are not part of a run:
/// the implementation the trace was recorded for (empty when the file does
/// not say; replay then uses `simple`).
struct TraceFile {
  Trace trace;
  std::string impl;
};

Trace parse_trace(std::string_view text, const std::string &file_name);
TraceFile parse_trace_file(std::string_view text, const std::string &file_name);
/// Throws ParseError, also when the file cannot be read.
Trace read_trace_file(const std::string &path);
TraceFile read_trace_file_with_impl(const std::string &path);

/// The file text of `trace`.  `comment` (any number of lines) is written as
/// `#` lines after the magic line; `impl`, when given, as the `impl` line.
/// An expected failure is written both as the parsed `expect` line and as a
/// human comment naming the invariant.
std::string write_trace(const Trace &trace, std::string_view comment = {},
                        std::string_view impl = {});
std::string write_trace(const TraceFile &file, std::string_view comment = {});

Layout parse_layout(std::string_view text, const std::string &file_name);
Layout read_layout_file(const std::string &path);
std::string write_layout(const Layout &layout);

} // namespace busmap

#endif // BUSMAP_PROPERTIES_TRACE_FORMAT_HPP
