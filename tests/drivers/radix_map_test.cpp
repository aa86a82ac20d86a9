// RadixMap against a std::set of sections, under random maps and unmaps
// spread over dense low memory, a cluster around 2^30 and the whole 52-bit
// section space.  The proofs of smt/ assume what rank_of() answers (the
// number of mapped sections below a section, from the per-node counts);
// this property is where that assumption is tested, together with
// lookup(), the counts and the pruning of empty nodes.  It is shown to
// bite on the radix policy whose index fields overlap.
#include "impl/mutants/arith_mutants.hpp"
#include "impl/radix_driver.hpp"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdlib>
#include <set>

namespace busmap::testing {
namespace {

using impl::RadixMap;
using impl::RadixPolicy;
using impl::slot_miss;

/// The broken split of the zoo's index-fields-overlap driver.
struct OverlappingIndex : RadixPolicy {
  template <class W> static W inner_index(const W &s, unsigned l) {
    return radix::mutant::inner_index_overlap(s, l);
  }
};

impl::NodeAllocator heap() {
  return {nullptr, [](void *, size_t bytes) { return std::calloc(1, bytes); },
          [](void *, void *p) { std::free(p); }};
}

rc::Gen<std::uint64_t> sections() {
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

rc::Gen<std::vector<Op>> ops() {
  return rc::gen::container<std::vector<Op>>(rc::gen::construct<Op>(rc::gen::arbitrary<bool>(), sections()));
}

RC_GTEST_PROP(RadixMapProperty, RankAndLookupAgreeWithASetOfSections, ()) {
  const auto o = *ops();
  const auto probes = *rc::gen::container<std::vector<std::uint64_t>>(8, sections());
  RC_ASSERT(agrees<RadixPolicy>(o, probes));
}

TEST(RadixMapProperty, CatchesOverlappingIndexFields) {
  // The broken split takes distinct sections to one leaf entry: the
  // property must find a disagreement.
  const bool holds = rc::check("overlapping index fields", [] {
    RC_ASSERT(agrees<OverlappingIndex>(*ops(), *rc::gen::container<std::vector<std::uint64_t>>(8, sections())));
  });
  EXPECT_FALSE(holds);
}

} // namespace
} // namespace busmap::testing
