//===- impl/mutants/arith_mutants.hpp - broken index arithmetic --*- C++ -*-===//
//
// Deliberately wrong variants of the arithmetic in impl/radix_index.hpp and
// include/busmap/layout_arith.hpp, one classic bus-map bug each.  They are
// run twice:
//
//   * by the mutant drivers of impl/mutants/, which are the radix driver of
//     impl/radix.hpp with one of these swapped in, so the oracle must catch
//     them on some trace;
//   * by smt/, which must show that Z3 refutes the property the correct
//     function keeps (otherwise the proof of the correct one is vacuous).
//
// Each template has the same signature as the correct function it replaces
// (named in its comment) and says what it gets wrong and on which inputs.
// The names are a contract with smt/: keep them stable.
//
//   slot_in_run_off_by_one        rank + i + 1: every slot one too high
//   slot_after_insert_run_strict  `>` for `>=`: the section at the insertion
//                                 rank is not moved up, two sections share a slot
//   slot_after_remove_run_none    no re-rank on remove: slots above a hole
//                                 stay, the MR and the map disagree
//   section_of_masked48           address bits 48..63 silently dropped:
//                                 2^60 + x aliases x
//   fits_height_unchecked         the tree height is never checked, so the
//                                 top index drops the bits above the tree
//   inner_index_overlap           level shift one bit short: index fields
//                                 overlap, two sections share an entry
//   section_base_int32            the section base computed through a signed
//                                 32-bit int: wrong for addresses >= 2^55
//                                 (sections >= 2^31 with 16 MiB sections)
//   offset_in_section_short_mask  mask one bit short: the upper half of a
//                                 section loses its offset's top bit
//   translate_slot_miss_zero      a miss answers 0 (a valid-looking address)
//                                 instead of all ones
//   in_leaf_span_inclusive        `<=` for `<`: a leaf also accepts the index
//                                 just past its span and reads the slot after
//                                 its storage
//   index_in_leaf_off_by_one      lo + offset + 1: a walk rebuilds every
//                                 stored index one too high
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_IMPL_MUTANTS_ARITH_MUTANTS_HPP
#define BUSMAP_IMPL_MUTANTS_ARITH_MUTANTS_HPP

#include "impl/radix_index.hpp"

namespace busmap::radix::mutant {

/// Replaces radix::slot_in_run.  Bug: the first section of the MR gets
/// slot 1, so every translation is one section too high.
template <class S> S slot_in_run_off_by_one(const S &rank, const S &i) {
  return rank + i + lit(rank, 1);
}

/// Replaces radix::slot_after_insert_run.  Bug: the section that held the
/// insertion rank keeps it, colliding with the first inserted section.
template <class S> S slot_after_insert_run_strict(const S &slot, const S &rank, const S &count) {
  return select(slot != miss(slot) && slot > rank, slot + count, slot);
}

/// Replaces radix::slot_after_remove_run.  Bug: no re-rank at all.
template <class S> S slot_after_remove_run_none(const S &slot, const S & /*first*/,
                                                const S & /*count*/) {
  return slot;
}

/// Replaces arith::section_of.  Bug: treats physical addresses as 48-bit,
/// as a driver written for one machine's address width would.
template <class W> W section_of_masked48(const W &addr, const W &section_shift) {
  return (addr & lit(addr, (1ull << 48) - 1)) >> section_shift;
}

/// Replaces radix::fits_height.  Bug: every section is taken as covered, so
/// inner_index() of the root masks away the bits above the tree.
template <class W> auto fits_height_unchecked(const W &section, unsigned /*height*/) {
  return section == section;
}

/// Replaces radix::inner_index.  Bug: the level shift is one bit short, so
/// the leaf index and the level-1 index share a bit.
template <class W> W inner_index_overlap(const W &section, unsigned level) {
  return (section >> lit(section, level_shift(level) - 1)) &
         lit(section, (1ull << inner_bits) - 1);
}

/// Replaces arith::section_base.  Bug: `(long)(int)section << shift`: the
/// section number passes through a signed 32-bit int, so from section 2^31
/// on (address 2^55 with 16 MiB sections) it is truncated and sign extended.
/// Written with unsigned operations: keep the low 32 bits, sign-extend bit 31.
template <class W> W section_base_int32(const W &section, const W &section_shift) {
  const W low = section & lit(section, 0xFFFFFFFFull);
  const W sign = lit(section, 0x80000000ull);
  return ((low ^ sign) - sign) << section_shift;
}

/// Replaces arith::offset_in_section.  Bug: the mask is built from
/// section_shift - 1, so offsets in the upper half of a section wrap.
template <class W> W offset_in_section_short_mask(const W &addr, const W &section_shift) {
  return addr & ((lit(addr, 1) << (section_shift - lit(addr, 1))) - lit(addr, 1));
}

/// Replaces arith::translate_slot.  Bug: a miss answers 0, which a device
/// happily uses as a bus address.
template <class W>
W translate_slot_miss_zero(const W &bus_start, const W &slot, const W &section_shift,
                           const W &addr) {
  return select(slot == miss(slot), lit(addr, 0),
                arith::bus_address(bus_start, slot, section_shift, addr));
}

/// Replaces radix::in_leaf_span.  Bug: `<=`: the offset one past the
/// leaf's storage is accepted, so the section just above a leaf's span
/// reads the word after the allocation.
template <class W> auto in_leaf_span_inclusive(const W &offset, const W &len) {
  return offset <= len;
}

/// Replaces radix::index_in_leaf.  Bug: the walk back from a stored slot
/// to its leaf index is one too high, so a walk names the wrong sections.
template <class W> W index_in_leaf_off_by_one(const W &lo, const W &offset) {
  return lo + offset + lit(offset, 1);
}

} // namespace busmap::radix::mutant

#endif // BUSMAP_IMPL_MUTANTS_ARITH_MUTANTS_HPP
