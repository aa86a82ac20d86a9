//===- impl/radix_map.hpp - the radix bus map over section numbers -*- C++ -*-===//
//
// The table of the optimized canonical driver: a radix tree over section
// numbers whose leaves hold 32-bit bus slots (the section's rank among
// mapped sections; all ones when absent).  Translation is a bounded walk of
// `height` inner nodes and one leaf, with no lock: the height grows with the
// highest mapped section, so dense memory near 0 costs two loads while a
// section near 2^64 still has its own path and nothing aliases.
//
// Nodes come from the platform's allocator (kzalloc), lazily, and a subtree
// whose sections all left is freed by prune(), so the footprint follows the
// mapped memory.  A leaf stores only the span of entries its first
// reservation asked for (radix::offset_in_leaf): a 256 MiB block alone in
// its leaf costs 16 slots, not 1024, and a leaf that must grow beyond its
// span is replaced by a whole one, so a leaf is allocated at most twice.
// A block is mapped one leaf at a time (count_run, map_run): one walk and
// one count update per leaf, not per section.
// A block is unlinked before it is freed (retire()), so a translate()
// racing an update finds the table before or after it, never a freed block.
// Every inner node and leaf counts the mapped sections beneath it, which
// gives a section's rank in O(height * fanout) without a scan of the map.
//
// The index arithmetic comes from `P` (normally the templates of
// impl/radix_index.hpp); the mutant zoo swaps one function in.  Updates keep
// slots equal to ranks with P::slot_after_insert_run / slot_after_remove_run
// over the leaves from the changed rank on; nothing before it is touched.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_IMPL_RADIX_MAP_HPP
#define BUSMAP_IMPL_RADIX_MAP_HPP

#include "busmap/driver.h"
#include "impl/radix_index.hpp"

#include <cstdint>
#include <cstring>
#include <iterator>
#include <utility>

namespace busmap::impl {

inline constexpr std::uint32_t slot_miss = 0xFFFFFFFFu;

inline constexpr std::uint32_t leaf_entries = 1u << radix::leaf_bits;

/// A leaf header; its `len` slots follow it in the same allocation.
struct RadixLeaf {
  std::uint64_t sections; // mapped entries
  std::uint32_t lo;       // leaf index of slot()[0]
  std::uint32_t len;      // slots stored: leaf indices [lo, lo + len)
  std::uint32_t *slot() { return reinterpret_cast<std::uint32_t *>(this + 1); }
  const std::uint32_t *slot() const { return reinterpret_cast<const std::uint32_t *>(this + 1); }
  static constexpr std::size_t bytes(std::uint64_t len) {
    return sizeof(RadixLeaf) + len * sizeof(std::uint32_t);
  }
};
static_assert(sizeof(RadixLeaf) % alignof(std::uint32_t) == 0);

/// Sections of a run split by whether they are mapped (count_run).
struct RunCount {
  std::uint64_t absent = 0, mapped = 0;
};

struct RadixInner {
  std::uint64_t sections; // mapped sections in the subtree
  void *child[1u << radix::inner_bits];
};

/// Where nodes come from: the platform's allocator in a driver, calloc in
/// the benchmarks.  Same signatures as busmap_platform's.
struct NodeAllocator {
  void *ctx;
  void *(*alloc)(void *ctx, size_t bytes);
  void (*free)(void *ctx, void *p);
};

template <class P> class RadixMap {
public:
  RadixMap(NodeAllocator a, std::uint32_t section_shift, std::uint64_t bus_start)
      : a_(a), shift_(section_shift), bus_start_(bus_start) {}
  RadixMap(const RadixMap &) = delete;
  RadixMap &operator=(const RadixMap &) = delete;
  ~RadixMap() { clear(); }

  std::uint64_t present() const { return present_; }
  unsigned height() const { return height_; }
  std::uint64_t node_bytes() const { return node_bytes_; }

  /// The bus address of `addr`, or BUSMAP_INVALID.  The read path.
  std::uint64_t translate(std::uint64_t addr) const {
    const std::uint64_t s = P::section_of(addr, std::uint64_t{shift_});
    const std::uint64_t wide = radix::slot_of_leaf(lookup(s), addr);
    return P::translate_slot(bus_start_, wide, std::uint64_t{shift_}, addr);
  }

  /// The slot of section `s`, or slot_miss.  One case per height, so that
  /// each walk is compiled for a constant height: its levels unrolled, the
  /// height check a constant shift (an empty tree has height 0).
  [[gnu::always_inline]] std::uint32_t lookup(std::uint64_t s) const {
    switch (height_) {
    case 1: return lookup_at(s, 1);
    case 2: return lookup_at(s, 2);
    case 3: return lookup_at(s, 3);
    case 4: return lookup_at(s, 4);
    case 5: return lookup_at(s, 5);
    default: return slot_miss;
    }
  }

private:
  static_assert(radix::max_height == 5, "lookup() has one case per height");
  [[gnu::always_inline]] std::uint32_t lookup_at(std::uint64_t s, unsigned height) const {
    if (!P::fits_height(s, height))
      return slot_miss;
    const void *node = root_;
    return radix::walk_path<P>(
        s, height, slot_miss,
        [&](unsigned, std::uint64_t index) {
          node = inner(node)->child[index];
          return node != nullptr;
        },
        [&](std::uint64_t index) { return entry(leaf(node), index); });
  }

public:
  /// Mapped sections below `s`: the rank `s` has or would have.  At each
  /// level the children before s's index are counted whole (each node
  /// counts the sections beneath it), then the leaf entries before s's.
  std::uint64_t rank_of(std::uint64_t s) const {
    if (!root_)
      return 0;
    if (!P::fits_height(s, height_) || s >= end_)
      return present_; // at or above every mapped section (a load appends)
    std::uint64_t rank = 0;
    const void *node = root_;
    radix::walk_path<P>(
        s, height_, false,
        [&](unsigned, std::uint64_t index) {
          const RadixInner *in = inner(node);
          for (std::uint64_t j = 0; j < index; ++j)
            if (in->child[j])
              rank += inner(in->child[j])->sections;
          node = in->child[index];
          return node != nullptr;
        },
        [&](std::uint64_t index) {
          const RadixLeaf *l = leaf(node);
          for (std::uint64_t j = 0; j < l->len && radix::index_in_leaf(lo_of(l), j) < index; ++j)
            rank += l->slot()[j] != slot_miss;
          return true;
        });
    return rank;
  }

  /// Allocates the nodes on the paths of [first, first + count) so that
  /// set() cannot fail.  False when an allocation failed; prune() then
  /// frees what was made.
  bool reserve(std::uint64_t first, std::uint64_t count) {
    return leaf_runs(first, count, [&](std::uint64_t s, std::uint64_t n) {
      return leaf_for(s, radix::leaf_index(s), n) != nullptr;
    });
  }

  /// Maps section `s` (absent, reserved) to `slot`.
  void set(std::uint64_t s, std::uint32_t slot) {
    stored(s) = slot;
    add_on_path(s, 1);
    end_ = s + 1 > end_ ? s + 1 : end_;
  }

  /// Unmaps section `s` (mapped).  Its nodes stay until prune().
  void clear_section(std::uint64_t s) {
    stored(s) = slot_miss;
    add_on_path(s, ~std::uint64_t{0});
  }

  /// The sections of [first, first + count) that `mappable(s)` accepts,
  /// absent and mapped, one leaf walk per leaf.
  template <class Pred>
  RunCount count_run(std::uint64_t first, std::uint64_t count, Pred mappable) const {
    RunCount c;
    leaf_runs(first, count, [&](std::uint64_t s, std::uint64_t n) {
      const RadixLeaf *l = find_leaf(s);
      for (std::uint64_t k = 0; k < n; ++k)
        if (mappable(s + k))
          ++(l && entry(l, radix::leaf_index(s + k)) != slot_miss ? c.mapped : c.absent);
      return true;
    });
    return c;
  }

  /// Maps the absent sections of the reserved [first, first + count) that
  /// `mappable(s)` accepts to P::slot_in_run(rank, i) for the i-th of them,
  /// filling each leaf in one pass.  Answers how many were mapped.
  template <class Pred>
  std::uint64_t map_run(std::uint64_t first, std::uint64_t count, std::uint64_t rank,
                        Pred mappable) {
    std::uint64_t i = 0;
    leaf_runs(first, count, [&](std::uint64_t s, std::uint64_t n) {
      RadixLeaf *l = find_leaf(s);
      std::uint32_t *at = l->slot() + radix::offset_in_leaf(radix::leaf_index(s), lo_of(l));
      const std::uint64_t before = i;
      for (std::uint64_t k = 0; k < n; ++k)
        if (mappable(s + k) && at[k] == slot_miss)
          at[k] = static_cast<std::uint32_t>(P::slot_in_run(rank, i++));
      if (i != before) {
        add_on_path(s, i - before);
        end_ = s + n > end_ ? s + n : end_;
      }
      return true;
    });
    return i;
  }

  /// Applies `f(slot)` to every leaf entry of every leaf (absent ones too:
  /// the re-rank templates keep them absent).  Leaves whose slots all lie
  /// below `from_slot` are skipped: slots grow with sections.
  template <class F> void rerank(std::uint32_t from_slot, F f) {
    for_each_leaf(root_, height_, [&](RadixLeaf &leaf) {
      if (last_slot(leaf) < from_slot && last_slot(leaf) != slot_miss)
        return;
      for (std::uint32_t j = 0; j < leaf.len; ++j)
        leaf.slot()[j] = f(leaf.slot()[j]);
    });
  }

  /// Tables that rebuild ranks wholesale (eHEA) do it here; this one keeps
  /// them incrementally.
  void renumber() {}

  /// Calls fn(section, slot) for every mapped section in ascending order;
  /// fn answers false to stop.
  template <class F> void for_each_present(F fn) const {
    walk(root_, height_, 0, fn);
  }

  /// Frees every node without mapped sections beneath it and lowers the
  /// tree while its root only has child 0.  `leak` leaves freed nodes
  /// unlinked but unfreed (a mutant's bug).
  void prune(bool leak = false) {
    if (!root_)
      return;
    if (prune_node(root_, height_, leak)) {
      const unsigned level = height_;
      height_ = 0;
      return retire(root_, nullptr, level, leak);
    }
    while (height_ > 1 && only_child0(static_cast<RadixInner *>(root_))) {
      void *child = static_cast<RadixInner *>(root_)->child[0];
      retire(root_, child, height_--, leak);
    }
  }

  /// Frees everything, after unlinking it (see retire()).
  void clear() {
    void *root = std::exchange(root_, nullptr);
    free_node(root, std::exchange(height_, 0));
    present_ = 0;
    end_ = 0;
  }

private:
  static std::uint64_t next_leaf(std::uint64_t s) {
    return ((s >> radix::leaf_bits) + 1) << radix::leaf_bits;
  }
  /// Splits [first, first + count) at leaf boundaries: f(s, n) per leaf,
  /// answering false to stop.  False when f stopped.
  template <class F> static bool leaf_runs(std::uint64_t first, std::uint64_t count, F &&f) {
    for (std::uint64_t s = first; s - first < count; s = next_leaf(s)) {
      const std::uint64_t left = count - (s - first), to_end = next_leaf(s) - s;
      if (!f(s, left < to_end ? left : to_end))
        return false;
    }
    return true;
  }
  static std::uint64_t lo_of(const RadixLeaf *l) { return l->lo; }
  /// Leaf entry `index`: its stored slot inside the leaf's span, else absent.
  static std::uint32_t entry(const RadixLeaf *l, std::uint64_t index) {
    const std::uint64_t off = radix::offset_in_leaf(index, lo_of(l));
    return P::in_leaf_span(off, std::uint64_t{l->len}) ? l->slot()[off] : slot_miss;
  }
  /// The stored slot of a reserved section.
  std::uint32_t &stored(std::uint64_t s) {
    RadixLeaf *l = find_leaf(s);
    return l->slot()[radix::offset_in_leaf(radix::leaf_index(s), lo_of(l))];
  }
  static std::uint32_t last_slot(const RadixLeaf &leaf) {
    for (auto i = leaf.len; i-- > 0;)
      if (leaf.slot()[i] != slot_miss)
        return leaf.slot()[i];
    return slot_miss;
  }
  static const RadixLeaf *leaf(const void *node) { return static_cast<const RadixLeaf *>(node); }
  /// The leaf of `s`, or null when its path is missing.
  const RadixLeaf *find_leaf(std::uint64_t s) const {
    if (!root_ || !P::fits_height(s, height_))
      return nullptr;
    const void *node = root_;
    return radix::walk_path<P>(
        s, height_, static_cast<const RadixLeaf *>(nullptr),
        [&](unsigned, std::uint64_t index) {
          node = inner(node)->child[index];
          return node != nullptr;
        },
        [&](std::uint64_t) { return leaf(node); });
  }
  RadixLeaf *find_leaf(std::uint64_t s) {
    return const_cast<RadixLeaf *>(static_cast<const RadixMap *>(this)->find_leaf(s));
  }
  static const RadixInner *inner(const void *node) { return static_cast<const RadixInner *>(node); }
  static bool only_child0(const RadixInner *in) {
    for (std::size_t j = 1; j < std::size(in->child); ++j)
      if (in->child[j])
        return false;
    return in->child[0] != nullptr;
  }

  void *make(std::size_t bytes) {
    void *n = a_.alloc(a_.ctx, bytes);
    if (n)
      node_bytes_ += bytes;
    return n;
  }
  void release(void *n, std::size_t bytes) {
    a_.free(a_.ctx, n);
    node_bytes_ -= bytes;
  }

  /// The leaf of `s`, made (with its path, growing the tree) if missing,
  /// whose span holds leaf indices [lo, lo + len).
  RadixLeaf *leaf_for(std::uint64_t s, std::uint64_t lo, std::uint64_t len) {
    if (!root_) {
      root_ = make(sizeof(RadixInner));
      if (!root_)
        return nullptr;
      height_ = 1;
    }
    while (!P::fits_height(s, height_) && height_ < radix::max_height) {
      auto *top = static_cast<RadixInner *>(make(sizeof(RadixInner)));
      if (!top)
        return nullptr;
      top->child[0] = root_;
      top->sections = static_cast<RadixInner *>(root_)->sections;
      root_ = top;
      ++height_;
    }
    void *node = root_;
    const bool made = radix::walk_path<P>(
        s, height_, false,
        [&](unsigned level, std::uint64_t index) {
          void *&child = static_cast<RadixInner *>(node)->child[index];
          if (level == 1 && !holds_span(child, lo, len) && !replace_leaf(child, lo, len))
            return false;
          if (!child && !(child = make(sizeof(RadixInner))))
            return false;
          node = child;
          return true;
        },
        [](std::uint64_t) { return true; });
    return made ? static_cast<RadixLeaf *>(node) : nullptr;
  }

  static bool holds_span(const void *node, std::uint64_t lo, std::uint64_t len) {
    const RadixLeaf *l = leaf(node);
    return l && l->lo <= lo && lo + len <= std::uint64_t{l->lo} + l->len;
  }

  /// Puts a leaf whose span holds [lo, lo + len) at `child`: a new leaf
  /// stores just that span, a leaf outgrowing its span becomes whole (so
  /// a leaf is allocated at most twice).  The old leaf's entries are
  /// copied before it is unlinked, then freed.
  bool replace_leaf(void *&child, std::uint64_t lo, std::uint64_t len) {
    const RadixLeaf *old = leaf(child);
    const std::uint32_t new_lo = old ? 0 : static_cast<std::uint32_t>(lo);
    const std::uint32_t new_len = old ? leaf_entries : static_cast<std::uint32_t>(len);
    auto *l = static_cast<RadixLeaf *>(make(RadixLeaf::bytes(new_len)));
    if (!l)
      return false;
    l->lo = new_lo;
    l->len = new_len;
    l->sections = old ? old->sections : 0;
    std::memset(l->slot(), 0xFF, new_len * sizeof(std::uint32_t));
    if (old)
      std::memcpy(l->slot() + old->lo, old->slot(), old->len * sizeof(std::uint32_t));
    child = l;
    if (old)
      release(const_cast<RadixLeaf *>(old), RadixLeaf::bytes(old->len));
    return true;
  }

  /// Adds `delta` (mod 2^64) to the counts on the path of a reserved `s`.
  void add_on_path(std::uint64_t s, std::uint64_t delta) {
    void *node = root_;
    radix::walk_path<P>(
        s, height_, false,
        [&](unsigned, std::uint64_t index) {
          static_cast<RadixInner *>(node)->sections += delta;
          node = static_cast<RadixInner *>(node)->child[index];
          return true;
        },
        [&](std::uint64_t) { return static_cast<RadixLeaf *>(node)->sections += delta, true; });
    present_ += delta;
  }

  template <class F> static void for_each_leaf(void *node, unsigned level, F &&f) {
    if (!node)
      return;
    if (level == 0)
      return f(*static_cast<RadixLeaf *>(node));
    for (void *child : static_cast<RadixInner *>(node)->child)
      for_each_leaf(child, level - 1, f);
  }

  template <class F>
  static bool walk(const void *node, unsigned level, std::uint64_t prefix, F &fn) {
    if (!node)
      return true;
    if (level == 0) {
      const auto *l = static_cast<const RadixLeaf *>(node);
      for (std::uint64_t j = 0; j < l->len; ++j)
        if (l->slot()[j] != slot_miss &&
            !fn(radix::section_at(prefix, radix::index_in_leaf(lo_of(l), j), 0), l->slot()[j]))
          return false;
      return true;
    }
    const auto *in = static_cast<const RadixInner *>(node);
    for (std::uint64_t j = 0; j < std::size(in->child); ++j)
      if (!walk(in->child[j], level - 1, radix::section_at(prefix, j, level), fn))
        return false;
    return true;
  }

  /// Retires the emptied children of `node`; true when `node` itself has
  /// no mapped section beneath it (its parent retires it).
  bool prune_node(void *node, unsigned level, bool leak) {
    if (level == 0)
      return leaf(node)->sections == 0;
    auto *in = static_cast<RadixInner *>(node);
    for (void *&child : in->child)
      if (child && prune_node(child, level - 1, leak))
        retire(child, nullptr, level - 1, leak);
    return in->sections == 0;
  }

  /// Points `link` at `next` and frees the node of `level` it held (keeps
  /// it, with `leak`).  translate() takes no lock: the driver prunes while
  /// traffic is stopped (DataPathRules::free_while_stopped), so no lookup
  /// is in flight, and unlinks before it frees, so a deterministic race at
  /// the free (a preemption point, when a policy frees with traffic
  /// running, as eHEA does) cannot reach the freed block either.
  /// P::unlink_before_free false is the mutant that frees first
  /// (docs/DRIVERS.md, "Readers racing an update").
  void retire(void *&link, void *next, unsigned level, bool leak) {
    void *old = link;
    const std::size_t bytes = level == 0 ? RadixLeaf::bytes(leaf(old)->len) : sizeof(RadixInner);
    if (!P::unlink_before_free && !leak)
      release(old, bytes);
    link = next;
    if (P::unlink_before_free && !leak)
      release(old, bytes);
  }

  void free_node(void *node, unsigned level) {
    if (!node)
      return;
    if (level == 0)
      return release(node, RadixLeaf::bytes(leaf(node)->len));
    for (void *child : static_cast<RadixInner *>(node)->child)
      free_node(child, level - 1);
    release(node, sizeof(RadixInner));
  }

  NodeAllocator a_;
  std::uint32_t shift_;
  std::uint64_t bus_start_;
  void *root_ = nullptr;
  unsigned height_ = 0;
  std::uint64_t present_ = 0;
  std::uint64_t end_ = 0; // above every mapped section (an upper bound: removals keep it)
  std::uint64_t node_bytes_ = 0;
};

} // namespace busmap::impl

#endif // BUSMAP_IMPL_RADIX_MAP_HPP
