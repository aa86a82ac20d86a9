// The table of the mutant zoo: deliberately broken drivers, each with the
// invariant expected to catch it (tests/drivers holds each to it on a
// handwritten catching trace; docs/MUTANTS.md explains each bug).
#include "impl/mutants/mutants.hpp"
#include "impl/registry.hpp"

namespace busmap {
namespace {

constexpr Implementation mutant(const busmap_driver &d, const char *invariant) {
  return {&d, "mutant", Expect::Fail, Expect::Fail, invariant};
}

} // namespace

std::span<const Implementation> builtin_mutants() {
  using namespace mutants;
  static const Implementation table[] = {
      mutant(rank_off_by_one, "device-view"),
      mutant(insert_rerank_off_by_one, "device-view"),
      mutant(no_rerank_on_remove, "device-view"),
      mutant(appended_not_ranked, "device-view"),
      mutant(length_drift_on_repeat, "mr-length"),
      mutant(miss_is_zero, "exact-miss"),
      mutant(high_bits_masked, "exact-miss"),
      mutant(no_height_check, "exact-miss"),
      mutant(index_fields_overlap, "coverage"),
      mutant(section_base_int32, "no-holes"),
      mutant(offset_mask_short, "device-view"),
      mutant(empty_block_leaked, "footprint"),
      mutant(chunk_513, "clean-failure"),
      mutant(final_chunk_dropped, "mr-length"),
      mutant(declared_length_long, "mr-length"),
      mutant(gigantic_not_skipped, "no-holes"),
      mutant(no_readd_on_cancel_offline, "coverage"),
      mutant(unmap_at_offline, "reclaimable"),
      mutant(partial_update_on_alloc_failure, "device-view"),
      mutant(mr_double_free_on_error, "clean-failure"),
      mutant(maps_offline_at_load, "exact-miss"),
      mutant(loads_without_hotplug_lock, "reclaimable"),
      mutant(rpages_512_hardcoded, "clean-failure"),
      mutant(mr_freed_before_stop, "dma-unquiesced"),
      mutant(miss_posted, "dma-miss"),
      mutant(rx_not_rewritten, "dma-misdirected"),
      mutant(no_restart_after_failure, "traffic-stopped"),
      mutant(block_freed_while_linked, "crash"),
  };
  return table;
}

} // namespace busmap
