// How often does the RadixMap property miss the overlapping-index mutant?
//
//   radix_map_miss_rate [RUNS [CASES [MAX_RATE]]]
//
// Runs the property on the mutant policy from seeds 1..RUNS with CASES
// cases each (defaults 2000 and 100) and prints how many runs missed it;
// exits 1 when the rate is above MAX_RATE (default 1: never), so the ctest
// fails if the property gets weaker than the figure the test relies on.
// RapidCheck's cases are independent draws whose sizes cycle through the
// same range for every multiple of 100 cases, so a run of k*100 cases
// misses with probability m^k, m the measured rate of a 100-case run; the
// bites test in radix_map_test.cpp picks its case count from this figure.
// Registered as the ctest `radix_map_miss_rate` (label heavy).
#include "tests/drivers/radix_map_property.hpp"

#include <cstdio>
#include <cstdlib>

int main(int argc, char **argv) {
  using namespace busmap::testing::radix_map;
  const int runs = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int cases = argc > 2 ? std::atoi(argv[2]) : 100;
  const double max_rate = argc > 3 ? std::atof(argv[3]) : 1.0;
  if (runs <= 0 || cases <= 0 || max_rate <= 0) {
    std::fprintf(stderr, "usage: radix_map_miss_rate [RUNS [CASES [MAX_RATE]]] (positive numbers)\n");
    return 2;
  }
  int missed = 0;
  for (int seed = 1; seed <= runs; ++seed)
    missed += holds<OverlappingIndex>(static_cast<std::uint64_t>(seed), cases);
  const double rate = static_cast<double>(missed) / runs;
  std::printf("overlapping-index mutant missed by %d of %d runs of %d cases (%.4f, at most %.4f)\n",
              missed, runs, cases, rate, max_rate);
  return rate <= max_rate ? 0 : 1;
}
