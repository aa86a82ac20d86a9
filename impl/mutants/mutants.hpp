//===- impl/mutants/mutants.hpp - the mutant zoo's driver tables --*- C++ -*-===//
//
// The deliberately broken drivers.  Nearly all are the radix driver of
// impl/radix_driver.hpp with one policy member changed (radix_mutants.cpp);
// each name says the bug.  impl/mutants/mutants.cpp lists them with the
// invariant the oracle must name, docs/MUTANTS.md explains each.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_IMPL_MUTANTS_MUTANTS_HPP
#define BUSMAP_IMPL_MUTANTS_MUTANTS_HPP

#include "busmap/driver.h"

namespace busmap::mutants {

extern const busmap_driver rank_off_by_one, insert_rerank_off_by_one, no_rerank_on_remove,
    appended_not_ranked, length_drift_on_repeat, miss_is_zero, high_bits_masked,
    no_height_check, index_fields_overlap, section_base_int32, offset_mask_short,
    empty_block_leaked, chunk_513, final_chunk_dropped, declared_length_long,
    gigantic_not_skipped, no_readd_on_cancel_offline, unmap_at_offline,
    partial_update_on_alloc_failure, mr_double_free_on_error, maps_offline_at_load,
    loads_without_hotplug_lock, rpages_512_hardcoded, mr_freed_before_stop, miss_posted,
    rx_not_rewritten, no_restart_after_failure, block_freed_while_linked;

} // namespace busmap::mutants

#endif // BUSMAP_IMPL_MUTANTS_MUTANTS_HPP
