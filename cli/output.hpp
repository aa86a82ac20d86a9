//===- cli/output.hpp - every file busmap writes, checked -------*- C++ -*-===//
//
// A result the user never sees is worse than an error: a trace file that
// was not written, a JSON report cut short by a full disk, a layout piped
// into /dev/full.  Every file the CLI writes goes through these functions,
// which check the write and the close and name the file and the reason
// (exit 2).  `check` collects its write errors and reports them after the
// verdict and the shrunk trace are on the terminal (docs/CHECKING.md).
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_CLI_OUTPUT_HPP
#define BUSMAP_CLI_OUTPUT_HPP

#include <string>
#include <string_view>

namespace busmap::cli {

/// Writes `text` to `path` (created or truncated); answers an empty string,
/// or "PATH: cannot write WHAT: REASON".
std::string try_write_file(const std::string &path, std::string_view text,
                           std::string_view what = "");

/// The same, throwing BadInput (exit 2) on failure.
void write_output_file(const std::string &path, std::string_view text,
                       std::string_view what = "");

/// Creates `dir` and its parents; answers an empty string or the error.
std::string try_create_directories(const std::string &dir);

/// The whole content of an input file the CLI reads itself (a regular file
/// within limits::MaxFileBytes); throws BadInput naming it otherwise.
std::string read_input(const std::string &path);

/// Flushes standard output; answers an empty string, or the error naming
/// "standard output" when anything written to it was lost.
std::string flush_stdout();

} // namespace busmap::cli

#endif // BUSMAP_CLI_OUTPUT_HPP
