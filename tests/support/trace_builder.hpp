//===- tests/support/trace_builder.hpp - traces written by hand --*- C++ -*-===//
//
// A fluent builder for the handwritten traces of the unit tests, so a test
// reads like the trace file it stands for:
//
//   Trace t = TraceBuilder().block(0, 256 * MiB).load().offline(0).build();
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_TESTS_TRACE_BUILDER_HPP
#define BUSMAP_TESTS_TRACE_BUILDER_HPP

#include "properties/trace.hpp"

namespace busmap::testing {

inline constexpr std::uint64_t KiB = 1ull << 10, MiB = 1ull << 20, GiB = 1ull << 30,
                               TiB = 1ull << 40;

class TraceBuilder {
public:
  TraceBuilder &config(const PlatformConfig &c) { t_.layout.config = c; return *this; }
  TraceBuilder &mode(Mode m) { t_.mode = m; return *this; }
  TraceBuilder &block(std::uint64_t base, std::uint64_t bytes,
                      BlockState state = BlockState::Online) {
    t_.layout.blocks.push_back({base, bytes >> t_.layout.config.section_shift, state});
    return *this;
  }
  TraceBuilder &gigantic(std::uint64_t base) { t_.layout.gigantic.push_back(base); return *this; }

  TraceBuilder &load() { return op({OpKind::Load}); }
  TraceBuilder &unload() { return op({OpKind::Unload}); }
  TraceBuilder &add(std::uint64_t base, std::uint64_t bytes) {
    Op o{OpKind::Add, base};
    o.sections = bytes >> t_.layout.config.section_shift;
    return op(o);
  }
  TraceBuilder &online(std::uint64_t base, Veto veto = Veto::None) {
    Op o{OpKind::Online, base};
    o.veto = veto;
    return op(o);
  }
  TraceBuilder &offline(std::uint64_t base, Veto veto = Veto::None, bool migrate_fail = false) {
    Op o{OpKind::Offline, base};
    o.veto = veto;
    o.migrate_fail = migrate_fail;
    return op(o);
  }
  /// One phase of a split online/offline (`kind` is OpKind::Online or Offline).
  TraceBuilder &phase(OpKind kind, std::uint64_t base, HotplugPhase phase, Veto veto = Veto::None) {
    Op o{kind, base};
    o.phase = phase;
    o.veto = veto;
    return op(o);
  }
  TraceBuilder &remove(std::uint64_t base) { return op({OpKind::Remove, base}); }
  TraceBuilder &translate(std::uint64_t addr) { return op({OpKind::Translate, addr}); }
  /// count: calls failing in a row, FaultPlan::Sticky for every one from the nth on.
  TraceBuilder &fault_alloc(std::uint32_t nth, std::uint32_t count = 1) {
    Op o{OpKind::FaultAlloc};
    o.nth = nth;
    o.count = count;
    return op(o);
  }
  TraceBuilder &fault_hcall(std::uint32_t nth, std::int64_t code, std::uint32_t count = 1) {
    Op o{OpKind::FaultHcall};
    o.nth = nth;
    o.code = code;
    o.count = count;
    return op(o);
  }
  TraceBuilder &op(const Op &o) { t_.ops.push_back(o); return *this; }
  /// A translation of `addr` racing the last operation at its `at`-th
  /// preemption point (`race=AT:ADDR`).
  TraceBuilder &race(std::uint32_t at, std::uint64_t addr) {
    t_.ops.back().races.push_back({at, addr});
    return *this;
  }

  Trace build() const { return t_; }

private:
  Trace t_;
};

} // namespace busmap::testing

#endif // BUSMAP_TESTS_TRACE_BUILDER_HPP
