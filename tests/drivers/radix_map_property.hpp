//===- tests/drivers/radix_map_property.hpp - RadixMap vs a set --*- C++ -*-===//
//
// The property of radix_map_test.cpp, shared with the measurement of how
// often it misses the overlapping-index mutant (radix_map_miss_rate.cpp):
// random maps and unmaps spread over dense low memory, a cluster around
// 2^30 and the whole 52-bit section space, after each of which rank_of(),
// lookup(), the counts and the pruning must agree with a std::set.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_TESTS_DRIVERS_RADIX_MAP_PROPERTY_HPP
#define BUSMAP_TESTS_DRIVERS_RADIX_MAP_PROPERTY_HPP

#include "impl/mutants/arith_mutants.hpp"
#include "impl/radix_driver.hpp"

#include <rapidcheck.h>

#include <cstdint>
#include <cstdlib>
#include <set>
#include <vector>

namespace busmap::testing::radix_map {

using impl::RadixMap;
using impl::RadixPolicy;
using impl::slot_miss;

/// The broken split of the zoo's index-fields-overlap driver.
struct OverlappingIndex : RadixPolicy {
  template <class W> static W inner_index(const W &s, unsigned l) {
    return radix::mutant::inner_index_overlap(s, l);
  }
};

inline impl::NodeAllocator heap() {
  return {nullptr, [](void *, size_t bytes) { return std::calloc(1, bytes); },
          [](void *, void *p) { std::free(p); }};
}

inline rc::Gen<std::uint64_t> sections() {
  return rc::gen::oneOf(rc::gen::inRange<std::uint64_t>(0, 4096),
                        rc::gen::inRange<std::uint64_t>((1ull << 30) - 64, (1ull << 30) + 64),
                        rc::gen::inRange<std::uint64_t>(0, 1ull << 52));
}

struct Op {
  bool map;
  std::uint64_t section;
};

/// Applies `ops` to a RadixMap<P> and a std::set; true when every probe of
/// rank_of() and lookup() agreed with the set after every op.
template <class P> bool agrees(const std::vector<Op> &ops, const std::vector<std::uint64_t> &probes) {
  RadixMap<P> map(heap(), 24, 1ull << 63);
  std::set<std::uint64_t> mapped;
  auto probe = [&](std::uint64_t s) {
    const auto below = static_cast<std::uint64_t>(std::distance(mapped.begin(), mapped.lower_bound(s)));
    return map.rank_of(s) == below && (map.lookup(s) != slot_miss) == mapped.contains(s);
  };
  for (const Op &op : ops) {
    if (op.map && !mapped.contains(op.section)) {
      if (!map.reserve(op.section, 1))
        return false;
      map.set(op.section, 0);
      mapped.insert(op.section);
    } else if (!op.map && mapped.contains(op.section)) {
      map.clear_section(op.section);
      map.prune();
      mapped.erase(op.section);
    }
    if (map.present() != mapped.size())
      return false;
    for (std::uint64_t s : mapped)
      if (!probe(s) || !probe(s + 1) || (s > 0 && !probe(s - 1)))
        return false;
    for (std::uint64_t s : probes)
      if (!probe(s))
        return false;
  }
  return !mapped.empty() || map.node_bytes() == 0;
}

inline rc::Gen<std::vector<Op>> ops() {
  return rc::gen::container<std::vector<Op>>(rc::gen::construct<Op>(rc::gen::arbitrary<bool>(), sections()));
}

/// One whole check of the property on policy P, from `seed`, with `cases`
/// successes needed to pass; true when it held.  Shrinking is off: the
/// callers only ask whether a disagreement was found.
template <class P> bool holds(std::uint64_t seed, int cases) {
  rc::detail::TestParams params;
  params.seed = seed;
  params.maxSuccess = cases;
  params.disableShrinking = true;
  rc::detail::TestMetadata metadata;
  metadata.id = "RadixMapProperty/holds";
  const auto result = rc::detail::checkProperty(
      rc::detail::toProperty([] {
        const auto o = *ops();
        RC_ASSERT(agrees<P>(o, *rc::gen::container<std::vector<std::uint64_t>>(8, sections())));
      }),
      metadata, params);
  return result.template is<rc::detail::SuccessResult>();
}

} // namespace busmap::testing::radix_map

#endif // BUSMAP_TESTS_DRIVERS_RADIX_MAP_PROPERTY_HPP
