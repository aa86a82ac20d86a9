// Broken copies of `simple`, each one bug wrapped around the real driver;
// see broken_simple.hpp.
#include "tests/oracle/broken_simple.hpp"

#include "impl/drivers.hpp"

#include <cstdint>
#include <map>

namespace busmap::testing {
namespace {

const busmap_driver &inner = drivers::simple;

struct Wrapped {
  void *drv;
  const busmap_platform *p;
  std::map<std::uint64_t, std::uint64_t> slot_cache; // section -> bus address of its base
  void *leak = nullptr;
};

template <SimpleBug Bug> void *wrapped_load(const busmap_platform *p) {
  void *drv = inner.load(p);
  if (!drv)
    return nullptr;
  auto *w = new Wrapped{drv, p, {}};
  if (Bug == SimpleBug::LeaksOnUnload)
    w->leak = p->alloc(p->ctx, 64);
  return w;
}

template <SimpleBug Bug> void wrapped_unload(void *drv) {
  auto *w = static_cast<Wrapped *>(drv);
  inner.unload(w->drv);
  delete w; // the LeaksOnUnload bug: w->leak is never freed
}

template <SimpleBug Bug>
int wrapped_notify(void *drv, busmap_mem_action a, std::uint64_t pfn, std::uint64_t n) {
  auto *w = static_cast<Wrapped *>(drv);
  switch (Bug) {
  case SimpleBug::NoRerankOnRemove:
    if (a == BUSMAP_MEM_GOING_ONLINE || a == BUSMAP_MEM_CANCEL_OFFLINE)
      w->slot_cache.clear(); // re-ranks on add only
    break;
  case SimpleBug::MapsAtOnline:
    if (a == BUSMAP_MEM_GOING_ONLINE)
      return BUSMAP_NOTIFY_OK;
    if (a == BUSMAP_MEM_ONLINE)
      a = BUSMAP_MEM_GOING_ONLINE;
    break;
  case SimpleBug::KeepsOfflinedBlock:
    if (a == BUSMAP_MEM_GOING_OFFLINE)
      return BUSMAP_NOTIFY_OK;
    if (a == BUSMAP_MEM_OFFLINE)
      a = BUSMAP_MEM_GOING_OFFLINE;
    break;
  case SimpleBug::VetoesEverything:
    if (a == BUSMAP_MEM_GOING_ONLINE || a == BUSMAP_MEM_GOING_OFFLINE)
      return BUSMAP_NOTIFY_BAD;
    break;
  default:
    break;
  }
  return inner.notify(w->drv, a, pfn, n);
}

template <SimpleBug Bug> std::uint64_t wrapped_translate(void *drv, std::uint64_t addr) {
  auto *w = static_cast<Wrapped *>(drv);
  if (Bug == SimpleBug::NoRerankOnRemove) {
    const std::uint64_t s = addr >> w->p->section_shift;
    const std::uint64_t offset = addr & ((1ull << w->p->section_shift) - 1);
    if (auto it = w->slot_cache.find(s); it != w->slot_cache.end())
      return it->second + offset;
    const std::uint64_t bus = inner.translate(w->drv, addr);
    if (bus != BUSMAP_INVALID)
      w->slot_cache[s] = bus - offset;
    return bus;
  }
  const std::uint64_t bus = inner.translate(w->drv, addr);
  if (Bug == SimpleBug::WrongMissValue && bus == BUSMAP_INVALID)
    return 0;
  return bus;
}

template <SimpleBug Bug> constexpr busmap_driver table(const char *name) {
  return {BUSMAP_ABI_VERSION,      name,
          "a broken copy of simple", BUSMAP_DRIVER_CANONICAL,
          wrapped_load<Bug>,       wrapped_unload<Bug>,
          wrapped_notify<Bug>,     wrapped_translate<Bug>,
          nullptr,                 nullptr};
}

} // namespace

const busmap_driver &broken_simple(SimpleBug bug) {
  static const busmap_driver no_rerank = table<SimpleBug::NoRerankOnRemove>("simple-no-rerank");
  static const busmap_driver wrong_miss = table<SimpleBug::WrongMissValue>("simple-wrong-miss");
  static const busmap_driver at_online = table<SimpleBug::MapsAtOnline>("simple-maps-at-online");
  static const busmap_driver keeps = table<SimpleBug::KeepsOfflinedBlock>("simple-keeps-offlined");
  static const busmap_driver vetoes = table<SimpleBug::VetoesEverything>("simple-vetoes");
  static const busmap_driver leaks = table<SimpleBug::LeaksOnUnload>("simple-leaks");
  switch (bug) {
  case SimpleBug::NoRerankOnRemove: return no_rerank;
  case SimpleBug::WrongMissValue: return wrong_miss;
  case SimpleBug::MapsAtOnline: return at_online;
  case SimpleBug::KeepsOfflinedBlock: return keeps;
  case SimpleBug::VetoesEverything: return vetoes;
  case SimpleBug::LeaksOnUnload: return leaks;
  }
  return no_rerank;
}

} // namespace busmap::testing
