//===- tests/support/suite_seed.hpp - the test suite's one seed --*- C++ -*-===//
//
// The seed every randomized test of a test process runs from.  RapidCheck
// reads RC_PARAMS once, at its first property; the gtest oracle entry point
// reads BUSMAP_SEED.  fix_suite_seed() runs before any test and leaves both
// naming the same number:
//
//   nothing set          the fixed default seed (a deterministic suite)
//   BUSMAP_SEED=N        seed N (decimal)
//   BUSMAP_SEED=random   a seed drawn now, printed by main() so the run can
//                        be repeated with BUSMAP_SEED=N
//   RC_PARAMS=seed=N     RapidCheck's own spelling wins, and BUSMAP_SEED
//                        follows it
//
// A malformed value is an error, not a silent default: a typo must not
// turn an exploration run back into the default one.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_TESTS_SUITE_SEED_HPP
#define BUSMAP_TESTS_SUITE_SEED_HPP

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>

namespace busmap::testing {

/// The seed of a run in which nobody asked for another.
inline constexpr std::uint64_t DefaultSuiteSeed = 1;

struct SuiteSeed {
  std::uint64_t value = DefaultSuiteSeed;
  bool drawn = false; // BUSMAP_SEED=random
  std::string error;  // non-empty: the environment was malformed
};

/// A decimal 64-bit number with nothing around it.
inline bool parse_seed(const std::string &text, std::uint64_t &out) {
  if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  errno = 0;
  const unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
  if (errno != 0)
    return false;
  out = v;
  return true;
}

/// The `seed=` value of a RapidCheck parameter string, or empty.
inline std::string rc_seed_of(const std::string &params) {
  for (std::size_t at = 0; (at = params.find("seed=", at)) != std::string::npos; at += 5) {
    if (at > 0 && params[at - 1] != ' ')
      continue; // part of another key
    const std::size_t end = params.find(' ', at);
    return params.substr(at + 5, end == std::string::npos ? std::string::npos : end - at - 5);
  }
  return {};
}

/// Decides this process's seed and writes it into RC_PARAMS and BUSMAP_SEED.
inline SuiteSeed fix_suite_seed() {
  SuiteSeed s;
  const char *rc = std::getenv("RC_PARAMS");
  const std::string rc_params = rc ? rc : "";
  const char *busmap = std::getenv("BUSMAP_SEED");
  const std::string busmap_seed = busmap ? busmap : "";
  if (const std::string given = rc_seed_of(rc_params); !given.empty()) {
    if (!parse_seed(given, s.value))
      s.error = "RC_PARAMS has seed=" + given + "; a seed is a decimal 64-bit number";
  } else if (busmap_seed == "random") {
    std::random_device device;
    s.value = (std::uint64_t{device()} << 32) | device();
    s.drawn = true;
  } else if (!busmap_seed.empty() && !parse_seed(busmap_seed, s.value)) {
    s.error = "BUSMAP_SEED=" + busmap_seed + " is not a seed: use a decimal 64-bit number or 'random'";
  }
  if (!s.error.empty())
    return s;
  const std::string number = std::to_string(s.value);
  if (rc_seed_of(rc_params).empty())
    ::setenv("RC_PARAMS", (rc_params.empty() ? "" : rc_params + " ").append("seed=" + number).c_str(), 1);
  ::setenv("BUSMAP_SEED", number.c_str(), 1);
  return s;
}

/// The seed main() fixed for this process (for tests that run `check`).
inline std::uint64_t suite_seed() {
  std::uint64_t v = DefaultSuiteSeed;
  const char *text = std::getenv("BUSMAP_SEED");
  return text && parse_seed(text, v) ? v : DefaultSuiteSeed;
}

} // namespace busmap::testing

#endif // BUSMAP_TESTS_SUITE_SEED_HPP
