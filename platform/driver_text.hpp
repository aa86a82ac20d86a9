//===- platform/driver_text.hpp - text from driver code, made safe -*- C++ -*-===//
//
// Driver code hands the harness text: its table's name and description,
// log lines, what it writes to stderr before it dies, the text of an
// exception.  None of it is promised to be UTF-8 (a driver ported from a
// Latin-1 source tree, a corrupted buffer), yet every report the harness
// writes (JSON, JUnit XML, trace files) must be valid UTF-8: nlohmann::json
// throws on invalid bytes, which once turned into a bogus "the harness
// threw" crash verdict.  So such text is cleaned once, where it enters the
// harness, by the one function below, and everything downstream may assume
// valid UTF-8.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PLATFORM_DRIVER_TEXT_HPP
#define BUSMAP_PLATFORM_DRIVER_TEXT_HPP

#include <string>
#include <string_view>

namespace busmap {

/// `text` with every byte that is not part of a well-formed UTF-8 sequence
/// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF, no
/// truncated sequence) written as the four characters \xNN (NN in upper
/// case hex).  Valid text comes back unchanged; the result is always valid.
std::string utf8_escaped(std::string_view text);

} // namespace busmap

#endif // BUSMAP_PLATFORM_DRIVER_TEXT_HPP
