//===- impl/lazy.cpp - a bus map without a memory notifier -------------------===//
//
// The "version without an external notifier" of the seed discussion: the
// driver never listens to hotplug events.  When a translation misses, it
// walks the online memory again and, if the memory changed, rebuilds the
// map and re-registers the MR; then it looks again.
//
// What the oracle finds (docs/DRIVERS.md): nothing tells the driver when a
// block goes away, so after GOING_OFFLINE the MR still holds the block's
// pages while they migrate, and reclaim is refused: `reclaimable` fails in
// both modes.  Memory that just came online is picked up only on a miss,
// which the strict mode also flags.
//
//===----------------------------------------------------------------------===//
#include "impl/driver_object.hpp"
#include "impl/drivers.hpp"
#include "impl/online_walk.hpp"
#include "impl/radix_driver.hpp"
#include "impl/simple_maps.hpp"


namespace busmap::drivers {
namespace {

using Sections = impl::ScanMap<impl::RadixPolicy>;

struct Lazy {
  explicit Lazy(const busmap_platform &p)
      : p(p), map({p.ctx, p.alloc, p.free}, p.section_shift, p.bus_start) {}
  const busmap_platform p;
  Sections map;
  impl::MrState mr;
  std::uint64_t *buf = nullptr;
  std::uint64_t walked = 0; // sections seen by the current walk
  bool differs = false, failed = false;
};

std::uint32_t to_sections(const busmap_platform &p) { return p.section_shift - p.page_shift; }

/// walk_ram callback: does the online memory still equal the map?
int compare_range(void *arg, std::uint64_t pfn, std::uint64_t pages) {
  auto *d = static_cast<Lazy *>(arg);
  const std::uint64_t first = pfn >> to_sections(d->p), count = pages >> to_sections(d->p);
  for (std::uint64_t s = first; s - first < count; ++s) {
    if (d->p.is_gigantic(d->p.ctx, s << to_sections(d->p)))
      continue;
    if (d->map.lookup(s) != d->walked++)
      return d->differs = true, 1;
  }
  return 0;
}

int add_range(void *arg, std::uint64_t pfn, std::uint64_t pages) {
  auto *d = static_cast<Lazy *>(arg);
  const std::uint64_t first = pfn >> to_sections(d->p), count = pages >> to_sections(d->p);
  if (!d->map.reserve(first, count))
    return d->failed = true, 1;
  for (std::uint64_t s = first; s - first < count; ++s)
    if (!d->p.is_gigantic(d->p.ctx, s << to_sections(d->p)))
      d->map.set(s, 0);
  return 0;
}

/// Rebuilds map and MR when the online memory changed.  False on failure
/// (logged; the driver is then left with no map and no MR).
bool refresh(Lazy *d) {
  d->walked = 0;
  d->differs = false;
  impl::walk_online_ram(d->p, compare_range, d);
  if (!d->differs && d->walked == d->map.present() && d->mr.live == (d->walked != 0))
    return true;
  d->map.clear();
  d->failed = false;
  impl::walk_online_ram(d->p, add_range, d);
  if (!d->failed &&
      impl::mr_reregister(d->p, d->mr, d->map.present(), d->buf, [&](auto &&fn) {
        d->map.for_each_present([&](std::uint64_t s, std::uint32_t) { return fn(s); });
      }) == BUSMAP_H_SUCCESS)
    return true;
  d->p.log(d->p.ctx, BUSMAP_LOG_ERR, "lazy: cannot rebuild the bus map");
  impl::mr_release_retrying(d->p, d->mr);
  d->map.clear();
  return false;
}

void *lazy_load(const busmap_platform *p) {
  const impl::OnlineMemsLock hotplug(*p);
  Lazy *d = impl::create_driver<Lazy>(*p);
  if (!d)
    return nullptr;
  if (!d->buf || !refresh(d)) {
    impl::destroy_driver(d);
    return nullptr;
  }
  return d;
}

void lazy_unload(void *drv) { impl::destroy_driver(static_cast<Lazy *>(drv)); }

int lazy_notify(void *, busmap_mem_action, std::uint64_t, std::uint64_t) {
  return BUSMAP_NOTIFY_OK; // no notifier: that is the design
}

std::uint64_t lazy_translate(void *drv, std::uint64_t addr) {
  auto *d = static_cast<Lazy *>(drv);
  auto hit = [&] {
    const std::uint32_t slot = d->map.lookup(addr >> d->p.section_shift);
    return arith::translate_slot(d->p.bus_start,
                                 slot == impl::slot_miss ? BUSMAP_INVALID : slot,
                                 std::uint64_t{d->p.section_shift}, addr);
  };
  const std::uint64_t bus = hit();
  if (bus != BUSMAP_INVALID || !refresh(d))
    return bus;
  return hit();
}

} // namespace

const busmap_driver lazy = {
    BUSMAP_ABI_VERSION,
    "lazy",
    "No memory notifier: a translation miss walks online memory and, if it changed, rebuilds "
    "the map and re-registers. Never hears of GOING_OFFLINE, so the MR still holds a block "
    "while it migrates: fails `reclaimable`.",
    BUSMAP_DRIVER_CANONICAL,
    lazy_load,
    lazy_unload,
    lazy_notify,
    lazy_translate,
    nullptr, // xmit: no data path
    nullptr, // refill_rx
};

} // namespace busmap::drivers
