// The radix-driver mutants: RadixPolicy with one member shadowed.  The
// arithmetic ones take their broken function from arith_mutants.hpp, the
// very template smt/ shows to be wrong.
#include "impl/mutants/arith_mutants.hpp"
#include "impl/mutants/mutants.hpp"
#include "impl/radix_driver.hpp"

namespace busmap::mutants {
namespace {

using impl::CanonicalDriver;
using impl::RadixPolicy;
namespace bad = radix::mutant;

struct RankOffByOne : RadixPolicy {
  template <class S> static S slot_in_run(const S &r, const S &i) {
    return bad::slot_in_run_off_by_one(r, i);
  }
};
struct InsertRerankOffByOne : RadixPolicy {
  template <class S> static S slot_after_insert_run(const S &s, const S &r, const S &n) {
    return bad::slot_after_insert_run_strict(s, r, n);
  }
};
struct NoRerankOnRemove : RadixPolicy {
  template <class S> static S slot_after_remove_run(const S &s, const S &f, const S &n) {
    return bad::slot_after_remove_run_none(s, f, n);
  }
};
struct AppendedNotRanked : RadixPolicy {
  static constexpr bool rank_new_sections = false;
};
struct LengthDriftOnRepeat : RadixPolicy {
  static constexpr bool recount_on_repeated_add = true;
  static constexpr bool check_completion = false;
};
struct MissIsZero : RadixPolicy {
  template <class W> static W translate_slot(const W &b, const W &s, const W &sh, const W &a) {
    return bad::translate_slot_miss_zero(b, s, sh, a);
  }
};
struct HighBitsMasked : RadixPolicy {
  template <class W> static W section_of(const W &a, const W &sh) {
    return bad::section_of_masked48(a, sh);
  }
};
struct NoHeightCheck : RadixPolicy {
  template <class W> static auto fits_height(const W &s, unsigned h) {
    return bad::fits_height_unchecked(s, h);
  }
};
struct IndexFieldsOverlap : RadixPolicy {
  template <class W> static W inner_index(const W &s, unsigned l) {
    return bad::inner_index_overlap(s, l);
  }
};
struct SectionBaseInt32 : RadixPolicy {
  template <class W> static W section_base(const W &s, const W &sh) {
    return bad::section_base_int32(s, sh);
  }
};
struct OffsetMaskShort : RadixPolicy {
  template <class W> static W translate_slot(const W &b, const W &s, const W &sh, const W &a) {
    return arith::select(s == arith::miss(s), arith::miss(a),
                  b + (s << sh) + bad::offset_in_section_short_mask(a, sh));
  }
};
struct EmptyBlockLeaked : RadixPolicy {
  static constexpr bool free_empty_blocks = false;
};
struct Chunk513 : RadixPolicy {
  static constexpr std::uint32_t chunk_extra = 1;
};
struct Rpages512Hardcoded : RadixPolicy {
  static constexpr std::uint32_t fixed_chunk = 512;
};
struct FinalChunkDropped : RadixPolicy {
  static constexpr bool drop_final_chunk = true;
};
struct DeclaredLengthLong : RadixPolicy {
  static constexpr std::uint64_t declared_extra_sections = 1;
  static constexpr bool check_completion = false;
};
struct GiganticNotSkipped : RadixPolicy {
  static constexpr bool skip_gigantic = false;
};
struct NoReaddOnCancelOffline : RadixPolicy {
  static constexpr bool readd_on_cancel_offline = false;
};
struct UnmapAtOffline : RadixPolicy {
  static constexpr bool unmap_at_going_offline = false;
};
struct MapsOfflineAtLoad : RadixPolicy {
  static constexpr bool map_only_online = false;
};
struct LoadsWithoutHotplugLock : RadixPolicy {
  static constexpr bool lock_at_load = false;
};
struct PartialUpdateOnAllocFailure : RadixPolicy {
  static constexpr bool rerank_before_reserve = true;
};
struct MrDoubleFreeOnError : RadixPolicy {
  static constexpr bool free_mr_again_on_error = true;
};

// The data path (impl/data_path.hpp), one rule off each.
struct MrFreedBeforeStop : RadixPolicy {
  static constexpr impl::DataPathRules data_path{.stop_before_free = false};
};
struct MissPosted : RadixPolicy {
  static constexpr impl::DataPathRules data_path{.post_misses = true};
};
struct RxNotRewritten : RadixPolicy {
  static constexpr impl::DataPathRules data_path{.rewrite_rx = false};
};
struct NoRestartAfterFailure : RadixPolicy {
  static constexpr impl::DataPathRules data_path{.restart_after_failure = false};
};
// A read path unsafe against its own update (eHEA's order in ehea_rem_sect).
struct BlockFreedWhileLinked : RadixPolicy {
  static constexpr bool unlink_before_free = false;
  static constexpr impl::DataPathRules data_path{.free_while_stopped = false};
};

} // namespace

#define BUSMAP_RADIX_MUTANT(var, Policy, name, bug)                                           \
  const busmap_driver var = CanonicalDriver<Policy>::table(name, "radix driver with a bug: " bug)

BUSMAP_RADIX_MUTANT(rank_off_by_one, RankOffByOne, "rank-off-by-one",
                    "the first mapped section gets slot 1, every bus address one section high");
BUSMAP_RADIX_MUTANT(insert_rerank_off_by_one, InsertRerankOffByOne, "insert-rerank-off-by-one",
                    "on insert, the section holding the insertion rank is not moved up");
BUSMAP_RADIX_MUTANT(no_rerank_on_remove, NoRerankOnRemove, "no-rerank-on-remove",
                    "slots above a removed block are not moved down");
BUSMAP_RADIX_MUTANT(appended_not_ranked, AppendedNotRanked, "appended-not-ranked",
                    "a hot-added block gets the next free slots, while the MR is registered in "
                    "physical order");
BUSMAP_RADIX_MUTANT(length_drift_on_repeat, LengthDriftOnRepeat, "length-drift-on-repeat",
                    "ONLINE of a block already mapped at GOING_ONLINE counts its sections again "
                    "in the declared MR length");
BUSMAP_RADIX_MUTANT(miss_is_zero, MissIsZero, "miss-is-zero",
                    "an unmapped address translates to 0 instead of all ones");
BUSMAP_RADIX_MUTANT(high_bits_masked, HighBitsMasked, "high-bits-masked",
                    "physical address bits 48..63 are dropped: 2^60 + x aliases x");
BUSMAP_RADIX_MUTANT(no_height_check, NoHeightCheck, "no-height-check",
                    "the tree never grows, its top index silently drops higher section bits");
BUSMAP_RADIX_MUTANT(index_fields_overlap, IndexFieldsOverlap, "index-fields-overlap",
                    "inner index shifted one bit short: two sections share an entry");
BUSMAP_RADIX_MUTANT(section_base_int32, SectionBaseInt32, "section-base-int32",
                    "section base computed through a signed 32-bit int: wrong pages registered "
                    "for addresses >= 2^55");
BUSMAP_RADIX_MUTANT(offset_mask_short, OffsetMaskShort, "offset-mask-short",
                    "in-section offset mask one bit short: upper half of a section translated "
                    "into the lower half");
BUSMAP_RADIX_MUTANT(empty_block_leaked, EmptyBlockLeaked, "empty-block-leaked",
                    "table blocks emptied by a removal are unlinked but never freed");
BUSMAP_RADIX_MUTANT(chunk_513, Chunk513, "chunk-513",
                    "registers 513 pages per h_register_pages call (firmware limit 512)");
BUSMAP_RADIX_MUTANT(rpages_512_hardcoded, Rpages512Hardcoded, "rpages-512-hardcoded",
                    "registers 512 pages per h_register_pages call whatever the platform's "
                    "max_rpages says");
BUSMAP_RADIX_MUTANT(final_chunk_dropped, FinalChunkDropped, "final-chunk-dropped",
                    "the last h_register_pages call is never made: the MR stays incomplete");
BUSMAP_RADIX_MUTANT(declared_length_long, DeclaredLengthLong, "declared-length-long",
                    "declares one section more than it registers and does not check completion");
BUSMAP_RADIX_MUTANT(gigantic_not_skipped, GiganticNotSkipped, "gigantic-not-skipped",
                    "sections inside gigantic pages are mapped and registered");
BUSMAP_RADIX_MUTANT(no_readd_on_cancel_offline, NoReaddOnCancelOffline,
                    "no-readd-on-cancel-offline",
                    "CANCEL_OFFLINE after a failed migration does not map the block again");
BUSMAP_RADIX_MUTANT(unmap_at_offline, UnmapAtOffline, "unmap-at-offline",
                    "unmaps at OFFLINE instead of GOING_OFFLINE: pages migrate while registered");
BUSMAP_RADIX_MUTANT(maps_offline_at_load, MapsOfflineAtLoad, "maps-offline-at-load",
                    "builds its map from every block walk_ram reports, without the is_online "
                    "filter: offline blocks are mapped at load");
BUSMAP_RADIX_MUTANT(loads_without_hotplug_lock, LoadsWithoutHotplugLock,
                    "loads-without-hotplug-lock",
                    "loads without get_online_mems(): a load inside an open GOING_OFFLINE window "
                    "maps the block whose pages are migrating");
BUSMAP_RADIX_MUTANT(partial_update_on_alloc_failure, PartialUpdateOnAllocFailure,
                    "partial-update-on-alloc-failure",
                    "re-ranks before allocating table blocks and leaves the shift behind when "
                    "an allocation fails");
BUSMAP_RADIX_MUTANT(mr_double_free_on_error, MrDoubleFreeOnError, "mr-double-free-on-error",
                    "on a failed registration, frees the already freed MR handle again");

BUSMAP_RADIX_MUTANT(mr_freed_before_stop, MrFreedBeforeStop, "mr-freed-before-stop",
                    "re-registers first and stops traffic after: the MR is freed while the "
                    "device holds entries into it");
BUSMAP_RADIX_MUTANT(miss_posted, MissPosted, "miss-posted",
                    "xmit posts the miss value for memory the map misses instead of dropping");
BUSMAP_RADIX_MUTANT(rx_not_rewritten, RxNotRewritten, "rx-not-rewritten",
                    "posted receive buffers keep their old bus addresses after a re-registration");
BUSMAP_RADIX_MUTANT(no_restart_after_failure, NoRestartAfterFailure, "no-restart-after-failure",
                    "once a re-registration failed, traffic is never restarted, even when the "
                    "restored MR is in place");
BUSMAP_RADIX_MUTANT(block_freed_while_linked, BlockFreedWhileLinked, "block-freed-while-linked",
                    "an emptied table block is freed while the table still links it, and "
                    "unlinked after, with traffic running again: a translation racing the "
                    "removal reads freed memory");

#undef BUSMAP_RADIX_MUTANT

} // namespace busmap::mutants
