//===- impl/radix_driver.hpp - the optimized canonical driver ----*- C++ -*-===//
//
// The driver we would propose for a real kernel, as one template over a
// policy `P`: the radix map of impl/radix_map.hpp, the single MR of
// impl/mr_register.hpp, and the notifier protocol that passes the oracle's
// strict mode:
//
//   GOING_ONLINE    map the block, re-register; on failure restore the old
//                   map and MR and answer NOTIFY_BAD (the pages are not
//                   handed out yet, so a veto is still possible)
//   CANCEL_ONLINE   unmap the block if this driver mapped it
//   ONLINE          nothing left to do (mapped at GOING_ONLINE)
//   GOING_OFFLINE   unmap the block before migration starts, re-register;
//                   on failure restore and veto
//   CANCEL_OFFLINE  map the block again (a no-op when another notifier
//                   vetoed before this driver saw GOING_OFFLINE)
//   OFFLINE         nothing left to do
//
// Each accepted event that changes the map costs exactly one
// re-registration.  A failure on an event that cannot be vetoed (CANCEL_*,
// and any failure to restore) logs at BUSMAP_LOG_ERR and leaves the driver
// inoperable: no MR, an empty map, every translation a miss, never a wrong
// one.  Sections inside gigantic pages are never mapped.
//
// The data path (impl/data_path.hpp) is the same for every policy: traffic
// stops before the map changes, the re-registration rewrites posted receive
// buffers and restarts, and emptied table blocks are freed after the
// restart, each unlinked first; so xmit and refill_rx, which translate with
// no lock, see the map of the live MR, never half of an update or freed
// memory.
//
// `RadixPolicy` is the correct driver; every mutant of impl/mutants/ that is
// a variant of it derives from it and shadows one member, so the zoo is a
// list of one-line differences, not copies.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_IMPL_RADIX_DRIVER_HPP
#define BUSMAP_IMPL_RADIX_DRIVER_HPP

#include "impl/data_path.hpp"
#include "impl/mr_register.hpp"
#include "impl/online_walk.hpp"
#include "impl/radix_map.hpp"

#include <cstdio>
#include <new>

namespace busmap::impl {

/// The correct driver: arithmetic of radix_index.hpp, strict protocol.
struct RadixPolicy : RegisterRules {
  // --- Arithmetic (proved in smt/). ---
  template <class W> static W section_of(const W &addr, const W &shift) {
    return arith::section_of(addr, shift);
  }
  template <class W> static auto fits_height(const W &s, unsigned height) {
    return radix::fits_height(s, height);
  }
  template <class W> static W inner_index(const W &s, unsigned level) {
    return radix::inner_index(s, level);
  }
  template <class W> static auto in_leaf_span(const W &offset, const W &len) {
    return radix::in_leaf_span(offset, len);
  }
  template <class S> static S slot_in_run(const S &rank, const S &i) {
    return radix::slot_in_run(rank, i);
  }
  template <class S> static S slot_after_insert_run(const S &slot, const S &rank, const S &n) {
    return radix::slot_after_insert_run(slot, rank, n);
  }
  template <class S> static S slot_after_remove_run(const S &slot, const S &first, const S &n) {
    return radix::slot_after_remove_run(slot, first, n);
  }
  template <class W> static W translate_slot(const W &bus, const W &slot, const W &shift,
                                             const W &addr) {
    return arith::translate_slot(bus, slot, shift, addr);
  }

  /// The table (interface of RadixMap); flat, recompute and ehea swap it.
  template <class Q> using Map = RadixMap<Q>;
  /// Prefix of log messages.
  static constexpr const char *tag = "radix";

  // --- Protocol. ---
  /// false: map at ONLINE, as eHEA did (passes lenient mode only).
  static constexpr bool map_at_going_online = true;
  static constexpr bool unmap_at_going_offline = true; // false: at OFFLINE
  static constexpr bool readd_on_cancel_offline = true;
  static constexpr bool rank_new_sections = true; // false: append at the end
  static constexpr bool skip_gigantic = true;
  static constexpr bool free_empty_blocks = true; // false: unlinked, never freed
  /// false: an emptied table block is freed while the table still links
  /// it, and unlinked after (the mutant a racing translate() catches).
  static constexpr bool unlink_before_free = true;
  /// Mutant: shift later slots before reserving nodes, and do not shift
  /// them back when the reservation fails.
  static constexpr bool rerank_before_reserve = false;
  /// Mutant: on a failed re-registration, free the MR handle once more.
  static constexpr bool free_mr_again_on_error = false;
  /// Mutant: an add of an already mapped block counts its sections again.
  static constexpr bool recount_on_repeated_add = false;
  /// false: map every block walk_ram reports, offline ones too (eHEA).
  static constexpr bool map_only_online = true;
  /// false: load without get_online_mems(), so a load inside an open
  /// window builds its map from a block in mid-operation.
  static constexpr bool lock_at_load = true;
  /// The data path (impl/data_path.hpp): drop misses, quiesce, rewrite, restart.
  static constexpr DataPathRules data_path{};
};

template <class P> class CanonicalDriver {
public:
  static constexpr busmap_driver table(const char *name, const char *description) {
    return {BUSMAP_ABI_VERSION, name,      description, BUSMAP_DRIVER_CANONICAL,
            &load_cb,           &unload_cb, &notify_cb,  &translate_cb,
            &xmit_cb,           &refill_rx_cb};
  }

private:
  enum class Change { None, Done, Failed };

  explicit CanonicalDriver(const busmap_platform &p)
      : p_(p), map_({p.ctx, p.alloc, p.free}, p.section_shift, p.bus_start) {}

  // --- ABI entry points. ---
  static void *load_cb(const busmap_platform *p) {
    if (!P::lock_at_load)
      return load_unlocked(p);
    const OnlineMemsLock hotplug(*p);
    return load_unlocked(p);
  }
  static void *load_unlocked(const busmap_platform *p) {
    void *mem = p->alloc(p->ctx, sizeof(CanonicalDriver));
    if (!mem)
      return nullptr;
    auto *d = new (mem) CanonicalDriver(*p);
    if (!d->load()) {
      d->destroy();
      return nullptr;
    }
    return d;
  }
  static void unload_cb(void *drv) { static_cast<CanonicalDriver *>(drv)->destroy(); }
  static int notify_cb(void *drv, busmap_mem_action action, std::uint64_t pfn,
                       std::uint64_t pages) {
    return static_cast<CanonicalDriver *>(drv)->notify(action, pfn, pages);
  }
  static std::uint64_t translate_cb(void *drv, std::uint64_t addr) {
    return static_cast<const CanonicalDriver *>(drv)->map_.translate(addr);
  }
  static int xmit_cb(void *drv, std::uint64_t phys, std::uint32_t len) {
    auto *d = static_cast<const CanonicalDriver *>(drv);
    return xmit_buffer(d->p_, [d](std::uint64_t a) { return d->map_.translate(a); }, phys, len,
                       P::data_path);
  }
  static int refill_rx_cb(void *drv, std::uint64_t phys, std::uint32_t len) {
    auto *d = static_cast<const CanonicalDriver *>(drv);
    return refill_rx_buffer(d->p_, [d](std::uint64_t a) { return d->map_.translate(a); }, phys,
                            len, P::data_path);
  }

  void log(int level, const char *msg) const {
    char line[160];
    std::snprintf(line, sizeof line, "%s: %s", P::tag, msg);
    p_.log(p_.ctx, level, line);
  }

  bool load() {
    buf_ = static_cast<std::uint64_t *>(
        p_.alloc(p_.ctx, sizeof(std::uint64_t) * register_buffer_entries<P>(p_)));
    if (!buf_) {
      log(BUSMAP_LOG_ERR, "no memory for the page list");
      return false;
    }
    struct Walk {
      CanonicalDriver *d;
      bool ok;
    } w{this, true};
    const WalkCallback add = [](void *arg, std::uint64_t pfn, std::uint64_t pages) {
      auto *w = static_cast<Walk *>(arg);
      const std::uint32_t to_sections = w->d->p_.section_shift - w->d->p_.page_shift;
      w->ok = w->d->map_block(pfn >> to_sections, pages >> to_sections) != Change::Failed;
      return w->ok ? 0 : 1;
    };
    if (P::map_only_online)
      walk_online_ram(p_, add, &w);
    else
      p_.walk_ram(p_.ctx, add, &w);
    if (!w.ok) {
      log(BUSMAP_LOG_ERR, "no memory for the bus map");
      return false;
    }
    if (reregister() != BUSMAP_H_SUCCESS) {
      log(BUSMAP_LOG_ERR, "MR registration failed");
      return false;
    }
    return true;
  }

  void destroy() {
    p_.stop_traffic(p_.ctx); // close the port before its MR goes
    mr_release_retrying(p_, mr_);
    map_.clear();
    if (buf_)
      p_.free(p_.ctx, buf_);
    const busmap_platform p = p_;
    this->~CanonicalDriver();
    p.free(p.ctx, this);
  }

  int notify(busmap_mem_action action, std::uint64_t pfn, std::uint64_t pages) {
    if (inoperable_)
      return BUSMAP_NOTIFY_OK;
    const std::uint32_t to_sections = p_.section_shift - p_.page_shift;
    const std::uint64_t first = pfn >> to_sections, count = pages >> to_sections;
    switch (action) {
    case BUSMAP_MEM_GOING_ONLINE:
      return P::map_at_going_online ? add(first, count, true) : BUSMAP_NOTIFY_OK;
    case BUSMAP_MEM_ONLINE:
      return add(first, count, false);
    case BUSMAP_MEM_CANCEL_ONLINE:
      return remove(first, count, false);
    case BUSMAP_MEM_GOING_OFFLINE:
      return P::unmap_at_going_offline ? remove(first, count, true) : BUSMAP_NOTIFY_OK;
    case BUSMAP_MEM_OFFLINE:
      return remove(first, count, false);
    case BUSMAP_MEM_CANCEL_OFFLINE:
      return P::readd_on_cancel_offline ? add(first, count, false) : BUSMAP_NOTIFY_OK;
    }
    return BUSMAP_NOTIFY_OK;
  }

  /// Maps a block; on failure restores the previous state and vetoes when
  /// it may, else becomes inoperable.
  int add(std::uint64_t first, std::uint64_t count, bool may_veto) {
    quiesce();
    const Change c = map_block(first, count);
    if (c == Change::None)
      return resume(), BUSMAP_NOTIFY_OK;
    if (c == Change::Done && reregister() == BUSMAP_H_SUCCESS)
      return BUSMAP_NOTIFY_OK;
    if (!may_veto)
      return inoperable("cannot map a block that is in use; inoperable");
    if (c == Change::Done) {
      unmap_block(first, count);
      map_.prune();
      if (reregister() != BUSMAP_H_SUCCESS)
        inoperable("cannot restore the MR; inoperable");
    } else {
      resume(); // nothing was mapped: the old map and MR stand
    }
    log(BUSMAP_LOG_WARNING, "cannot map the new block; vetoing it");
    return BUSMAP_NOTIFY_BAD;
  }

  /// The map changes only while traffic is stopped: a translation made
  /// with the new map before the new MR is registered would post a bus
  /// address of an MR that does not exist yet, and the device would read
  /// it through the old one (a wrong page).  reregister() restarts.
  void quiesce() {
    if (P::data_path.stop_before_free)
      p_.stop_traffic(p_.ctx);
  }
  /// Restarts after an event that left the map and the MR as they were.
  void resume() {
    if (P::data_path.restart_after_failure || !rereg_failed_)
      p_.start_traffic(p_.ctx);
  }

  /// Unmaps a block, its nodes kept until the new MR is in place so that
  /// a restore cannot fail on memory.
  int remove(std::uint64_t first, std::uint64_t count, bool may_veto) {
    quiesce();
    if (unmap_block(first, count) == Change::None)
      return resume(), BUSMAP_NOTIFY_OK;
    // The emptied blocks go once the new MR is in place, so that a restore
    // cannot fail on memory; while traffic is still stopped, so that no
    // lookup holds a link to them (DataPathRules::free_while_stopped).
    const auto prune = [&] { map_.prune(!P::free_empty_blocks); };
    if (reregister([&] {
          if (P::data_path.free_while_stopped)
            prune();
        }) == BUSMAP_H_SUCCESS) {
      if (!P::data_path.free_while_stopped)
        prune();
      return BUSMAP_NOTIFY_OK;
    }
    if (!may_veto)
      return inoperable("cannot unmap a block; inoperable");
    map_block(first, count); // cannot fail: the nodes were kept
    if (reregister() != BUSMAP_H_SUCCESS)
      inoperable("cannot restore the MR; inoperable");
    log(BUSMAP_LOG_WARNING, "cannot unmap the block; vetoing its removal");
    return BUSMAP_NOTIFY_BAD;
  }

  int inoperable(const char *why) {
    log(BUSMAP_LOG_ERR, why);
    p_.stop_traffic(p_.ctx); // and it stays stopped: there is nothing to reach
    mr_release_retrying(p_, mr_);
    map_.clear();
    counted_ = 0;
    inoperable_ = true;
    return BUSMAP_NOTIFY_OK;
  }

  bool mappable(std::uint64_t s) const {
    const std::uint32_t to_pages = p_.section_shift - p_.page_shift;
    return !(P::skip_gigantic && p_.is_gigantic(p_.ctx, s << to_pages));
  }

  /// The sections of a block that mappable() refused (gigantic pages: a
  /// few long runs), noted while counting so that filling the map need not
  /// ask the platform again; past `capacity` runs it asks again.
  struct Refused {
    static constexpr int capacity = 4;
    std::uint64_t first[capacity] = {}, end[capacity] = {};
    int runs = 0;
    bool overflow = false;
    void note(std::uint64_t s) {
      if (runs > 0 && end[runs - 1] == s)
        ++end[runs - 1];
      else if (runs == capacity)
        overflow = true;
      else
        first[runs] = s, end[runs++] = s + 1;
    }
    bool holds(std::uint64_t s) const {
      for (int i = 0; i < runs; ++i)
        if (s - first[i] < end[i] - first[i])
          return true;
      return false;
    }
  };

  /// Maps the absent sections of [first, first + count) outside gigantic
  /// pages.  A block is mapped or unmapped whole, so its sections are one
  /// run of ranks.
  Change map_block(std::uint64_t first, std::uint64_t count) {
    Refused refused;
    const RunCount seen = count_run(first, count, [&](std::uint64_t s) {
      return mappable(s) || (refused.note(s), false);
    });
    auto ok = [&](std::uint64_t s) { return refused.overflow ? mappable(s) : !refused.holds(s); };
    const std::uint64_t n = seen.absent, already = seen.mapped;
    if (n == 0) {
      if (!P::recount_on_repeated_add || already == 0)
        return Change::None;
      counted_ += already; // the bug: the repeated add is counted again
      return Change::Done;
    }
    if (!radix::fits_slot(map_.present() + n))
      return Change::Failed;
    const std::uint64_t rank = P::rank_new_sections ? map_.rank_of(first) : map_.present();
    auto shift_up = [&] {
      if (rank < map_.present())
        map_.rerank(static_cast<std::uint32_t>(rank), [&](std::uint32_t slot) {
          return P::slot_after_insert_run(slot, static_cast<std::uint32_t>(rank),
                                          static_cast<std::uint32_t>(n));
        });
    };
    if (P::rerank_before_reserve)
      shift_up();
    if (!map_.reserve(first, count)) {
      map_.prune();
      return Change::Failed;
    }
    if (!P::rerank_before_reserve)
      shift_up();
    map_run(first, count, rank, ok);
    map_.renumber();
    counted_ += n;
    return Change::Done;
  }

  /// The map's own one-pass count_run / map_run where it has them (the
  /// radix tree), else a lookup and a set per section (the other tables).
  template <class Pred>
  RunCount count_run(std::uint64_t first, std::uint64_t count, Pred ok) const {
    if constexpr (requires { map_.count_run(first, count, ok); })
      return map_.count_run(first, count, ok);
    RunCount c;
    for (std::uint64_t s = first; s - first < count; ++s)
      if (ok(s))
        ++(map_.lookup(s) == slot_miss ? c.absent : c.mapped);
    return c;
  }
  template <class Pred>
  void map_run(std::uint64_t first, std::uint64_t count, std::uint64_t rank, Pred ok) {
    if constexpr (requires { map_.map_run(first, count, rank, ok); }) {
      map_.map_run(first, count, rank, ok);
    } else {
      std::uint64_t i = 0;
      for (std::uint64_t s = first; s - first < count; ++s)
        if (ok(s) && map_.lookup(s) == slot_miss)
          map_.set(s, static_cast<std::uint32_t>(P::slot_in_run(rank, i++)));
    }
  }

  /// Unmaps the mapped sections of [first, first + count).
  Change unmap_block(std::uint64_t first, std::uint64_t count) {
    std::uint32_t first_slot = slot_miss;
    std::uint64_t k = 0;
    for (std::uint64_t s = first; s - first < count; ++s) {
      const std::uint32_t slot = map_.lookup(s);
      if (slot == slot_miss)
        continue;
      first_slot = k++ == 0 ? slot : first_slot;
      map_.clear_section(s);
    }
    if (k == 0)
      return Change::None;
    map_.rerank(first_slot, [&](std::uint32_t slot) {
      return P::slot_after_remove_run(slot, first_slot, static_cast<std::uint32_t>(k));
    });
    map_.renumber();
    counted_ -= k;
    return Change::Done;
  }

  /// The new MR over the map, with the device quiesced around it;
  /// `while_stopped()` runs once it is in place, before traffic restarts.
  template <class WhileStopped = void (*)()>
  std::int64_t reregister(WhileStopped while_stopped = [] {}) {
    const std::int64_t rc = quiesced_reregister(
        p_, P::data_path, rereg_failed_,
        [&] {
          return mr_reregister<P>(p_, mr_, counted_, buf_, [&](auto &&fn) {
            map_.for_each_present([&](std::uint64_t s, std::uint32_t) { return fn(s); });
          });
        },
        [](void *self, std::uint64_t phys) {
          return static_cast<const CanonicalDriver *>(self)->map_.translate(phys);
        },
        this, while_stopped);
    if (rc != BUSMAP_H_SUCCESS && P::free_mr_again_on_error)
      p_.h_free_mr(p_.ctx, mr_.handle); // the bug: mr_reregister already freed it
    return rc;
  }

  const busmap_platform p_;
  typename P::template Map<P> map_;
  MrState mr_;
  std::uint64_t *buf_ = nullptr;
  std::uint64_t counted_ = 0; // sections the MR declares
  bool inoperable_ = false;
  bool rereg_failed_ = false; // a re-registration failed once (DataPathRules)
};

} // namespace busmap::impl

#endif // BUSMAP_IMPL_RADIX_DRIVER_HPP
