//===- impl/mr_register.hpp - one MR over the mapped sections ----*- C++ -*-===//
//
// The firmware side every built-in driver shares: the single Memory Region
// that covers all mapped sections, rebuilt as the firmware demands (an MR
// cannot be resized): free the old MR, allocate one of the new length at
// bus_start, then register every HW page of every mapped section in bus
// order, max_rpages per h_register_pages call, the chunks running across
// section boundaries.  That is one free, one alloc and
// ceil(pages / max_rpages) register calls per re-registration, never one
// MR per section.
//
// Drivers keep gigantic pages out of their map, so this walker skips
// nothing: it registers exactly the sections it is handed.
//
// `Rules` carries the knobs the mutant zoo turns (chunk size, the final
// chunk, the declared length, the section-base arithmetic); the built-in
// drivers use the correct `RegisterRules`.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_IMPL_MR_REGISTER_HPP
#define BUSMAP_IMPL_MR_REGISTER_HPP

#include "busmap/driver.h"
#include "busmap/layout_arith.hpp"

#include <algorithm>
#include <cstdint>

namespace busmap::impl {

/// The correct registration; mutants derive and shadow one member.
struct RegisterRules {
  /// Pages per call beyond the firmware's max_rpages.
  static constexpr std::uint32_t chunk_extra = 0;
  /// Nonzero: pages per call whatever max_rpages says (a hard-coded limit).
  static constexpr std::uint32_t fixed_chunk = 0;
  /// Leave out the last h_register_pages call.
  static constexpr bool drop_final_chunk = false;
  /// Sections declared in the MR beyond those registered.
  static constexpr std::uint64_t declared_extra_sections = 0;
  /// Insist that only the last call completes the MR (H_SUCCESS) and every
  /// other one answers H_PAGE_REGISTERED; false accepts either answer.
  static constexpr bool check_completion = true;
  template <class W> static W section_base(const W &section, const W &shift) {
    return arith::section_base(section, shift);
  }
};

/// The driver's one MR.  `live` is true while the firmware holds it.
struct MrState {
  std::uint64_t handle = 0;
  bool live = false;
};

/// Page-list buffer entries a driver must allocate for `Rules`.
template <class Rules = RegisterRules>
std::uint32_t register_buffer_entries(const busmap_platform &p) {
  return Rules::fixed_chunk ? Rules::fixed_chunk : p.max_rpages + Rules::chunk_extra;
}

/// Frees the MR if the firmware holds one.  Answers the firmware's code;
/// when the free fails the MR is still the firmware's, and still ours.
inline std::int64_t mr_release(const busmap_platform &p, MrState &mr) {
  if (!mr.live)
    return BUSMAP_H_SUCCESS;
  const std::int64_t rc = p.h_free_mr(p.ctx, mr.handle);
  mr.live = rc != BUSMAP_H_SUCCESS;
  return rc;
}

/// When nobody can be told of a failed free (at unload, or going
/// inoperable after an event it could not apply): try a few times, as the
/// real drivers loop on the hcall (eHEA's ehea_rem_mr retries H_BUSY),
/// before giving the MR up.
inline std::int64_t mr_release_retrying(const busmap_platform &p, MrState &mr) {
  std::int64_t rc = BUSMAP_H_SUCCESS;
  for (int tries = 0; tries < 3 && mr.live; ++tries)
    rc = mr_release(p, mr);
  return rc;
}

/// Writes the addresses of `n` consecutive HW pages from `first` into `out`.
/// A loop of its own, on locals only: filled inside the section walk, every
/// store through the buffer made the compiler reload the walk's captured
/// counters, and that loop was 43% of a `busmap check` run (docs/PERFORMANCE.md).
inline void fill_pages(std::uint64_t *out, std::uint64_t first, std::uint64_t n,
                       std::uint32_t hw_shift) {
  for (std::uint64_t k = 0; k < n; ++k)
    out[k] = first + (k << hw_shift);
}

/// Replaces the MR by one covering `sections` sections, which
/// `for_each_section(fn)` enumerates in bus order (fn(section) answers
/// false to stop).  `buf` holds register_buffer_entries() pages.  Answers
/// BUSMAP_H_SUCCESS, or the first failing firmware code; on failure the
/// old MR is still live if freeing it failed, else no MR is (an incomplete
/// new one is freed).
template <class Rules = RegisterRules, class ForEachSection>
std::int64_t mr_reregister(const busmap_platform &p, MrState &mr, std::uint64_t sections,
                           std::uint64_t *buf, ForEachSection &&for_each_section) {
  std::int64_t rc = mr_release(p, mr);
  if (rc != BUSMAP_H_SUCCESS || sections == 0)
    return rc;
  const std::uint64_t length = (sections + Rules::declared_extra_sections) << p.section_shift;
  rc = p.h_alloc_mr(p.ctx, p.bus_start, length, &mr.handle);
  if (rc != BUSMAP_H_SUCCESS)
    return rc;
  mr.live = true;

  const std::uint32_t chunk = register_buffer_entries<Rules>(p);
  const std::uint64_t pages_per_section = 1ull << (p.section_shift - p.hw_page_shift);
  const std::uint64_t total = sections * pages_per_section;
  std::uint64_t queued = 0, sent = 0;
  // Every call but the completing one must answer H_PAGE_REGISTERED.
  auto flush = [&](std::uint32_t n) -> std::int64_t {
    if (Rules::drop_final_chunk && sent + n == total)
      return BUSMAP_H_SUCCESS;
    std::int64_t r = p.h_register_pages(p.ctx, mr.handle, buf, n);
    sent += n;
    const std::int64_t want = sent == total ? BUSMAP_H_SUCCESS : BUSMAP_H_PAGE_REGISTERED;
    const bool accepted = r == BUSMAP_H_SUCCESS || r == BUSMAP_H_PAGE_REGISTERED;
    if (r == want || (!Rules::check_completion && accepted))
      return BUSMAP_H_SUCCESS;
    return accepted ? BUSMAP_H_PARAMETER : r;
  };
  const std::uint32_t hw_shift = p.hw_page_shift;
  for_each_section([&](std::uint64_t section) {
    const std::uint64_t base =
        Rules::section_base(section, static_cast<std::uint64_t>(p.section_shift));
    for (std::uint64_t i = 0; i < pages_per_section && rc == BUSMAP_H_SUCCESS;) {
      const std::uint64_t n = std::min<std::uint64_t>(pages_per_section - i, chunk - queued);
      fill_pages(buf + queued, base + (i << hw_shift), n, hw_shift);
      queued += n;
      i += n;
      if (queued == chunk) {
        rc = flush(chunk);
        queued = 0;
      }
    }
    return rc == BUSMAP_H_SUCCESS;
  });
  if (rc == BUSMAP_H_SUCCESS && queued != 0)
    rc = flush(static_cast<std::uint32_t>(queued));
  if (rc != BUSMAP_H_SUCCESS)
    mr_release(p, mr);
  return rc;
}

} // namespace busmap::impl

#endif // BUSMAP_IMPL_MR_REGISTER_HPP
