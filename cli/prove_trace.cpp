// Counterexample -> Trace, and the oracle's verdict on it (prove_trace.hpp).
#include "cli/prove_trace.hpp"

#include "properties/checker.hpp"
#include "impl/registry.hpp"
#include "properties/oracle.hpp"

#include <algorithm>
#include <map>

namespace busmap::cli {

const char *mutant_driver_for(const std::string &arith_mutant) {
  static const std::map<std::string, const char *> drivers = {
      {"slot_in_run_off_by_one", "rank-off-by-one"},
      {"slot_after_insert_run_strict", "insert-rerank-off-by-one"},
      {"slot_after_remove_run_none", "no-rerank-on-remove"},
      {"section_of_masked48", "high-bits-masked"},
      {"fits_height_unchecked", "no-height-check"},
      {"inner_index_overlap", "index-fields-overlap"},
      {"section_base_int32", "section-base-int32"},
      {"offset_in_section_short_mask", "offset-mask-short"},
      {"translate_slot_miss_zero", "miss-is-zero"},
  };
  auto it = drivers.find(arith_mutant);
  return it == drivers.end() ? nullptr : it->second;
}

namespace {

PlatformConfig config_for(const smt::Counterexample &cex) {
  PlatformConfig c;
  c.section_shift = cex.section_shift;
  c.page_shift = std::min<std::uint32_t>(c.page_shift, cex.section_shift);
  c.hw_page_shift = std::min(c.hw_page_shift, c.page_shift);
  c.block_shift = std::max(c.block_shift, cex.section_shift);
  c.gigantic_shift = std::max(c.gigantic_shift, cex.section_shift);
  c.bus_start = cex.bus_start;
  return c;
}

/// Present sections as online blocks: maximal runs of consecutive sections,
/// except that a run to be removed is a block of its own (the hotplug unit).
std::vector<BlockSpec> blocks_for(const smt::Counterexample &cex) {
  const bool removing = cex.step == smt::Counterexample::Step::RemoveRun;
  auto boundary = [&](std::uint64_t s) {
    return removing && (s == cex.run_first || s == cex.run_first + cex.run_count);
  };
  std::vector<BlockSpec> out;
  for (std::uint64_t s : cex.present) {
    const std::uint64_t base = s << cex.section_shift;
    if (!out.empty() && (out.back().base >> cex.section_shift) + out.back().sections == s &&
        !boundary(s))
      ++out.back().sections;
    else
      out.push_back({base, 1, BlockState::Online});
  }
  return out;
}

} // namespace

Trace counterexample_trace(const smt::Counterexample &cex) {
  Trace t;
  t.layout.config = config_for(cex);
  t.layout.blocks = blocks_for(cex);
  t.mode = Mode::Strict;
  t.ops.push_back({.kind = OpKind::Load});
  const std::uint64_t run = cex.run_first << cex.section_shift;
  switch (cex.step) {
  case smt::Counterexample::Step::Translate:
    t.ops.push_back({.kind = OpKind::Translate, .addr = cex.address});
    break;
  case smt::Counterexample::Step::AddRun:
    t.ops.push_back({.kind = OpKind::Add, .addr = run, .sections = cex.run_count});
    t.ops.push_back({.kind = OpKind::Online, .addr = run});
    break;
  case smt::Counterexample::Step::RemoveRun:
    t.ops.push_back({.kind = OpKind::Offline, .addr = run});
    t.ops.push_back({.kind = OpKind::Remove, .addr = run});
    break;
  }
  return t;
}

TraceCheck check_trace(const Trace &trace, const std::string &mutant_driver) {
  TraceCheck out;
  if (auto e = trace.layout.validate(); !e.empty()) {
    out.detail = "the counterexample's layout is not valid: " + e;
    return out;
  }
  const Implementation *mutant = find_implementation(mutant_driver);
  const Implementation *radix = find_implementation("radix");
  if (!mutant || !radix) {
    out.detail = "no built-in driver '" + (mutant ? std::string("radix") : mutant_driver) + "'";
    return out;
  }
  // Driver code, if built in: run as every command runs it (isolated).
  const TraceRun bad = run_trace(*mutant->driver, trace, Mode::Strict, IsolationOptions{});
  out.mutant_fails = bad.violation.has_value();
  if (out.mutant_fails)
    out.invariant = bad.violation->invariant;
  const TraceRun good = run_trace(*radix->driver, trace, Mode::Strict, IsolationOptions{});
  out.correct_passes = !good.violation;
  if (!out.mutant_fails)
    out.detail = mutant_driver + " passes the trace";
  else if (!out.correct_passes)
    out.detail = "radix fails it too (" + good.violation->invariant + ")";
  return out;
}

} // namespace busmap::cli
