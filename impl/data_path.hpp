//===- impl/data_path.hpp - the built-in drivers' data path -------*- C++ -*-===//
//
// What a driver with a device does besides its bus map (ABI 2), shared by
// every built-in driver so that none copies it:
//
//  * xmit: the buffer is translated at every HW page crossing (the MR
//    translates page by page, so that is the finest grain at which bus
//    addresses can stop being contiguous), contiguous runs are merged into
//    one entry, and the entries go out as one descriptor.  More entries
//    than max_sg, or a miss, drop the packet (the stack sees an error and
//    frees it).  eHEA instead writes the translation unchecked, the miss
//    value included: DataPathRules::post_misses.
//  * refill_rx: one receive buffer, one entry; it must be contiguous in bus
//    space, else it is not posted.
//  * around a re-registration: stop_traffic() before the old MR is freed
//    (in-flight transmits complete through it), and once the new MR is in
//    place rewrite_rx() with the new map and start_traffic().  A failed
//    re-registration leaves traffic stopped; the restore that follows
//    restarts it.  A driver that goes inoperable stays stopped.
//
// The mutants of impl/mutants/ turn one rule each off (DataPathRules).
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_IMPL_DATA_PATH_HPP
#define BUSMAP_IMPL_DATA_PATH_HPP

#include "busmap/driver.h"

#include <algorithm>
#include <cstdint>

namespace busmap::impl {

/// The data path's rules; the correct driver keeps every one.
struct DataPathRules {
  bool post_misses = false;       // eHEA: a miss is written into the descriptor
  bool stop_before_free = true;   // false: the MR is replaced while traffic runs
  bool rewrite_rx = true;         // false: posted receive buffers keep old addresses
  bool restart_after_failure = true; // false: once a re-registration failed, never restart
  /// false: table blocks a removal emptied are freed after traffic restarts
  /// (eHEA's ehea_rem_sect): a lookup on another CPU that loaded a link
  /// before the unlink can dereference the block after the free.  Freed
  /// while stopped, no lookup is in flight (the stop waited for them).
  bool free_while_stopped = true;
};

/// Entries one descriptor is built from at most: a 64 KiB packet crosses
/// at most 17 HW pages of 4 KiB; a longer or more scattered one is dropped.
inline constexpr std::uint32_t MaxXmitEntries = 32;

/// Posts `len` bytes at `phys` as one descriptor; `xlate(addr)` is the
/// driver's translation.  0 when posted, -1 when dropped.
template <class Xlate>
int xmit_buffer(const busmap_platform &p, Xlate xlate, std::uint64_t phys, std::uint32_t len,
                const DataPathRules &rules) {
  std::uint64_t bus[MaxXmitEntries];
  std::uint32_t lens[MaxXmitEntries];
  const std::uint32_t limit = std::min(p.max_sg, MaxXmitEntries);
  const std::uint64_t page = std::uint64_t{1} << p.hw_page_shift;
  std::uint32_t n = 0;
  for (std::uint64_t done = 0; done < len;) {
    const std::uint64_t at = phys + done;
    const std::uint32_t chunk =
        static_cast<std::uint32_t>(std::min<std::uint64_t>(len - done, page - (at & (page - 1))));
    const std::uint64_t b = xlate(at);
    if (b == BUSMAP_INVALID && !rules.post_misses)
      return -1; // the memory is not mapped: drop, never post the miss value
    const bool extends = n > 0 && b != BUSMAP_INVALID && bus[n - 1] != BUSMAP_INVALID &&
                         bus[n - 1] + lens[n - 1] == b;
    if (extends) {
      lens[n - 1] += chunk;
    } else {
      if (n == limit)
        return -1; // more entries than the device takes
      bus[n] = b;
      lens[n++] = chunk;
    }
    done += chunk;
  }
  return p.post_tx(p.ctx, bus, lens, n);
}

/// Posts one receive buffer of `len` bytes at `phys`: 0, or -1 when it is
/// not mapped or not contiguous in bus space.
template <class Xlate>
int refill_rx_buffer(const busmap_platform &p, Xlate xlate, std::uint64_t phys, std::uint32_t len,
                     const DataPathRules &rules) {
  const std::uint64_t b = xlate(phys);
  if (b == BUSMAP_INVALID && !rules.post_misses)
    return -1;
  const std::uint64_t page = std::uint64_t{1} << p.hw_page_shift;
  for (std::uint64_t at = (phys | (page - 1)) + 1; at - phys < len; at += page)
    if (b != BUSMAP_INVALID && xlate(at) != b + (at - phys))
      return -1;
  return p.post_rx(p.ctx, b, len);
}

/// Replaces the MR with the device quiesced (see the file comment).
/// `rereg()` answers the hcall status; `xlate_fn(arg, phys)` is the map as
/// it is once rereg() returned, for rewrite_rx.  `failed_once` is the
/// driver's memory of a failed re-registration (for the mutant only).
/// `while_stopped()` runs after a successful rereg() with traffic still
/// stopped (the frees of free_while_stopped).
template <class Rereg, class WhileStopped>
std::int64_t quiesced_reregister(const busmap_platform &p, const DataPathRules &rules,
                                 bool &failed_once, Rereg rereg,
                                 std::uint64_t (*xlate_fn)(void *, std::uint64_t), void *arg,
                                 WhileStopped while_stopped) {
  if (rules.stop_before_free)
    p.stop_traffic(p.ctx);
  const std::int64_t rc = rereg();
  if (!rules.stop_before_free)
    p.stop_traffic(p.ctx);
  if (rc != BUSMAP_H_SUCCESS) {
    failed_once = true;
    return rc; // stopped until a re-registration succeeds
  }
  while_stopped();
  if (rules.rewrite_rx)
    p.rewrite_rx(p.ctx, xlate_fn, arg);
  if (rules.restart_after_failure || !failed_once)
    p.start_traffic(p.ctx);
  return rc;
}

} // namespace busmap::impl

#endif // BUSMAP_IMPL_DATA_PATH_HPP
