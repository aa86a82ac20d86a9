//===- properties/settings.hpp - the user's numbers, parsed strictly -*- C++ -*-===//
//
// Every number a user hands the harness (a BUSMAP_* environment variable of
// the gtest entry point, a CLI option, a GTEST_* shard variable, a --config
// value) goes through this one parser, so each is checked the same way: the
// whole text is the number, with no sign, suffix or blank, and within the
// setting's range.  `10k`, `abc`, `-1` or `Lenient` are errors naming the
// setting and the allowed form, never a silent 10, 0 or strict: a CI job that
// asked for more traces and ran none is worse than a red one.
//
// Seeds may also be `random`: then one is drawn (std::random_device) and the
// caller prints it, so a run that explores new traces stays reproducible.
//
// Every error is std::invalid_argument; the CLI turns it into exit 2, the
// gtest entry point into a failed test.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PROPERTIES_SETTINGS_HPP
#define BUSMAP_PROPERTIES_SETTINGS_HPP

#include "platform/config.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace busmap {

/// Which spellings a number may have.
enum class NumberForm { Decimal, DecimalOrHex };

/// `text` as a whole number in [min, max]; throws std::invalid_argument
/// "NAME='TEXT': expected ..." naming the form and the range (an empty
/// name: "'TEXT': expected ...").
std::uint64_t parse_number(std::string_view name, std::string_view text, std::uint64_t min = 0,
                           std::uint64_t max = std::numeric_limits<std::uint64_t>::max(),
                           NumberForm form = NumberForm::Decimal);

/// A non-negative number of seconds: digits, optionally a '.' and digits.
double parse_seconds(std::string_view name, std::string_view text);

/// A run's seed as the user gave it.
struct Seed {
  std::uint64_t value = 1;
  bool drawn = false; // `random` was asked: the value was drawn for this run
  /// "1", or "123456 (drawn at random)".
  std::string describe() const;
};

/// A decimal seed, or `random` (draws one).
Seed parse_seed(std::string_view name, std::string_view text);

/// `strict` or `lenient`, exactly.
Mode parse_mode(std::string_view name, std::string_view text);

/// "strict" or "lenient".
const char *mode_name(Mode mode);

} // namespace busmap

#endif // BUSMAP_PROPERTIES_SETTINGS_HPP
