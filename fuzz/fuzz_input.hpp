//===- fuzz/fuzz_input.hpp - what the fuzz targets share ---------*- C++ -*-===//
//
// What the fuzz targets in this folder share:
//
//   * A flat text form of a small directory tree, so that the importers that
//     read a directory (sysfs, the device tree) can be fuzzed from one byte
//     string without writing files.  An input is a list of entries
//
//         @@ NAME\n CONTENT \n@@ NAME\n CONTENT ...
//
//     where CONTENT runs up to the next "\n@@ " (that newline is the
//     separator, not content).  busmap_fuzz_seed packs the fixture
//     directories of tests/ into this form for the seed corpus.
//
//   * the properties every target checks beyond "does not crash": what a
//     reader accepts is a valid layout, and reading back what the writer
//     wrote gives the same text (the round trip docs/TRACE_FORMAT.md
//     promises);
//
//   * the rule for what a target may see: a reader's documented error
//     (ParseError, ImportError) is a correct answer to bad input and is
//     swallowed; anything else escapes and libFuzzer reports it as a crash.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_FUZZ_FUZZ_INPUT_HPP
#define BUSMAP_FUZZ_FUZZ_INPUT_HPP

#include "layouts/import.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace busmap::fuzz {

inline constexpr std::string_view EntryMark = "@@ ";
inline constexpr std::string_view Separator = "\n@@ "; // a newline, then the next mark

struct Entry {
  std::string name;
  std::string content;
};

/// The entries of a packed tree: none when the input does not start with a
/// mark; a mark without a newline after its name ends the list.
inline std::vector<Entry> unpack_tree(std::string_view data) {
  std::vector<Entry> entries;
  if (!data.starts_with(EntryMark))
    return entries;
  std::size_t at = 0;
  while (at < data.size()) {
    const std::size_t name_end = data.find('\n', at);
    if (name_end == std::string_view::npos)
      break;
    // From name_end + 1: the name's own newline never doubles as a separator.
    const std::size_t next = data.find(Separator, name_end + 1);
    const std::size_t content_end = next == std::string_view::npos ? data.size() : next;
    entries.push_back({std::string(data.substr(at + EntryMark.size(),
                                               name_end - at - EntryMark.size())),
                       std::string(data.substr(name_end + 1, content_end - name_end - 1))});
    at = next == std::string_view::npos ? data.size() : next + 1;
  }
  return entries;
}

/// The packed form of `entries`, or nothing when a content holds the
/// separator (it would not unpack to the same tree).
inline std::optional<std::string> pack_tree(const std::vector<Entry> &entries) {
  std::string out;
  for (const Entry &e : entries) {
    if (e.name.find('\n') != std::string::npos ||
        e.content.find(Separator) != std::string::npos)
      return std::nullopt;
    if (!out.empty())
      out += '\n';
    out += std::string(EntryMark) + e.name + '\n' + e.content;
  }
  return out;
}

/// The content of the first entry called `name`, if there is one.
inline std::optional<std::string> content_of(const std::vector<Entry> &entries,
                                             std::string_view name) {
  for (const Entry &e : entries)
    if (e.name == name)
      return e.content;
  return std::nullopt;
}

/// Aborts, showing both, when a property of an accepted input fails:
/// libFuzzer then keeps the input as a crash.
inline void require(bool holds, std::string_view property, std::string_view detail) {
  if (holds)
    return;
  std::fprintf(stderr, "busmap fuzz: %.*s\n%.*s\n", static_cast<int>(property.size()),
               property.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

inline void require_same_text(std::string_view property, const std::string &first,
                              const std::string &second) {
  require(first == second, property, "--- first\n" + first + "--- second\n" + second);
}

/// The options an importer runs with on every input: both machine kinds,
/// and for a source of byte extents (iomem) both roundings and one
/// --block-size chosen by the input's length, so that mutations try every
/// power of two.
inline std::vector<layouts::ImportOptions> import_options(std::size_t size, bool extents) {
  std::vector<layouts::ImportOptions> all;
  for (auto arch : {layouts::Arch::X86_64, layouts::Arch::Ppc64}) {
    all.push_back({.arch = arch, .rounding = layouts::Rounding::Outward, .block_shift = {}});
    if (extents)
      all.push_back({.arch = arch, .rounding = layouts::Rounding::Inward, .block_shift = {}});
  }
  if (extents)
    all.push_back({.arch = std::nullopt, .rounding = layouts::Rounding::Outward,
                   .block_shift = static_cast<std::uint32_t>(size % 64)});
  return all;
}

/// Runs an importer with every option set: an ImportError is a correct
/// answer, a layout that does not validate is not.
template <class Import> void import_with_every_option(std::size_t size, bool extents,
                                                      Import &&import) {
  for (const auto &options : import_options(size, extents))
    accept_documented_error<layouts::ImportError>([&] {
      const std::string error = import(options).layout.validate();
      require(error.empty(), "an imported layout is invalid", error);
    });
}

/// Runs `read`; the reader's documented error `Error` is a correct answer.
template <class Error, class Read> void accept_documented_error(Read &&read) {
  try {
    read();
  } catch (const Error &) {
  }
}

inline std::string_view as_text(const std::uint8_t *data, std::size_t size) {
  return {reinterpret_cast<const char *>(data), size};
}

} // namespace busmap::fuzz

#endif // BUSMAP_FUZZ_FUZZ_INPUT_HPP
