//===- busmap/layout_arith.hpp - canonical layout arithmetic ----*- C++ -*-===//
//
// The arithmetic of the canonical bus layout, written once as templates over
// the machine word so that the same text runs and is proved:
//
//   * instantiated over uint64_t it is what the model (model/) and the
//     optimized driver (impl/) execute;
//   * instantiated over the Z3 bit-vector word of smt/ it is what the proofs
//     reason about, so a change here changes what is proved.
//
// The canonical (eHEA) layout: a present section's bus address is
//   bus_start + rank(section among present sections) * section_size
//             + offset inside the section,
// and the one MR starts at bus_start with length n * section_size.
//
// Rules that keep the templates provable: no `if` on a word comparison (use
// select(), which becomes an ite term), only unsigned operations, constants
// made with lit(like, value) so a symbolic word can supply its context.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_LAYOUT_ARITH_HPP
#define BUSMAP_LAYOUT_ARITH_HPP

#include <cstdint>

namespace busmap::arith {

// Word operations for plain integers.  The symbolic word of smt/ provides
// the same three names in its own namespace, found by argument lookup.
inline std::uint64_t lit(std::uint64_t /*like*/, std::uint64_t value) { return value; }
inline std::uint32_t lit(std::uint32_t /*like*/, std::uint64_t value) {
  return static_cast<std::uint32_t>(value);
}
/// Zero-extends a 32-bit slot to the width of `like` (the symbolic word of
/// smt/ provides its own, found by argument lookup).
inline std::uint64_t widen_like(std::uint32_t value, std::uint64_t /*like*/) { return value; }
template <class W> W select(bool cond, W then_value, W else_value) {
  return cond ? then_value : else_value;
}

/// All ones: translate()'s answer for an unmapped address, and the leaf
/// value of an absent section.
template <class W> W miss(const W &like) { return ~lit(like, 0); }

template <class W> W section_of(const W &addr, const W &section_shift) {
  return addr >> section_shift;
}

template <class W> W section_base(const W &section, const W &section_shift) {
  return section << section_shift;
}

template <class W> W offset_in_section(const W &addr, const W &section_shift) {
  return addr & ((lit(addr, 1) << section_shift) - lit(addr, 1));
}

/// Bus address of `addr` when its section holds bus slot `slot`.
template <class W>
W bus_address(const W &bus_start, const W &slot, const W &section_shift, const W &addr) {
  return bus_start + (slot << section_shift) + offset_in_section(addr, section_shift);
}

/// translate() from a looked-up slot: the miss value passes through.
template <class W>
W translate_slot(const W &bus_start, const W &slot, const W &section_shift, const W &addr) {
  return select(slot == miss(slot), miss(addr), bus_address(bus_start, slot, section_shift, addr));
}

/// Declared MR length for n mapped sections.
template <class W> W mr_length(const W &n_sections, const W &section_shift) {
  return n_sections << section_shift;
}

} // namespace busmap::arith

#endif // BUSMAP_LAYOUT_ARITH_HPP
