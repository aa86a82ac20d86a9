//===- properties/settings.cpp - the user's numbers, parsed strictly -------===//
//
// The one parser of properties/settings.hpp.  std::from_chars does the
// digits; the checks around it are what make it strict: the whole text
// must be consumed, and a leading sign or blank (which strtoull would take
// silently) is refused before it gets there.
//
//===----------------------------------------------------------------------===//
#include "properties/settings.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <random>
#include <stdexcept>

namespace busmap {
namespace {

std::string expected_form(std::uint64_t min, std::uint64_t max, NumberForm form) {
  const char *spelling = form == NumberForm::Decimal ? "a whole decimal number"
                                                     : "a whole number (decimal or 0x hex)";
  if (max == std::numeric_limits<std::uint64_t>::max())
    return fmt::format("{} of at least {}", spelling, min);
  return fmt::format("{} from {} to {}", spelling, min, max);
}

[[noreturn]] void refuse(std::string_view name, std::string_view text, const std::string &want) {
  // Unnamed: the caller (CLI11) names the option itself.
  throw std::invalid_argument(name.empty() ? fmt::format("'{}': expected {}", text, want)
                                           : fmt::format("{}='{}': expected {}", name, text, want));
}

} // namespace

std::uint64_t parse_number(std::string_view name, std::string_view text, std::uint64_t min,
                           std::uint64_t max, NumberForm form) {
  std::string_view digits = text;
  int base = 10;
  if (form == NumberForm::DecimalOrHex && (digits.starts_with("0x") || digits.starts_with("0X"))) {
    digits.remove_prefix(2);
    base = 16;
  }
  std::uint64_t v = 0;
  const bool plain = !digits.empty() && std::isxdigit(static_cast<unsigned char>(digits[0]));
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
  if (!plain || ec != std::errc() || end != digits.data() + digits.size() || v < min || v > max)
    refuse(name, text, expected_form(min, max, form));
  return v;
}

double parse_seconds(std::string_view name, std::string_view text) {
  const std::string_view want = "a number of seconds such as 30 or 2.5";
  const auto dot = text.find('.');
  auto all_digits = [](std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
  };
  const bool ok = dot == std::string_view::npos
                      ? all_digits(text)
                      : all_digits(text.substr(0, dot)) && all_digits(text.substr(dot + 1));
  double v = 0;
  if (!ok || std::from_chars(text.data(), text.data() + text.size(), v).ec != std::errc())
    refuse(name, text, std::string(want));
  return v;
}

std::string Seed::describe() const {
  return drawn ? fmt::format("{} (drawn at random)", value) : fmt::format("{}", value);
}

Seed parse_seed(std::string_view name, std::string_view text) {
  if (text == "random") {
    std::random_device device;
    const std::uint64_t v = (std::uint64_t{device()} << 32) | device();
    return {v, true};
  }
  try {
    return {parse_number(name, text), false};
  } catch (const std::invalid_argument &) {
    refuse(name, text, "a whole decimal number or `random`");
  }
}

Mode parse_mode(std::string_view name, std::string_view text) {
  if (text == "strict")
    return Mode::Strict;
  if (text == "lenient")
    return Mode::Lenient;
  refuse(name, text, "strict or lenient");
}

const char *mode_name(Mode mode) { return mode == Mode::Strict ? "strict" : "lenient"; }

} // namespace busmap
