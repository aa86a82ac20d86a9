//===- cli/numbers.hpp - CLI11 validators over the shared number parser -*- C++ -*-===//
//
// Every number option of `busmap` is checked by the parser the gtest entry
// point's BUSMAP_* variables use (properties/settings.hpp), as a CLI11
// validator, so `--traces 10k` and BUSMAP_TRACES=10k are refused alike, with
// the allowed form, and a bad value is exit 2 before anything runs.
// They are transforms (->transform), not checks: CLI11's own conversion
// (strtoull base 0) then sees the parser's reading in plain decimal, never
// the user's `010`, which it would take for octal 8.  CLI11 puts the option's
// name before the message.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_CLI_NUMBERS_HPP
#define BUSMAP_CLI_NUMBERS_HPP

#include <CLI/CLI.hpp>

#include <cstdint>
#include <limits>
#include <string>

namespace busmap::cli {

/// A whole decimal number in [min, max].
CLI::Validator whole_number(std::uint64_t min = 0,
                            std::uint64_t max = std::numeric_limits<std::uint64_t>::max());

/// A whole number, decimal or 0x hex, in [min, max].
CLI::Validator whole_number_or_hex(std::uint64_t min = 0,
                                   std::uint64_t max = std::numeric_limits<std::uint64_t>::max());

/// A non-negative number of seconds (30, 2.5).
CLI::Validator seconds();

/// A decimal seed or `random`.
CLI::Validator seed();

} // namespace busmap::cli

#endif // BUSMAP_CLI_NUMBERS_HPP
