// RadixMap against a std::set of sections (the property is in
// radix_map_property.hpp).  The proofs of smt/ assume what rank_of()
// answers (the number of mapped sections below a section, from the
// per-node counts); this property is where that assumption is tested,
// together with lookup(), the counts and the pruning of empty nodes.  It
// is shown to bite on the radix policy whose index fields overlap.
#include "tests/drivers/radix_map_property.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

namespace busmap::testing {
namespace {

using namespace radix_map;

RC_GTEST_PROP(RadixMapProperty, RankAndLookupAgreeWithASetOfSections, ()) {
  const auto o = *ops();
  const auto probes = *rc::gen::container<std::vector<std::uint64_t>>(8, sections());
  RC_ASSERT(agrees<RadixPolicy>(o, probes));
}

// Blocks mapped a leaf at a time (count_run, map_run), the way the driver
// maps them, agree with the same runs inserted into a set: which sections
// are mapped, their ranks, the run's counts, and the slots map_run hands
// out (rank + i for the i-th section it maps).  Runs straddle leaves, fall
// into leaves whose span must grow, and skip the sections `mappable`
// refuses (as gigantic pages are skipped).
RC_GTEST_PROP(RadixMapProperty, RunsMappedLeafByLeafAgreeWithASetOfSections, ()) {
  struct Run {
    std::uint64_t first, count;
    bool map;
  };
  const auto runs = *rc::gen::container<std::vector<Run>>(rc::gen::construct<Run>(
      sections(), rc::gen::inRange<std::uint64_t>(1, 2500), rc::gen::arbitrary<bool>()));
  const std::uint64_t skip = *rc::gen::inRange<std::uint64_t>(0, 8); // 0: skip none
  auto mappable = [&](std::uint64_t s) { return skip == 0 || s % 8 != skip; };
  RadixMap<RadixPolicy> map(heap(), 24, 1ull << 63);
  std::set<std::uint64_t> mapped;
  for (const Run &r : runs) {
    std::vector<std::uint64_t> want;
    std::uint64_t absent = 0, already = 0;
    for (std::uint64_t s = r.first; s - r.first < r.count && s < (1ull << 52); ++s)
      if (mappable(s))
        ++(mapped.contains(s) ? already : (want.push_back(s), absent));
    const std::uint64_t count = std::min<std::uint64_t>(r.count, (1ull << 52) - r.first);
    const impl::RunCount seen = map.count_run(r.first, count, mappable);
    RC_ASSERT(seen.absent == absent);
    RC_ASSERT(seen.mapped == already);
    if (r.map) {
      RC_ASSERT(map.reserve(r.first, count));
      const std::uint64_t rank = map.rank_of(r.first);
      RC_ASSERT(map.map_run(r.first, count, rank, mappable) == absent);
      for (std::uint64_t i = 0; i < want.size(); ++i)
        RC_ASSERT(map.lookup(want[i]) == rank + i);
      mapped.insert(want.begin(), want.end());
    } else {
      for (std::uint64_t s = r.first; s - r.first < count; ++s)
        if (mapped.erase(s))
          map.clear_section(s);
      map.prune();
    }
    RC_ASSERT(map.present() == mapped.size());
    for (std::uint64_t s : {r.first - 1, r.first, r.first + count - 1, r.first + count}) {
      const auto below = std::distance(mapped.begin(), mapped.lower_bound(s));
      RC_ASSERT(map.rank_of(s) == static_cast<std::uint64_t>(below));
      RC_ASSERT((map.lookup(s) != slot_miss) == mapped.contains(s));
    }
  }
  for (std::uint64_t s : std::set<std::uint64_t>(mapped))
    map.clear_section(s);
  map.prune();
  RC_ASSERT(map.node_bytes() == 0u);
}

// The broken split takes distinct sections to one leaf entry: the property
// must find a disagreement, from any seed (the suite's fixed one, or a
// drawn one under BUSMAP_SEED=random).  RapidCheck's default 100 cases
// miss it often: `radix_map_miss_rate 2000 100` measured m = 0.2305 (461
// of 2000 seeds), and 200 cases 0.058 (m^2 = 0.053 predicted).  A run of
// k*100 cases misses with probability m^k, so 1500 cases miss about once
// in 4e9 runs (0.2305^15 = 2.7e-10), well below one in a million; they
// take about 0.3 s.
inline constexpr int BitesCases = 1500;

TEST(RadixMapProperty, CatchesOverlappingIndexFields) {
  const std::uint64_t seed = rc::detail::configuration().testParams.seed;
  EXPECT_FALSE(holds<OverlappingIndex>(seed, BitesCases))
      << "the property missed the overlapping-index mutant from seed " << seed;
}

} // namespace
} // namespace busmap::testing
