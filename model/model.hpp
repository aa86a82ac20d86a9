//===- model/model.hpp - the reference model ----------------------*- C++ -*-===//
//
// The executable specification: given the partition's memory state, which
// memory is DMA-live, which sections a canonical driver must map, where
// each address must land on the bus, what the one MR must look like, how a
// driver must answer a notifier event, and how much memory it may hold.
//
// Small and obviously right, not fast: interval sets of section numbers
// (Boost.ICL) and the shared arithmetic of busmap/layout_arith.hpp, the
// same templates the optimized driver runs and the Z3 proofs check.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_MODEL_MODEL_HPP
#define BUSMAP_MODEL_MODEL_HPP

#include "busmap/driver.h"
#include "platform/memory.hpp"

#include <cstdint>
#include <optional>

namespace busmap::model {

/// Sections whose pages a device may be handed (DESIGN.md §4 "DMA-live").
SectionSet dma_live(const Memory &memory, Mode mode);
/// Sections in the lenient window: may be mapped or not (empty in strict mode).
SectionSet lenient_window(const Memory &memory, Mode mode);
/// Sections a driver must map: DMA-live outside gigantic pages.
SectionSet must_map(const Memory &memory, Mode mode);
/// Sections whose pages must leave every MR: going-offline blocks.
SectionSet migrating(const Memory &memory);

/// The canonical rank layout over a set of mapped sections.
class CanonicalLayout {
public:
  CanonicalLayout(SectionSet mapped, const PlatformConfig &config);

  /// Rank of `section` among the mapped sections, if mapped.
  std::optional<std::uint64_t> rank(std::uint64_t section) const;
  /// The bus address `addr` must translate to (BUSMAP_INVALID if unmapped).
  std::uint64_t translate(std::uint64_t addr) const;
  std::uint64_t sections() const { return count_; }
  /// The MR: one region at bus_start of mr_length() bytes (none when 0).
  std::uint64_t mr_length() const;
  const SectionSet &mapped() const { return mapped_; }

private:
  SectionSet mapped_;
  PlatformConfig config_;
  std::uint64_t count_ = 0;
};

/// The answer a driver owes a GOING_* event when no fault is injected.
int expected_answer(std::uint32_t driver_flags, busmap_mem_action action);

/// Invariant 7's bound on a driver's live bytes for `sections` present sections.
std::uint64_t footprint_bound(const PlatformConfig &config, std::uint64_t sections);

} // namespace busmap::model

#endif // BUSMAP_MODEL_MODEL_HPP
