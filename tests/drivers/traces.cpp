// The handwritten traces of traces.hpp.
#include "tests/drivers/traces.hpp"

#include "busmap/driver.h"
#include "properties/oracle.hpp"
#include "tests/support/trace_builder.hpp"

namespace busmap::testing {
namespace {

constexpr std::uint64_t LMB = 256 * MiB;    // ppc64 memory block
constexpr std::uint64_t High = 1ull << 60;  // the sparse example's far block
constexpr std::uint64_t Top = 0ull - LMB;   // a block ending at 2^64
constexpr std::uint64_t Above55 = 1ull << 55; // sections >= 2^31

/// 64 MiB gigantic pages (four 16 MiB sections), so a gigantic page fits a block.
PlatformConfig small_gigantic() {
  PlatformConfig c;
  c.gigantic_shift = 26;
  return c;
}

/// Firmware that takes at most 256 pages per h_register_pages call.
PlatformConfig rpages_256() {
  PlatformConfig c;
  c.max_rpages = 256;
  return c;
}

PlatformConfig x86() {
  PlatformConfig c;
  c.section_shift = 27;
  c.page_shift = 12;
  c.block_shift = 27;
  return c;
}

/// A layout with memory at 0 and at 1 GiB, and an offline LMB between.
TraceBuilder two_blocks_and_a_gap() {
  return TraceBuilder().block(0, LMB).block(GiB, LMB).block(LMB, LMB, BlockState::Offline);
}

} // namespace

std::vector<NamedTrace> behaviour_suite() {
  std::vector<NamedTrace> s;
  auto add = [&](std::string name, const TraceBuilder &b) { s.push_back({name, b.build()}); };

  add("dense-load-unload", TraceBuilder().block(0, GiB).load().translate(0).translate(GiB - 1)
                               .translate(GiB).unload());
  add("hot-add-above", TraceBuilder().block(0, LMB).load().add(2 * GiB, LMB).online(2 * GiB)
                           .translate(2 * GiB + 5).offline(2 * GiB).remove(2 * GiB).unload());
  add("hot-add-below", two_blocks_and_a_gap().load().online(LMB).translate(GiB + 77)
                           .offline(LMB).translate(GiB + 77).unload());
  add("hot-remove-middle", TraceBuilder().block(0, LMB).block(LMB, LMB).block(2 * LMB, LMB)
                               .load().offline(LMB).remove(LMB).translate(2 * LMB).unload());
  add("remove-all-and-back", TraceBuilder().block(0, LMB).load().offline(0).translate(0)
                                 .online(0).translate(0).unload());
  add("online-vetoed", two_blocks_and_a_gap().load().online(LMB, Veto::Before)
                           .online(LMB, Veto::After).online(LMB).unload());
  add("offline-vetoed", two_blocks_and_a_gap().load().offline(GiB, Veto::Before)
                            .offline(GiB, Veto::After).translate(GiB).unload());
  add("migration-fails", two_blocks_and_a_gap().load().offline(GiB, Veto::None, true)
                             .translate(GiB).offline(GiB).unload());
  add("refused-ops", TraceBuilder().block(0, LMB).load().load().online(0).offline(GiB)
                         .remove(0).unload());
  add("reload", two_blocks_and_a_gap().load().online(LMB).unload().load().offline(0).unload());
  // Faults at each firmware call of a re-registration, on events that can
  // veto (GOING_*) and on one that cannot (CANCEL_OFFLINE after migration).
  for (std::uint32_t nth : {1u, 2u, 3u, 10u}) {
    add("hcall-fault-online-" + std::to_string(nth),
        two_blocks_and_a_gap().load().fault_hcall(nth, BUSMAP_H_HARDWARE).online(LMB)
            .translate(LMB).online(LMB).unload());
    add("hcall-fault-offline-" + std::to_string(nth),
        two_blocks_and_a_gap().load().fault_hcall(nth, BUSMAP_H_HARDWARE).offline(GiB)
            .translate(GiB).offline(GiB).unload());
  }
  add("hcall-fault-cancel-offline",
      two_blocks_and_a_gap().load().fault_hcall(133, BUSMAP_H_HARDWARE) // the CANCEL_OFFLINE re-registration
          .offline(GiB, Veto::None, true).translate(GiB).online(LMB).unload());
  add("hcall-fault-load", TraceBuilder().block(0, LMB).fault_hcall(2, BUSMAP_H_RESOURCE).load()
                              .load().unload());
  for (std::uint32_t nth : {1u, 2u, 3u}) {
    add("alloc-fault-load-" + std::to_string(nth),
        TraceBuilder().block(0, LMB).block(High, 16 * MiB).fault_alloc(nth).load().load()
            .unload());
    add("alloc-fault-online-high-" + std::to_string(nth),
        TraceBuilder().block(0, LMB).block(High, 16 * MiB, BlockState::Offline).load()
            .fault_alloc(nth).online(High).translate(High).online(High).unload());
  }
  add("sparse-high", TraceBuilder().block(0, LMB).block(High, 16 * MiB).load().translate(High)
                         .translate(High + 16 * MiB).offline(High).translate(High).online(High)
                         .unload());
  add("top-of-space", TraceBuilder().block(0, LMB).block(Top, LMB).load().translate(~0ull)
                          .offline(Top).translate(~0ull).online(Top).unload());
  s.back().beyond_ehea_index = true;
  add("above-2^55", TraceBuilder().block(0, LMB).block(Above55, LMB, BlockState::Offline).load()
                        .online(Above55).translate(Above55 + LMB - 1).offline(Above55)
                        .remove(Above55).unload());
  add("gigantic", TraceBuilder().config(small_gigantic()).block(0, LMB).gigantic(64 * MiB)
                      .block(GiB, LMB, BlockState::Offline).gigantic(GiB).load()
                      .translate(64 * MiB).online(GiB).translate(GiB + 64 * MiB).offline(GiB)
                      .unload());
  add("x86-64", TraceBuilder().config(x86()).block(0, GiB).block(4 * GiB, 128 * MiB,
                                                                  BlockState::Offline)
                    .load().online(4 * GiB).offline(128 * MiB).translate(4 * GiB).unload());
  return s;
}

} // namespace busmap::testing

namespace busmap::testing {

const std::map<std::string, Trace> &catching_traces() {
  static const std::map<std::string, Trace> traces = [] {
    std::map<std::string, Trace> m;
    auto add = [&](const std::string &name, const char *invariant, TraceBuilder b) {
      Trace t = b.build();
      t.expect_fail = invariant;
      m.emplace(name, t);
    };
    const auto gap = two_blocks_and_a_gap;
    // Seed drivers expected to fail.
    // eHEA maps every block walk_ram reports: the offline one too.
    add("ehea", inv::ExactMiss, gap().load());
    // A 16 MiB table the allocator serves, far above the footprint bound.
    add("flat", inv::Footprint, TraceBuilder().block(0, LMB).block(1ull << 46, 16 * MiB).load());
    add("lazy", inv::Reclaimable, gap().load().offline(GiB));
    // The 1:1 map spans the hole between the blocks: an MR longer than
    // partition memory, which the firmware refuses (the MR length rule).
    add("identity-dup", inv::MrLength, TraceBuilder().block(0, LMB).block(4 * LMB, LMB).load());
    // Arithmetic.
    add("rank-off-by-one", inv::DeviceView, TraceBuilder().block(0, LMB).load());
    add("insert-rerank-off-by-one", inv::DeviceView, gap().load().online(LMB));
    add("no-rerank-on-remove", inv::DeviceView,
        TraceBuilder().block(0, LMB).block(LMB, LMB).block(2 * LMB, LMB).load().offline(LMB));
    add("appended-not-ranked", inv::DeviceView, gap().load().online(LMB));
    add("miss-is-zero", inv::ExactMiss, TraceBuilder().block(0, LMB).load());
    // The oracle probes the bus start, 2^63, as a physical address.
    add("high-bits-masked", inv::ExactMiss, TraceBuilder().block(0, LMB).load());
    add("no-height-check", inv::ExactMiss, TraceBuilder().block(0, LMB).load());
    // Section 2^18 (4 TiB) loses bit 18 and lands on section 0.
    add("index-fields-overlap", inv::Coverage,
        TraceBuilder().block(0, LMB).block(4 * TiB, LMB).load().translate(4 * TiB));
    // The base wraps in 32 bits: the firmware refuses a page that is not partition memory.
    add("section-base-int32", inv::NoHoles,
        TraceBuilder().block(0, LMB).block(Above55, LMB).load());
    add("offset-mask-short", inv::DeviceView, TraceBuilder().block(0, LMB).load());
    // Bookkeeping.
    add("length-drift-on-repeat", inv::MrLength,
        gap().block(2 * GiB, LMB, BlockState::Offline).load().online(LMB));
    add("empty-block-leaked", inv::Footprint,
        TraceBuilder().block(0, LMB).block(High, 16 * MiB).load().offline(High).unload());
    // Registration.
    add("chunk-513", inv::CleanFailure, TraceBuilder().block(0, LMB).load());
    // A call of 512 pages where the firmware takes 256: refused, the driver fails its load.
    add("rpages-512-hardcoded", inv::CleanFailure,
        TraceBuilder().config(rpages_256()).block(0, LMB).load());
    add("final-chunk-dropped", inv::MrLength, TraceBuilder().block(0, LMB).load());
    add("declared-length-long", inv::MrLength,
        TraceBuilder().block(0, LMB).block(LMB, LMB, BlockState::Offline).load());
    // The firmware refuses the gigantic page's pages: a hole rule, reported as such.
    add("gigantic-not-skipped", inv::NoHoles,
        TraceBuilder().config(small_gigantic()).block(0, LMB).gigantic(64 * MiB).load());
    // Protocol.
    add("no-readd-on-cancel-offline", inv::Coverage,
        gap().load().offline(GiB, Veto::None, true));
    add("unmap-at-offline", inv::Reclaimable, gap().load().offline(GiB));
    // ABI 2: the walk reports offline blocks; the hotplug window.
    add("maps-offline-at-load", inv::ExactMiss, gap().load());
    add("loads-without-hotplug-lock", inv::Reclaimable,
        gap().phase(OpKind::Offline, GiB, HotplugPhase::Going).load());
    // The data path (issue 12): a buffer posted across a re-registration.
    add("mr-freed-before-stop", inv::DmaUnquiesced, gap().load().op({OpKind::Rx, 0x1000}).online(LMB));
    // A buffer the stack still has in a block going offline: unmapped at GOING_OFFLINE.
    add("miss-posted", inv::DmaMiss,
        gap().load().phase(OpKind::Offline, GiB, HotplugPhase::Going)
            .op({OpKind::Xmit, GiB + 0x40}).op({OpKind::Dma}));
    // The block onlined below the buffer moves it up one rank.
    add("rx-not-rewritten", inv::DmaMisdirected,
        gap().load().op({OpKind::Rx, GiB + 0x1000}).online(LMB).op({OpKind::Dma}));
    // The new MR's h_alloc_mr fails: vetoed and restored, but left stopped.
    add("no-restart-after-failure", inv::TrafficStopped,
        gap().load().fault_hcall(2, BUSMAP_H_RESOURCE).online(LMB));
    // Races (issue 12 section 2): the block at 2^60 is alone on its path of
    // inner nodes; its offline frees the leaf (point 2, after start_traffic)
    // and then the inner nodes, each still linked: the read racing the
    // first inner node's free follows its poisoned child pointer.
    add("block-freed-while-linked", inv::Crash,
        TraceBuilder().block(0, LMB).block(High, 16 * MiB).load().offline(High).race(3, High));
    // Error paths.
    add("partial-update-on-alloc-failure", inv::DeviceView,
        TraceBuilder().block(0, LMB).block(High / 2, LMB, BlockState::Offline)
            .block(High, 16 * MiB).load().fault_alloc(1).online(High / 2).translate(High));
    add("mr-double-free-on-error", inv::CleanFailure,
        gap().load().fault_hcall(3, BUSMAP_H_HARDWARE).online(LMB));
    return m;
  }();
  return traces;
}

} // namespace busmap::testing
