// Escaping what is not UTF-8 in driver text; see driver_text.hpp.
#include "platform/driver_text.hpp"

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>

namespace busmap {

namespace {

/// The length of the well-formed UTF-8 sequence at the start of `s`, or 0.
/// The ranges of the second byte are those of RFC 3629's table: they rule
/// out overlong forms (E0, F0), surrogates (ED) and code points past
/// U+10FFFF (F4) in one comparison.
std::size_t sequence_length(std::string_view s) {
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(s[i]); };
  const std::uint8_t lead = byte(0);
  if (lead < 0x80)
    return 1;
  std::size_t n = 0;
  std::uint8_t lo = 0x80, hi = 0xBF; // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF)
    n = 2;
  else if (lead >= 0xE0 && lead <= 0xEF) {
    n = 3;
    lo = lead == 0xE0 ? 0xA0 : 0x80;
    hi = lead == 0xED ? 0x9F : 0xBF;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    n = 4;
    lo = lead == 0xF0 ? 0x90 : 0x80;
    hi = lead == 0xF4 ? 0x8F : 0xBF;
  } else
    return 0; // a continuation byte, C0/C1 (always overlong) or F5..FF
  if (s.size() < n || byte(1) < lo || byte(1) > hi)
    return 0;
  for (std::size_t i = 2; i < n; ++i)
    if (byte(i) < 0x80 || byte(i) > 0xBF)
      return 0;
  return n;
}

} // namespace

std::string utf8_escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const std::size_t n = sequence_length(text);
    if (n == 0) {
      out += fmt::format("\\x{:02X}", static_cast<std::uint8_t>(text[0]));
      text.remove_prefix(1);
    } else {
      out.append(text.substr(0, n));
      text.remove_prefix(n);
    }
  }
  return out;
}

} // namespace busmap
