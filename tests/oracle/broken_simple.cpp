// Broken copies of `simple`, each one bug wrapped around the real driver;
// see broken_simple.hpp.
#include "tests/oracle/broken_simple.hpp"

#include "impl/drivers.hpp"
#include "platform/firmware.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>

namespace busmap::testing {
namespace {

const busmap_driver &inner = drivers::simple;

struct Wrapped {
  void *drv = nullptr;
  const busmap_platform *p = nullptr;
  std::map<std::uint64_t, std::uint64_t> slot_cache; // section -> bus address of its base
  void *leak = nullptr;
  busmap_platform seen{}; // the platform `simple` is given (see wrap_platform)
};

// The platform's own callbacks, for the wrappers below.  The ctx they are
// called with is the partition's, unchanged, so only these two are replaced.
// One driver is hosted at a time, so one saved copy serves.
decltype(busmap_platform::h_free_mr) real_free_mr;
decltype(busmap_platform::log) real_log;
decltype(busmap_platform::alloc) real_alloc;

std::int64_t free_until_done(void *ctx, std::uint64_t handle) {
  std::int64_t rc;
  do
    rc = real_free_mr(ctx, handle);
  while (rc != BUSMAP_H_SUCCESS && rc != BUSMAP_H_PARAMETER);
  return rc;
}

std::int64_t free_busy_is_done(void *ctx, std::uint64_t handle) {
  const std::int64_t rc = real_free_mr(ctx, handle);
  return hcall_is_busy(rc) ? BUSMAP_H_SUCCESS : rc;
}

// eHEA's ehea_rem_mr: a failed free is logged and never tried again.  The
// handles given up on live in a fixed array, not a std::set: a set node is
// plain malloc by driver code, held past unload, which footprint counts.
std::array<std::uint64_t, 16> given_up{};
std::size_t given_up_count = 0;
bool gave_up(std::uint64_t handle) {
  const auto end = given_up.begin() + std::min(given_up_count, given_up.size());
  return std::find(given_up.begin(), end, handle) != end;
}
std::int64_t free_once(void *ctx, std::uint64_t handle) {
  if (gave_up(handle))
    return BUSMAP_H_HARDWARE; // what the first try answered: no second call
  const std::int64_t rc = real_free_mr(ctx, handle);
  if (rc != BUSMAP_H_SUCCESS && !hcall_is_busy(rc)) {
    given_up[given_up_count++ % given_up.size()] = handle;
    real_log(ctx, BUSMAP_LOG_ERR, "simple-free-once: destroy MR failed");
  }
  return rc;
}

void log_and_leak(void *ctx, int level, const char *msg) {
  if (level <= BUSMAP_LOG_ERR)
    real_alloc(ctx, 64); // the table the error path forgets
  real_log(ctx, level, msg);
}

template <SimpleBug Bug> busmap_platform wrap_platform(const busmap_platform &p) {
  busmap_platform w = p;
  real_free_mr = p.h_free_mr;
  real_log = p.log;
  real_alloc = p.alloc;
  if (Bug == SimpleBug::RetriesFreeForever)
    w.h_free_mr = free_until_done;
  if (Bug == SimpleBug::TakesBusyAsDone)
    w.h_free_mr = free_busy_is_done;
  if (Bug == SimpleBug::LeaksOnFailure)
    w.log = log_and_leak;
  if (Bug == SimpleBug::GivesUpOnAFailedFree) {
    given_up_count = 0;
    w.h_free_mr = free_once;
  }
  return w;
}

template <SimpleBug Bug> void *wrapped_load(const busmap_platform *p) {
  auto *w = new Wrapped;
  w->p = p;
  w->seen = wrap_platform<Bug>(*p);
  w->drv = inner.load(&w->seen);
  if (!w->drv) {
    delete w;
    return nullptr;
  }
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
  case SimpleBug::VetoWithoutRestore:
    if (a == BUSMAP_MEM_CANCEL_OFFLINE)
      return BUSMAP_NOTIFY_OK;
    if (a == BUSMAP_MEM_GOING_OFFLINE && inner.notify(w->drv, a, pfn, n) == BUSMAP_NOTIFY_BAD) {
      w->p->log(w->p->ctx, BUSMAP_LOG_ERR, "simple-veto-no-restore: cannot unmap; vetoing");
      inner.notify(w->drv, a, pfn, n); // the bug: unmaps what it vetoes, on the second try
      return BUSMAP_NOTIFY_BAD;
    }
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
  static const busmap_driver forever = table<SimpleBug::RetriesFreeForever>("simple-free-forever");
  static const busmap_driver busy_done = table<SimpleBug::TakesBusyAsDone>("simple-busy-is-done");
  static const busmap_driver leaks_on_error =
      table<SimpleBug::LeaksOnFailure>("simple-leaks-on-error");
  static const busmap_driver no_restore =
      table<SimpleBug::VetoWithoutRestore>("simple-veto-no-restore");
  static const busmap_driver free_once_table =
      table<SimpleBug::GivesUpOnAFailedFree>("simple-free-once");
  switch (bug) {
  case SimpleBug::NoRerankOnRemove: return no_rerank;
  case SimpleBug::WrongMissValue: return wrong_miss;
  case SimpleBug::MapsAtOnline: return at_online;
  case SimpleBug::KeepsOfflinedBlock: return keeps;
  case SimpleBug::VetoesEverything: return vetoes;
  case SimpleBug::LeaksOnUnload: return leaks;
  case SimpleBug::RetriesFreeForever: return forever;
  case SimpleBug::TakesBusyAsDone: return busy_done;
  case SimpleBug::LeaksOnFailure: return leaks_on_error;
  case SimpleBug::VetoWithoutRestore: return no_restore;
  case SimpleBug::GivesUpOnAFailedFree: return free_once_table;
  }
  return no_rerank;
}

} // namespace busmap::testing
