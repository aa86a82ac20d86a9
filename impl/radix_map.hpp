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
// mapped memory: 16 sections at 0 plus one at 2^60 is seven 4 KiB nodes.
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

struct RadixLeaf {
  std::uint64_t sections; // mapped entries
  std::uint32_t slot[1u << radix::leaf_bits];
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

  /// The slot of section `s`, or slot_miss.
  std::uint32_t lookup(std::uint64_t s) const {
    if (!root_ || !P::fits_height(s, height_))
      return slot_miss;
    const void *node = root_;
    return radix::walk_path<P>(
        s, height_, slot_miss,
        [&](unsigned, std::uint64_t index) {
          node = inner(node)->child[index];
          return node != nullptr;
        },
        [&](std::uint64_t index) { return leaf(node)->slot[index]; });
  }

  /// Mapped sections below `s`: the rank `s` has or would have.  At each
  /// level the children before s's index are counted whole (each node
  /// counts the sections beneath it), then the leaf entries before s's.
  std::uint64_t rank_of(std::uint64_t s) const {
    if (!root_)
      return 0;
    if (!P::fits_height(s, height_))
      return present_;
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
          for (std::uint64_t j = 0; j < index; ++j)
            rank += leaf(node)->slot[j] != slot_miss;
          return true;
        });
    return rank;
  }

  /// Allocates the nodes on the paths of [first, first + count) so that
  /// set() cannot fail.  False when an allocation failed; prune() then
  /// frees what was made.
  bool reserve(std::uint64_t first, std::uint64_t count) {
    for (std::uint64_t s = first; s - first < count; s = next_leaf(s))
      if (!leaf_for(s))
        return false;
    return true;
  }

  /// Maps section `s` (absent, reserved) to `slot`.
  void set(std::uint64_t s, std::uint32_t slot) {
    RadixLeaf *leaf = leaf_for(s);
    leaf->slot[radix::leaf_index(s)] = slot;
    add_on_path(s, 1);
  }

  /// Unmaps section `s` (mapped).  Its nodes stay until prune().
  void clear_section(std::uint64_t s) {
    leaf_for(s)->slot[radix::leaf_index(s)] = slot_miss;
    add_on_path(s, ~std::uint64_t{0});
  }

  /// Applies `f(slot)` to every leaf entry of every leaf (absent ones too:
  /// the re-rank templates keep them absent).  Leaves whose slots all lie
  /// below `from_slot` are skipped: slots grow with sections.
  template <class F> void rerank(std::uint32_t from_slot, F f) {
    for_each_leaf(root_, height_, [&](RadixLeaf &leaf) {
      if (last_slot(leaf) < from_slot && last_slot(leaf) != slot_miss)
        return;
      for (auto &slot : leaf.slot)
        slot = f(slot);
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
  }

private:
  static std::uint64_t next_leaf(std::uint64_t s) {
    return ((s >> radix::leaf_bits) + 1) << radix::leaf_bits;
  }
  static std::uint32_t last_slot(const RadixLeaf &leaf) {
    for (auto i = std::size(leaf.slot); i-- > 0;)
      if (leaf.slot[i] != slot_miss)
        return leaf.slot[i];
    return slot_miss;
  }
  static const RadixLeaf *leaf(const void *node) { return static_cast<const RadixLeaf *>(node); }
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

  /// The leaf of `s`, made (with its path, growing the tree) if missing.
  RadixLeaf *leaf_for(std::uint64_t s) {
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
          if (!child) {
            child = make(level == 1 ? sizeof(RadixLeaf) : sizeof(RadixInner));
            if (!child)
              return false;
            if (level == 1)
              std::memset(static_cast<RadixLeaf *>(child)->slot, 0xFF, sizeof(RadixLeaf::slot));
          }
          node = child;
          return true;
        },
        [](std::uint64_t) { return true; });
    return made ? static_cast<RadixLeaf *>(node) : nullptr;
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
      const auto *leaf = static_cast<const RadixLeaf *>(node);
      for (std::uint64_t j = 0; j < std::size(leaf->slot); ++j)
        if (leaf->slot[j] != slot_miss && !fn(radix::section_at(prefix, j, 0), leaf->slot[j]))
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
      return static_cast<RadixLeaf *>(node)->sections == 0;
    auto *in = static_cast<RadixInner *>(node);
    for (void *&child : in->child)
      if (child && prune_node(child, level - 1, leak))
        retire(child, nullptr, level - 1, leak);
    return in->sections == 0;
  }

  /// Points `link` at `next` and frees the node of `level` it held (keeps
  /// it, with `leak`).  translate() takes no lock and a reader may run at
  /// the free (a preemption point): the new table is published first, so
  /// no reader can reach the freed block.  P::unlink_before_free false is
  /// the mutant that frees first (docs/DRIVERS.md, "Readers racing an
  /// update").
  void retire(void *&link, void *next, unsigned level, bool leak) {
    void *old = link;
    const std::size_t bytes = level == 0 ? sizeof(RadixLeaf) : sizeof(RadixInner);
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
      return release(node, sizeof(RadixLeaf));
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
  std::uint64_t node_bytes_ = 0;
};

} // namespace busmap::impl

#endif // BUSMAP_IMPL_RADIX_MAP_HPP
