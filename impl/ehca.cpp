//===- impl/ehca.cpp - the eHCA policy: no hotplug while loaded --------------===//
//
// The eHCA InfiniBand driver's answer to memory hotplug: build the bus map
// once at load (the canonical layout over online memory), register one MR
// over all of it, and veto every GOING_ONLINE and GOING_OFFLINE while the
// adapter is in use, with a rate-limited log message saying why.  Nothing
// ever changes after load, so there is nothing to get wrong, at the price
// of forbidding DLPAR memory operations.
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

/// One message per this many vetoes, like printk_ratelimited.
constexpr std::uint64_t LogEvery = 64;

struct Ehca {
  explicit Ehca(const busmap_platform &p) : p(p), map({p.ctx, p.alloc, p.free}, p.section_shift, p.bus_start) {}
  const busmap_platform p;
  Sections map;
  impl::MrState mr;
  std::uint64_t *buf = nullptr;
  std::uint64_t vetoes = 0;
};

int add_range(void *arg, std::uint64_t pfn, std::uint64_t pages) {
  auto *d = static_cast<Ehca *>(arg);
  const std::uint32_t to_sections = d->p.section_shift - d->p.page_shift;
  const std::uint64_t first = pfn >> to_sections, count = pages >> to_sections;
  if (!d->map.reserve(first, count))
    return 1;
  for (std::uint64_t s = first; s - first < count; ++s)
    if (!d->p.is_gigantic(d->p.ctx, s << to_sections))
      d->map.set(s, 0);
  return 0;
}

void *ehca_load(const busmap_platform *p) {
  const impl::OnlineMemsLock hotplug(*p);
  Ehca *d = impl::create_driver<Ehca>(*p);
  if (!d)
    return nullptr;
  const bool ok =
      d->buf && impl::walk_online_ram(*p, add_range, d) == 0 &&
      impl::mr_reregister(*p, d->mr, d->map.present(), d->buf, [&](auto &&fn) {
        d->map.for_each_present([&](std::uint64_t s, std::uint32_t) { return fn(s); });
      }) == BUSMAP_H_SUCCESS;
  if (!ok) {
    p->log(p->ctx, BUSMAP_LOG_ERR, "ehca: cannot build the bus map or register the MR");
    impl::destroy_driver(d);
    return nullptr;
  }
  return d;
}

void ehca_unload(void *drv) { impl::destroy_driver(static_cast<Ehca *>(drv)); }

int ehca_notify(void *drv, busmap_mem_action action, std::uint64_t, std::uint64_t) {
  auto *d = static_cast<Ehca *>(drv);
  if (action != BUSMAP_MEM_GOING_ONLINE && action != BUSMAP_MEM_GOING_OFFLINE)
    return BUSMAP_NOTIFY_OK;
  if (d->vetoes++ % LogEvery == 0)
    d->p.log(d->p.ctx, BUSMAP_LOG_WARNING,
             "ehca: memory hotplug is not supported while the adapter is in use");
  return BUSMAP_NOTIFY_BAD;
}

std::uint64_t ehca_translate(void *drv, std::uint64_t addr) {
  const auto *d = static_cast<const Ehca *>(drv);
  const std::uint32_t slot = d->map.lookup(addr >> d->p.section_shift);
  return arith::translate_slot(d->p.bus_start, slot == impl::slot_miss ? BUSMAP_INVALID : slot,
                               std::uint64_t{d->p.section_shift}, addr);
}

} // namespace

const busmap_driver ehca = {
    BUSMAP_ABI_VERSION,
    "ehca",
    "The eHCA policy: the canonical map built once at load, one MR over all memory, and every "
    "GOING_ONLINE and GOING_OFFLINE vetoed with NOTIFY_BAD and a rate-limited log message.",
    BUSMAP_DRIVER_CANONICAL | BUSMAP_DRIVER_REJECTS_HOTPLUG,
    ehca_load,
    ehca_unload,
    ehca_notify,
    ehca_translate,
    nullptr, // xmit: no data path
    nullptr, // refill_rx
};

} // namespace busmap::drivers
