//===- impl/simple_maps.hpp - the historical bus-map tables ------*- C++ -*-===//
//
// Two tables that plug into CanonicalDriver (impl/radix_driver.hpp) in place
// of the radix tree, so that the seed proposals differ from the optimized
// driver only in the data structure, not in the notifier protocol:
//
//   FlatMap    the first eHEA busmap: one 32-bit slot per section number up
//              to the highest mapped section.  Right, and O(1), until the
//              memory is sparse: 16 MiB at 2^60 asks for a 256 GiB table.
//   ScanMap    the "pretend to build the map and see where it lands"
//              proposal: only the sorted set of mapped sections is kept,
//              and every translation recounts the rank by walking it.
//
// Both implement the interface of RadixMap (see radix_map.hpp) and allocate
// through the platform's accounted allocator.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_IMPL_SIMPLE_MAPS_HPP
#define BUSMAP_IMPL_SIMPLE_MAPS_HPP

#include "impl/radix_map.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace busmap::impl {

/// A growable array of T from the platform allocator (no exceptions, no
/// hidden heap): grow() answers false when the kernel says no.
template <class T> class KernelArray {
public:
  explicit KernelArray(NodeAllocator a) : a_(a) {}
  KernelArray(const KernelArray &) = delete;
  KernelArray &operator=(const KernelArray &) = delete;
  ~KernelArray() { reset(); }

  T *data() const { return v_; }
  std::uint64_t capacity() const { return cap_; }
  std::uint64_t bytes() const { return cap_ * sizeof(T); }

  /// Makes room for `cap` entries, new ones set to `fill`.
  bool grow(std::uint64_t cap, T fill) {
    if (cap <= cap_)
      return true;
    if (cap > SIZE_MAX / sizeof(T))
      return false;
    T *nv = static_cast<T *>(a_.alloc(a_.ctx, cap * sizeof(T)));
    if (!nv)
      return false;
    if (v_)
      std::memcpy(nv, v_, cap_ * sizeof(T));
    std::fill(nv + cap_, nv + cap, fill);
    // Publish the new array before freeing the old one: a translation
    // racing the update (inside free(), a preemption point) must find a
    // live array, never the poisoned one.
    T *old = v_;
    v_ = nv;
    cap_ = cap;
    if (old)
      a_.free(a_.ctx, old);
    return true;
  }
  void reset() {
    T *old = v_; // unlinked first, for the same reason
    v_ = nullptr;
    cap_ = 0;
    if (old)
      a_.free(a_.ctx, old);
  }

private:
  NodeAllocator a_;
  T *v_ = nullptr;
  std::uint64_t cap_ = 0;
};

/// Slots indexed directly by section number.
template <class P> class FlatMap {
public:
  FlatMap(NodeAllocator a, std::uint32_t shift, std::uint64_t bus_start)
      : t_(a), shift_(shift), bus_start_(bus_start) {}

  std::uint64_t present() const { return present_; }
  std::uint64_t node_bytes() const { return t_.bytes(); }
  std::uint32_t lookup(std::uint64_t s) const {
    return s < t_.capacity() ? t_.data()[s] : slot_miss;
  }
  std::uint64_t translate(std::uint64_t addr) const {
    const std::uint32_t slot = lookup(addr >> shift_);
    return arith::translate_slot(bus_start_, slot == slot_miss ? BUSMAP_INVALID : slot,
                                 std::uint64_t{shift_}, addr);
  }
  std::uint64_t rank_of(std::uint64_t s) const {
    std::uint64_t r = 0;
    for (std::uint64_t i = 0; i < std::min(s, t_.capacity()); ++i)
      r += t_.data()[i] != slot_miss;
    return r;
  }
  /// The table grows to the highest section: the design's flaw.
  bool reserve(std::uint64_t first, std::uint64_t count) {
    return t_.grow(first + count, slot_miss);
  }
  void set(std::uint64_t s, std::uint32_t slot) { t_.data()[s] = slot, ++present_; }
  void clear_section(std::uint64_t s) { t_.data()[s] = slot_miss, --present_; }
  template <class F> void rerank(std::uint32_t, F f) {
    for (std::uint64_t i = 0; i < t_.capacity(); ++i)
      t_.data()[i] = f(t_.data()[i]);
  }
  void renumber() {}
  template <class F> void for_each_present(F fn) const {
    for (std::uint64_t i = 0; i < t_.capacity(); ++i)
      if (t_.data()[i] != slot_miss && !fn(i, t_.data()[i]))
        return;
  }
  void prune(bool = false) {
    if (present_ == 0)
      t_.reset();
  }
  void clear() { t_.reset(), present_ = 0; }

private:
  KernelArray<std::uint32_t> t_;
  std::uint32_t shift_;
  std::uint64_t bus_start_;
  std::uint64_t present_ = 0;
};

/// The sorted set of mapped sections; a section's slot is its index, found
/// on every translation by walking the set from the start.
template <class P> class ScanMap {
public:
  ScanMap(NodeAllocator a, std::uint32_t shift, std::uint64_t bus_start)
      : v_(a), shift_(shift), bus_start_(bus_start) {}

  std::uint64_t present() const { return n_; }
  std::uint64_t node_bytes() const { return v_.bytes(); }
  std::uint32_t lookup(std::uint64_t s) const {
    const std::uint64_t i = rank_of(s);
    return i < n_ && v_.data()[i] == s ? static_cast<std::uint32_t>(i) : slot_miss;
  }
  /// The recomputation: count the mapped sections below, one by one.
  std::uint64_t translate(std::uint64_t addr) const {
    const std::uint64_t s = addr >> shift_;
    std::uint64_t rank = 0;
    while (rank < n_ && v_.data()[rank] < s)
      ++rank;
    const bool hit = rank < n_ && v_.data()[rank] == s;
    return arith::translate_slot(bus_start_, hit ? rank : BUSMAP_INVALID,
                                 std::uint64_t{shift_}, addr);
  }
  std::uint64_t rank_of(std::uint64_t s) const {
    return static_cast<std::uint64_t>(std::lower_bound(v_.data(), v_.data() + n_, s) -
                                      v_.data());
  }
  bool reserve(std::uint64_t, std::uint64_t count) {
    return n_ + count <= v_.capacity() || v_.grow(std::max(n_ + count, 2 * v_.capacity()), 0);
  }
  /// Slots are implicit (the index), so `slot` is only the position.
  void set(std::uint64_t s, std::uint32_t) {
    std::uint64_t *v = v_.data();
    const std::uint64_t i = rank_of(s);
    std::memmove(v + i + 1, v + i, (n_ - i) * sizeof *v);
    v[i] = s;
    ++n_;
  }
  void clear_section(std::uint64_t s) {
    std::uint64_t *v = v_.data();
    const std::uint64_t i = rank_of(s);
    std::memmove(v + i, v + i + 1, (n_ - i - 1) * sizeof *v);
    --n_;
  }
  template <class F> void rerank(std::uint32_t, F) {}
  void renumber() {}
  template <class F> void for_each_present(F fn) const {
    for (std::uint64_t i = 0; i < n_; ++i)
      if (!fn(v_.data()[i], static_cast<std::uint32_t>(i)))
        return;
  }
  void prune(bool = false) {
    if (n_ == 0)
      v_.reset();
  }
  void clear() { n_ = 0, v_.reset(); } // empty before the array goes

private:
  KernelArray<std::uint64_t> v_;
  std::uint32_t shift_;
  std::uint64_t bus_start_;
  std::uint64_t n_ = 0;
};

} // namespace busmap::impl

#endif // BUSMAP_IMPL_SIMPLE_MAPS_HPP
