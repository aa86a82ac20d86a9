// The validators of cli/numbers.hpp: each runs one parser of
// properties/settings.hpp and answers its message, or nothing; the text
// CLI11 converts is then the parser's reading of it.
#include "cli/numbers.hpp"

#include "properties/settings.hpp"

#include <functional>
#include <stdexcept>

namespace busmap::cli {
namespace {

/// A validator that runs `parse` and hands CLI11 the number it read, in
/// plain decimal: CLI11's own conversion (strtoull base 0) would read
/// `010` as octal 8.
CLI::Validator checked_by(std::string description,
                          std::function<std::string(const std::string &)> parse) {
  return CLI::Validator(
      [parse = std::move(parse)](std::string &text) -> std::string {
        try {
          text = parse(text);
        } catch (const std::invalid_argument &e) {
          return e.what();
        }
        return {};
      },
      std::move(description));
}

CLI::Validator number_in(std::uint64_t min, std::uint64_t max,
                         NumberForm form) {
  const std::string range = max == std::numeric_limits<std::uint64_t>::max()
                                ? "UINT:>=" + std::to_string(min)
                                : "UINT:" + std::to_string(min) + ".." + std::to_string(max);
  return checked_by(range, [min, max, form](const std::string &t) {
    return std::to_string(parse_number("", t, min, max, form));
  });
}

} // namespace

CLI::Validator whole_number(std::uint64_t min, std::uint64_t max) {
  return number_in(min, max, NumberForm::Decimal);
}

CLI::Validator whole_number_or_hex(std::uint64_t min, std::uint64_t max) {
  return number_in(min, max, NumberForm::DecimalOrHex);
}

CLI::Validator seconds() {
  return checked_by("SECONDS", [](const std::string &t) {
    parse_seconds("", t);
    return t;
  });
}

CLI::Validator seed() {
  return checked_by("UINT|random", [](const std::string &t) {
    return t == "random" ? t : std::to_string(parse_seed("", t).value);
  });
}

} // namespace busmap::cli
