//===- impl/radix_index.hpp - index arithmetic of the radix bus map -*- C++ -*-===//
//
// The arithmetic the optimized canonical driver (impl/radix.hpp) runs to find
// a section's leaf entry and to keep leaf slots equal to ranks, written as
// small templates over the machine word in the style of
// include/busmap/layout_arith.hpp, so that smt/ proves the very text the
// driver executes (instantiate with the Z3 word; every `W` below may be
// symbolic, every `unsigned` is tree *shape*, a constant per instantiation).
//
// The radix table.  A section number (address >> section_shift, up to
// 64 - 12 = 52 bits) is split into a leaf index (the low `leaf_bits`) and one
// inner index of `inner_bits` per inner level above it:
//
//     section = [ level h | ... | level 2 | level 1 | leaf ]
//
// A tree of height h (h inner levels over the leaves) covers the sections
// below 2^covered_bits(h).  The split never masks silently: a section that a
// tree does not cover is *outside* it (`fits_height` is false, translate
// answers the miss value), it is never folded onto a covered one.  The tree
// grows in height when a higher section is inserted, so 1 TiB of memory at 0
// costs two loads per lookup while a section near 2^64 still gets its own
// path.  Leaves hold 32-bit bus slots (the section's rank among present
// sections, or all ones for absent), so 1 TiB of 16 MiB sections is 256 KiB
// of leaves.
//
// Names here are a contract with smt/ and impl/mutants/arith_mutants.hpp:
//   leaf_index, inner_index, level_shift, covered_bits, fits_height,
//   section_at                 - the split of a section number and its inverse;
//   walk_path                  - the order in which a walk takes the indices
//                                (every walk of RadixMap, and the proofs');
//   offset_in_leaf, in_leaf_span,
//   index_in_leaf              - where a leaf index lives in a leaf that
//                                stores only a span of its entries;
//   slot_in_run                - the slot of the i-th section of an inserted run;
//   slot_after_insert_run,
//   slot_after_remove_run      - re-rank of every leaf when a run of `count`
//                                sections is inserted at / removed from a rank;
//                                a run of count + 1 is one section and then a
//                                run of count (a proof goal), so proving the
//                                count-1 update proves every run.
//   fits_slot                  - a rank still fits a 32-bit leaf entry.
// Rules (as in layout_arith.hpp): no `if` on a word value, only unsigned
// operations, constants through lit().
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_IMPL_RADIX_INDEX_HPP
#define BUSMAP_IMPL_RADIX_INDEX_HPP

#include "busmap/layout_arith.hpp"

#include <cstdint>

namespace busmap::radix {

using arith::lit;
using arith::miss;
using arith::select;
using arith::widen_like;

/// A leaf is 1024 32-bit slots (4 KiB); an inner node 512 pointers (4 KiB).
inline constexpr unsigned leaf_bits = 10;
inline constexpr unsigned inner_bits = 9;
/// Enough inner levels for any 52-bit section number (section_shift >= 12).
inline constexpr unsigned max_height = 5;

/// Bit position of the index of `level` inside a section number (0 = leaf).
constexpr unsigned level_shift(unsigned level) {
  return level == 0 ? 0 : leaf_bits + (level - 1) * inner_bits;
}

/// Number of low section-number bits a tree of `height` inner levels covers.
constexpr unsigned covered_bits(unsigned height) { return leaf_bits + height * inner_bits; }

template <class W> W leaf_index(const W &section) {
  return section & lit(section, (1ull << leaf_bits) - 1);
}

/// Index into the inner node of `level` (1 = the one holding leaves).
template <class W> W inner_index(const W &section, unsigned level) {
  return (section >> lit(section, level_shift(level))) & lit(section, (1ull << inner_bits) - 1);
}

/// True when a tree of `height` covers `section`: every bit above the
/// covered ones is zero, so the masked indices above lose nothing.
template <class W> auto fits_height(const W &section, unsigned height) {
  const unsigned bits = covered_bits(height);
  // A shift by the full word width is not C++; a tree that wide covers all.
  return bits >= 64 ? section == section
                    : (section >> lit(section, bits)) == lit(section, 0);
}

/// The inverse of the split: put `index` at `level`'s position of `prefix`
/// (whose bits at that position are zero).  Walks rebuild section numbers
/// from their tree path with it.
template <class W> W section_at(const W &prefix, const W &index, unsigned level) {
  return prefix | (index << lit(index, level_shift(level)));
}

/// The path of `section` through a tree of `height` inner levels:
/// inner(level, index) for level = height down to 1 with P::inner_index,
/// then leaf(leaf_index), whose answer is the walk's.  An inner visit that
/// answers false (a missing child) ends the walk with `stopped`.  Every walk
/// of RadixMap goes through here, and smt/ walks it over symbolic words to
/// rebuild the section a leaf entry belongs to, so the proofs see the
/// driver's order of levels and its index functions (P: the driver's
/// policy, or a mutant's).
template <class P, class W, class R, class Inner, class Leaf>
R walk_path(const W &section, unsigned height, R stopped, Inner &&inner, Leaf &&leaf) {
  for (unsigned level = height; level > 0; --level)
    if (!inner(level, P::inner_index(section, level)))
      return stopped;
  return leaf(leaf_index(section));
}

/// A leaf stores only the span [lo, lo + len) of its 2^leaf_bits entries
/// (lo + len <= 2^leaf_bits): a leaf made for one 256 MiB block holds 16
/// slots, not 1024.  An entry's place in the leaf's storage is its offset
/// from lo; an index outside the span (below lo it wraps to a huge offset)
/// is absent.  index_in_leaf is the inverse walks rebuild sections with.
template <class W> W offset_in_leaf(const W &index, const W &lo) { return index - lo; }
template <class W> auto in_leaf_span(const W &offset, const W &len) { return offset < len; }
template <class W> W index_in_leaf(const W &lo, const W &offset) { return lo + offset; }

/// Bus slot of the i-th section of a run whose first section has `rank`.
template <class S> S slot_in_run(const S &rank, const S &i) { return rank + i; }

/// Re-rank of one leaf entry when `count` sections are inserted at ranks
/// [rank, rank + count): later slots move up by count, absent stay absent.
template <class S> S slot_after_insert_run(const S &slot, const S &rank, const S &count) {
  return select(slot != miss(slot) && slot >= rank, slot + count, slot);
}

/// Re-rank of one leaf entry when the `count` sections holding slots
/// [first, first + count) are removed (the caller clears those entries).
template <class S> S slot_after_remove_run(const S &slot, const S &first, const S &count) {
  return select(slot != miss(slot) && slot >= first + count, slot - count, slot);
}

/// True when `n` sections can be numbered in 32-bit leaves: the largest
/// slot, n - 1, must stay below the miss value.
template <class W> auto fits_slot(const W &n) { return n < lit(n, 0xFFFFFFFFull); }

/// translate()'s 64-bit slot from a 32-bit leaf: the leaf's miss value must
/// stay the miss value, where a plain zero-extension would make it slot
/// 2^32 - 1.  Shared by RadixMap::translate and the proofs of smt/.
template <class Leaf, class W> W slot_of_leaf(const Leaf &leaf, const W &like) {
  return select(leaf == miss(leaf), miss(like), widen_like(leaf, like));
}

} // namespace busmap::radix

#endif // BUSMAP_IMPL_RADIX_INDEX_HPP
