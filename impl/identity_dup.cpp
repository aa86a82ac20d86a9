//===- impl/identity_dup.cpp - the 1:1 map with duplicate pages --------------===//
//
// The simplest bus map of the seed discussion: bus address = bus start +
// physical address, one MR over [0, end of the highest online memory), with
// every hole filled by registering a page that exists (the first section's)
// again, because an MR may not have holes.  Built once at load; hotplug is
// ignored.
//
// It breaks the MR length rule: with any hole the MR is longer than the
// memory it maps.  Past the partition's memory the firmware refuses the MR
// (a failed load); within it, the firmware takes it and the oracle reports
// the page registered twice (`no-holes`), which is what the registry expects.
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

struct Identity {
  explicit Identity(const busmap_platform &p)
      : p(p), map({p.ctx, p.alloc, p.free}, p.section_shift, p.bus_start) {}
  const busmap_platform p;
  Sections map; // online sections at load
  impl::MrState mr;
  std::uint64_t *buf = nullptr;
  std::uint64_t end = 0; // one past the highest online section
};

int add_range(void *arg, std::uint64_t pfn, std::uint64_t pages) {
  auto *d = static_cast<Identity *>(arg);
  const std::uint32_t to_sections = d->p.section_shift - d->p.page_shift;
  const std::uint64_t first = pfn >> to_sections, count = pages >> to_sections;
  if (!d->map.reserve(first, count))
    return 1;
  for (std::uint64_t s = first; s - first < count; ++s)
    d->map.set(s, 0);
  d->end = first + count;
  return 0;
}

void *identity_load(const busmap_platform *p) {
  Identity *d = impl::create_driver<Identity>(*p);
  if (!d)
    return nullptr;
  bool ok = d->buf && impl::walk_online_ram(*p, add_range, d) == 0;
  if (ok && d->map.present() != 0) {
    std::uint64_t filler = 0;
    d->map.for_each_present([&](std::uint64_t s, std::uint32_t) { return filler = s, false; });
    // Position s of the MR holds section s, or the filler over a hole.
    ok = impl::mr_reregister(*p, d->mr, d->end, d->buf, [&](auto &&fn) {
           for (std::uint64_t s = 0; s < d->end; ++s)
             if (!fn(d->map.lookup(s) == impl::slot_miss ? filler : s))
               return;
         }) == BUSMAP_H_SUCCESS;
  }
  if (!ok) {
    p->log(p->ctx, BUSMAP_LOG_ERR, "identity-dup: cannot register the 1:1 MR");
    impl::destroy_driver(d);
    return nullptr;
  }
  return d;
}

void identity_unload(void *drv) { impl::destroy_driver(static_cast<Identity *>(drv)); }

int identity_notify(void *, busmap_mem_action, std::uint64_t, std::uint64_t) {
  return BUSMAP_NOTIFY_OK;
}

std::uint64_t identity_translate(void *drv, std::uint64_t addr) {
  const auto *d = static_cast<const Identity *>(drv);
  const bool mapped = d->map.lookup(addr >> d->p.section_shift) != impl::slot_miss;
  return mapped ? d->p.bus_start + addr : BUSMAP_INVALID;
}

} // namespace

const busmap_driver identity_dup = {
    BUSMAP_ABI_VERSION,
    "identity-dup",
    "Contiguous 1:1 map (bus = start + physical) over [0, highest online address), holes filled "
    "with duplicate registrations of a real page; built once at load. The MR is longer than the "
    "memory it maps: the firmware refuses it past partition memory, and within it the oracle "
    "reports the page registered twice (no-holes).",
    0,
    identity_load,
    identity_unload,
    identity_notify,
    identity_translate,
    nullptr, // xmit: no data path
    nullptr, // refill_rx
};

} // namespace busmap::drivers
