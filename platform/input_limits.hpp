//===- platform/input_limits.hpp - what the harness agrees to read -*- C++ -*-===//
//
// The caps every reader of user input shares: the .trace and .layout
// readers (properties/trace_format.cpp) and the importers (layouts/).  A
// file the harness cannot check in a case timeout, or could not even hold
// in memory (a 2^40-section block, an iomem range over the whole 64-bit
// space, a FIFO that never ends), is refused up front with a message that
// names the file and the cap, instead of running forever or dying of
// std::bad_alloc.  The caps live here, in one place, because both reading
// libraries depend on platform/ and Layout::validate() applies them.
// docs/LAYOUTS.md and docs/TRACE_FORMAT.md ("Limits") state them.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PLATFORM_INPUT_LIMITS_HPP
#define BUSMAP_PLATFORM_INPUT_LIMITS_HPP

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace busmap::limits {

/// Memory blocks of one layout: 2^20, 256 TiB of 256 MiB LMBs.
inline constexpr std::uint64_t MaxBlocks = 1ull << 20;
/// Gigantic pages of one layout.
inline constexpr std::uint64_t MaxGiganticPages = 1ull << 20;
/// HW pages (the MR registration unit) of all the memory a layout or a
/// trace can have present: the driver registers every one and the oracle
/// checks them, so this bounds a case's work.  2^26 is 256 GiB of 4 KiB
/// pages, four times the largest generated layout (4096 sections).
inline constexpr std::uint64_t MaxHwPages = 1ull << 26;
/// Operations of one trace.
inline constexpr std::uint64_t MaxOps = 1ull << 20;
/// Bytes of one input file (a trace, a layout, an importer's input).
inline constexpr std::uint64_t MaxFileBytes = 64ull << 20;

/// Empty when a layout of `blocks` blocks holding `hw_pages` HW pages is
/// within the caps, else why not (naming the cap).  Callers check this
/// before they build a layout, so a huge one is never even allocated.
std::string size_error(std::uint64_t blocks, unsigned __int128 hw_pages);

/// Why a file was not read: what() is "FILE: REASON".
struct InputError : std::runtime_error {
  InputError(const std::filesystem::path &file, const std::string &reason)
      : std::runtime_error(file.string() + ": " + reason), reason(reason) {}
  std::string reason;
};

/// The whole content of `file`, which must be a regular file of at most
/// MaxFileBytes: a FIFO, a device or a directory is refused before it is
/// opened (reading one could block forever or never end).
std::string read_input_file(const std::filesystem::path &file);

} // namespace busmap::limits

#endif // BUSMAP_PLATFORM_INPUT_LIMITS_HPP
