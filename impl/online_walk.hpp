//===- impl/online_walk.hpp - walk the online part of System RAM --*- C++ -*-===//
//
// Under ABI 2, walk_ram reports every block the partition has added, online
// or not, as Linux's walk_system_ram_range() does.  A correct driver maps
// online memory only, so it splits each reported range into the runs of
// sections that is_online() answers nonzero for (one query per section,
// like pfn_to_online_page() per section in a kernel driver) and hands
// those runs to its usual walk callback.  The eHEA port does not: it maps
// what the walk reports, as eHEA's ehea_create_busmap() does.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_IMPL_ONLINE_WALK_HPP
#define BUSMAP_IMPL_ONLINE_WALK_HPP

#include "busmap/driver.h"

#include <cstdint>

namespace busmap::impl {

using WalkCallback = int (*)(void *arg, std::uint64_t start_pfn, std::uint64_t nr_pages);

/// walk_ram restricted to online memory: cb gets each maximal run of online
/// sections, ascending; stops at and answers cb's first nonzero answer.
inline int walk_online_ram(const busmap_platform &p, WalkCallback cb, void *arg) {
  struct Split {
    const busmap_platform &p;
    WalkCallback cb;
    void *arg;
  } split{p, cb, arg};
  return p.walk_ram(
      p.ctx,
      [](void *a, std::uint64_t pfn, std::uint64_t pages) {
        const auto &s = *static_cast<Split *>(a);
        const std::uint64_t step = std::uint64_t{1} << (s.p.section_shift - s.p.page_shift);
        std::uint64_t run = pfn, len = 0;
        for (std::uint64_t at = pfn; at - pfn < pages; at += step) {
          if (s.p.is_online(s.p.ctx, at)) {
            len += step;
            continue;
          }
          if (len != 0)
            if (int rc = s.cb(s.arg, run, len))
              return rc;
          run = at + step, len = 0;
        }
        return len != 0 ? s.cb(s.arg, run, len) : 0;
      },
      &split);
}

/// The memory hotplug lock for reading around a driver's load, as
/// get_online_mems()/put_online_mems(): no online or offline is in progress
/// while it is held.
class OnlineMemsLock {
public:
  explicit OnlineMemsLock(const busmap_platform &p) : p_(p) { p_.get_online_mems(p_.ctx); }
  ~OnlineMemsLock() { p_.put_online_mems(p_.ctx); }
  OnlineMemsLock(const OnlineMemsLock &) = delete;
  OnlineMemsLock &operator=(const OnlineMemsLock &) = delete;

private:
  const busmap_platform &p_;
};

} // namespace busmap::impl

#endif // BUSMAP_IMPL_ONLINE_WALK_HPP
