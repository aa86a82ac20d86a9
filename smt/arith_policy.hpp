//===- smt/arith_policy.hpp - the arithmetic under proof, swappable -*- C++ -*-===//
//
// The obligations are written once, over an arithmetic policy: a struct whose
// static templates are the functions of include/busmap/layout_arith.hpp and
// impl/radix_index.hpp that the model and the radix driver run.  `Canonical`
// forwards to that very code; each mutant policy replaces exactly one
// function by its broken variant from impl/mutants/arith_mutants.hpp, the
// way the mutant drivers swap it into the radix driver.  Running one proof
// over both shows that the proof depends on the function it claims to check.
//
// Where a mutated leaf function (offset_in_section) is used inside a
// composite (translate_slot), the composite is rebuilt from the policy's
// pieces in the same order as layout_arith.hpp, so the mutant reaches it as
// it does in the driver.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_SMT_ARITH_POLICY_HPP
#define BUSMAP_SMT_ARITH_POLICY_HPP

#include "busmap/layout_arith.hpp"
#include "impl/mutants/arith_mutants.hpp"
#include "impl/radix_index.hpp"

namespace busmap::smt {

struct Canonical {
  static constexpr const char *name = "";
  template <class W> static W section_of(const W &a, const W &k) { return arith::section_of(a, k); }
  template <class W> static W section_base(const W &s, const W &k) {
    return arith::section_base(s, k);
  }
  template <class W> static W offset_in_section(const W &a, const W &k) {
    return arith::offset_in_section(a, k);
  }
  template <class W> static W translate_slot(const W &bus, const W &slot, const W &k, const W &a) {
    return arith::translate_slot(bus, slot, k, a);
  }
  template <class W> static W mr_length(const W &n, const W &k) { return arith::mr_length(n, k); }
  template <class S> static S slot_in_run(const S &r, const S &i) { return radix::slot_in_run(r, i); }
  template <class S> static S slot_after_insert_run(const S &s, const S &r, const S &c) {
    return radix::slot_after_insert_run(s, r, c);
  }
  template <class S> static S slot_after_remove_run(const S &s, const S &f, const S &c) {
    return radix::slot_after_remove_run(s, f, c);
  }
  template <class W> static auto fits_height(const W &s, unsigned h) {
    return radix::fits_height(s, h);
  }
  template <class W> static W inner_index(const W &s, unsigned level) {
    return radix::inner_index(s, level);
  }
  template <class W> static auto in_leaf_span(const W &offset, const W &len) {
    return radix::in_leaf_span(offset, len);
  }
  template <class W> static W index_in_leaf(const W &lo, const W &offset) {
    return radix::index_in_leaf(lo, offset);
  }
};

namespace mutant {

using namespace radix::mutant;

/// translate_slot rebuilt around a replaced offset_in_section.
template <class Offset, class W>
W translate_with_offset(Offset offset, const W &bus, const W &slot, const W &k, const W &a) {
  using arith::miss;
  return select(slot == miss(slot), miss(a), bus + (slot << k) + offset(a, k));
}

struct SlotInRunOffByOne : Canonical {
  static constexpr const char *name = "slot_in_run_off_by_one";
  template <class S> static S slot_in_run(const S &r, const S &i) {
    return slot_in_run_off_by_one(r, i);
  }
};
struct InsertStrict : Canonical {
  static constexpr const char *name = "slot_after_insert_run_strict";
  template <class S> static S slot_after_insert_run(const S &s, const S &r, const S &c) {
    return slot_after_insert_run_strict(s, r, c);
  }
};
struct RemoveNone : Canonical {
  static constexpr const char *name = "slot_after_remove_run_none";
  template <class S> static S slot_after_remove_run(const S &s, const S &f, const S &c) {
    return slot_after_remove_run_none(s, f, c);
  }
};
struct SectionMasked48 : Canonical {
  static constexpr const char *name = "section_of_masked48";
  template <class W> static W section_of(const W &a, const W &k) {
    return section_of_masked48(a, k);
  }
};
struct FitsUnchecked : Canonical {
  static constexpr const char *name = "fits_height_unchecked";
  template <class W> static auto fits_height(const W &s, unsigned h) {
    return fits_height_unchecked(s, h);
  }
};
struct InnerOverlap : Canonical {
  static constexpr const char *name = "inner_index_overlap";
  template <class W> static W inner_index(const W &s, unsigned level) {
    return inner_index_overlap(s, level);
  }
};
struct SectionBaseInt32 : Canonical {
  static constexpr const char *name = "section_base_int32";
  template <class W> static W section_base(const W &s, const W &k) {
    return section_base_int32(s, k);
  }
};
struct OffsetShortMask : Canonical {
  static constexpr const char *name = "offset_in_section_short_mask";
  template <class W> static W offset_in_section(const W &a, const W &k) {
    return offset_in_section_short_mask(a, k);
  }
  template <class W> static W translate_slot(const W &bus, const W &slot, const W &k, const W &a) {
    return translate_with_offset([](const W &x, const W &y) { return offset_in_section(x, y); },
                                 bus, slot, k, a);
  }
};
struct MissZero : Canonical {
  static constexpr const char *name = "translate_slot_miss_zero";
  template <class W> static W translate_slot(const W &bus, const W &slot, const W &k, const W &a) {
    return translate_slot_miss_zero(bus, slot, k, a);
  }
};
struct LeafSpanInclusive : Canonical {
  static constexpr const char *name = "in_leaf_span_inclusive";
  template <class W> static auto in_leaf_span(const W &offset, const W &len) {
    return in_leaf_span_inclusive(offset, len);
  }
};
struct IndexInLeafOffByOne : Canonical {
  static constexpr const char *name = "index_in_leaf_off_by_one";
  template <class W> static W index_in_leaf(const W &lo, const W &offset) {
    return index_in_leaf_off_by_one(lo, offset);
  }
};

} // namespace mutant
} // namespace busmap::smt

#endif // BUSMAP_SMT_ARITH_POLICY_HPP
