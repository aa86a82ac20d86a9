//===- impl/simple.cpp - the plain canonical driver -----------------------===//
//
// The first driver: correct, not fast.  It keeps the mapped sections in one
// sorted array (allocated from the platform, so the oracle sees every byte)
// and on every change builds the new array, frees the MR and registers a new
// one over all mapped sections in bus order.  translate() is a binary search:
// the rank of a section is its index in the array, read with no lock; the
// new array is published before the old one is freed, so a translation
// racing an update reads one of the two, never freed memory.
//
// Timing follows strict mode: a block is mapped when GOING_ONLINE arrives
// (its pages reach the allocator before ONLINE) and unmapped when
// GOING_OFFLINE arrives (before migration), and each CANCEL undoes the
// matching GOING.  Its data path is impl/data_path.hpp's: every
// re-registration stops traffic, and restarts it with the receive buffers
// rewritten once the new MR is in place.  A failed update answers NOTIFY_BAD after restoring the old
// map; a failure that cannot be refused (a CANCEL, or a failed restore)
// leaves the driver logged as inoperable with no MR and every lookup a miss.
//
//===----------------------------------------------------------------------===//
#include "impl/drivers.hpp"

#include "busmap/layout_arith.hpp"
#include "impl/data_path.hpp"
#include "impl/mr_register.hpp"
#include "impl/online_walk.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace {

struct SectionArray {
  std::uint64_t *at = nullptr;
  std::size_t count = 0;
};

struct Simple {
  const busmap_platform *p;
  SectionArray map;
  busmap::impl::MrState mr;
  bool inoperable = false;
  bool rereg_failed = false; // for DataPathRules; the correct rules ignore it
};

// The bus address of addr over the sorted array `a`: its rank in it.
std::uint64_t lookup(const Simple &d, const SectionArray &a, std::uint64_t addr) {
  const std::uint64_t shift = d.p->section_shift;
  const std::uint64_t s = busmap::arith::section_of(addr, shift);
  const std::uint64_t *begin = a.at, *end = a.at + a.count;
  const std::uint64_t *it = std::lower_bound(begin, end, s);
  const std::uint64_t slot = it != end && *it == s ? std::uint64_t(it - begin) : BUSMAP_INVALID;
  return busmap::arith::translate_slot(d.p->bus_start, slot, shift, addr);
}

void log_err(const busmap_platform *p, const char *what) {
  p->log(p->ctx, BUSMAP_LOG_ERR, what);
}

void release(const busmap_platform *p, SectionArray &a) {
  p->free(p->ctx, a.at);
  a = {};
}

// Makes `next` the map, then frees the old array: translate() takes no lock
// and may run at the free (a preemption point), so it must already find
// `next` there, never the freed array.
void publish(Simple &d, SectionArray next) {
  SectionArray old = std::exchange(d.map, next);
  release(d.p, old);
}

// --- The MR over a sorted section array. ----------------------------------

// Replaces the MR by one over `a` (impl/mr_register.hpp) with the device
// quiesced (impl/data_path.hpp), receive buffers rewritten over `a`; the
// page buffer comes from the platform like every other byte the driver holds.
// With `install`, `a` becomes the map once its MR is registered and before
// traffic restarts: a translation with traffic running must use the map of
// the live MR, so neither the new map before the new MR nor the old map
// after it.
std::int64_t register_mr(Simple &d, const SectionArray &a, bool install = false) {
  const busmap_platform &p = *d.p;
  auto *buf = static_cast<std::uint64_t *>(
      p.alloc(p.ctx, sizeof(std::uint64_t) * busmap::impl::register_buffer_entries(p)));
  if (!buf)
    return BUSMAP_H_RESOURCE;
  struct Over {
    const Simple *d;
    const SectionArray *a;
  } over{&d, &a};
  const std::int64_t rc = busmap::impl::quiesced_reregister(
      p, busmap::impl::DataPathRules{}, d.rereg_failed,
      [&] {
        const std::int64_t rc = busmap::impl::mr_reregister(p, d.mr, a.count, buf, [&](auto &&fn) {
          for (std::size_t i = 0; i < a.count && fn(a.at[i]); ++i) {
          }
        });
        if (install && rc == BUSMAP_H_SUCCESS)
          publish(d, a);
        return rc;
      },
      [](void *arg, std::uint64_t phys) {
        const auto *o = static_cast<const Over *>(arg);
        return lookup(*o->d, *o->a, phys);
      },
      &over, [] {});
  p.free(p.ctx, buf);
  return rc;
}

// Makes `next` the map.  On failure the old map keeps (or gets back) its MR
// when possible; answers whether `next` took effect.
bool install(Simple &d, SectionArray next) {
  if (register_mr(d, next, /*install=*/true) == BUSMAP_H_SUCCESS)
    return true;
  release(d.p, next);
  if (!d.mr.live && register_mr(d, d.map) != BUSMAP_H_SUCCESS) {
    log_err(d.p, "simple: MR re-registration failed; driver inoperable");
    d.inoperable = true;
  }
  return false;
}

// --- Set operations on sorted section arrays. ------------------------------

// The sections of [start_pfn, +nr_pages) that may be mapped (not gigantic).
template <class Fn> void for_each_section(const busmap_platform *p, std::uint64_t start_pfn,
                                          std::uint64_t nr_pages, Fn fn) {
  const std::uint32_t to_section = p->section_shift - p->page_shift;
  const std::uint64_t first = start_pfn >> to_section;
  const std::uint64_t last = (start_pfn + nr_pages - 1) >> to_section;
  for (std::uint64_t s = first; s <= last; ++s)
    if (!p->is_gigantic(p->ctx, s << to_section))
      fn(s);
}

// a with the block's sections added (add) or taken out (!add); false if out of memory.
bool edit(const busmap_platform *p, const SectionArray &a, std::uint64_t start_pfn,
          std::uint64_t nr_pages, bool add, SectionArray *out) {
  std::size_t extra = 0;
  if (add)
    for_each_section(p, start_pfn, nr_pages, [&](std::uint64_t) { ++extra; });
  const std::size_t cap = a.count + extra;
  SectionArray r;
  r.at = static_cast<std::uint64_t *>(p->alloc(p->ctx, sizeof(std::uint64_t) * (cap ? cap : 1)));
  if (!r.at)
    return false;
  std::copy(a.at, a.at + a.count, r.at);
  r.count = a.count;
  for_each_section(p, start_pfn, nr_pages, [&](std::uint64_t s) {
    auto *end = r.at + r.count;
    auto *it = std::lower_bound(r.at, end, s);
    const bool present = it != end && *it == s;
    if (add && !present) {
      std::copy_backward(it, end, end + 1);
      *it = s;
      ++r.count;
    } else if (!add && present) {
      std::copy(it + 1, end, it);
      --r.count;
    }
  });
  *out = r;
  return true;
}

// --- The ABI. ----------------------------------------------------------------

int collect_ram(void *arg, std::uint64_t start_pfn, std::uint64_t nr_pages) {
  auto &d = *static_cast<Simple *>(arg);
  SectionArray next;
  if (!edit(d.p, d.map, start_pfn, nr_pages, true, &next))
    return -1;
  publish(d, next);
  return 0;
}

void simple_unload(void *drv);

void *simple_load(const busmap_platform *p) {
  const busmap::impl::OnlineMemsLock hotplug(*p); // no online/offline half done while we build
  auto *d = static_cast<Simple *>(p->alloc(p->ctx, sizeof(Simple)));
  if (!d)
    return nullptr;
  d->p = p;
  if (busmap::impl::walk_online_ram(*p, collect_ram, d) != 0 || register_mr(*d, d->map) != BUSMAP_H_SUCCESS) {
    log_err(p, "simple: load failed");
    simple_unload(d);
    return nullptr;
  }
  return d;
}

void simple_unload(void *drv) {
  auto *d = static_cast<Simple *>(drv);
  const busmap_platform *p = d->p;
  p->stop_traffic(p->ctx); // close the port before its MR goes
  busmap::impl::mr_release_retrying(*p, d->mr);
  release(p, d->map);
  p->free(p->ctx, d);
}

int update(Simple &d, std::uint64_t start_pfn, std::uint64_t nr_pages, bool add, bool can_veto) {
  if (d.inoperable) {
    // An MR the firmware would not free may still hold this memory: free it
    // again, and while that fails keep the memory from going offline under it.
    if (d.mr.live && busmap::impl::mr_release(*d.p, d.mr) != BUSMAP_H_SUCCESS && !add &&
        can_veto) {
      log_err(d.p, "simple: a stuck MR still holds memory; offline refused");
      return BUSMAP_NOTIFY_BAD;
    }
    return BUSMAP_NOTIFY_OK;
  }
  SectionArray next;
  bool ok = edit(d.p, d.map, start_pfn, nr_pages, add, &next) && install(d, next);
  if (ok)
    return BUSMAP_NOTIFY_OK;
  if (can_veto)
    return BUSMAP_NOTIFY_BAD;
  if (!d.inoperable) { // the change was refused but cannot be vetoed
    d.p->stop_traffic(d.p->ctx); // for good: nothing left to reach
    busmap::impl::mr_release_retrying(*d.p, d.mr);
    log_err(d.p, "simple: cannot apply a cancel event; driver inoperable");
    d.inoperable = true;
  }
  return BUSMAP_NOTIFY_OK;
}

int simple_notify(void *drv, busmap_mem_action action, std::uint64_t start_pfn,
                  std::uint64_t nr_pages) {
  auto &d = *static_cast<Simple *>(drv);
  switch (action) {
  case BUSMAP_MEM_GOING_ONLINE: return update(d, start_pfn, nr_pages, true, true);
  case BUSMAP_MEM_CANCEL_ONLINE: return update(d, start_pfn, nr_pages, false, false);
  case BUSMAP_MEM_GOING_OFFLINE: return update(d, start_pfn, nr_pages, false, true);
  case BUSMAP_MEM_CANCEL_OFFLINE: return update(d, start_pfn, nr_pages, true, false);
  case BUSMAP_MEM_ONLINE:
  case BUSMAP_MEM_OFFLINE: return BUSMAP_NOTIFY_OK;
  }
  return BUSMAP_NOTIFY_OK;
}

std::uint64_t simple_translate(void *drv, std::uint64_t addr) {
  const auto &d = *static_cast<const Simple *>(drv);
  return d.inoperable ? BUSMAP_INVALID : lookup(d, d.map, addr);
}

int simple_xmit(void *drv, std::uint64_t phys, std::uint32_t len) {
  const auto &d = *static_cast<const Simple *>(drv);
  return busmap::impl::xmit_buffer(
      *d.p, [&](std::uint64_t a) { return simple_translate(drv, a); }, phys, len, {});
}

int simple_refill_rx(void *drv, std::uint64_t phys, std::uint32_t len) {
  const auto &d = *static_cast<const Simple *>(drv);
  return busmap::impl::refill_rx_buffer(
      *d.p, [&](std::uint64_t a) { return simple_translate(drv, a); }, phys, len, {});
}

} // namespace

namespace busmap::drivers {

const busmap_driver simple = {
    BUSMAP_ABI_VERSION,
    "simple",
    "Plain canonical driver: sorted section array, whole MR rebuilt and re-registered on "
    "every change; maps at GOING_ONLINE, unmaps at GOING_OFFLINE, undoes on CANCEL.",
    BUSMAP_DRIVER_CANONICAL,
    simple_load,
    simple_unload,
    simple_notify,
    simple_translate,
    simple_xmit,
    simple_refill_rx,
};

} // namespace busmap::drivers
