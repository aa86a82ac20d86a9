//===- tests/check/shrink_test.cpp - the concrete shrink passes -----------===//
//
// Shrinking keeps the failure, not just the invariant, and reaches traces
// RapidCheck's gene tree cannot: each pass of properties/shrink.hpp is shown
// needed by a failing trace that the other passes leave longer (the pass
// turned off through ShrinkBudget::passes_off), and a driver with two bugs
// shows the second one reported as another failure seen while shrinking.
//
//===----------------------------------------------------------------------===//
#include "impl/drivers.hpp"
#include "impl/mutants/mutants.hpp"
#include "properties/checker.hpp"
#include "properties/shrink.hpp"
#include "platform/fault.hpp"
#include "properties/trace_format.hpp"
#include "tests/support/patient.hpp"

#include <gtest/gtest.h>

#include <csignal>

namespace busmap {
namespace {

Trace trace_of(const std::string &body) {
  return parse_trace("busmap-trace 2\nmode strict\n" + body, "test.trace");
}

/// The operations of a trace as its file spells them, one per line.
std::string ops_of(const Trace &t) {
  std::string s;
  for (const auto &op : t.ops)
    s += format_op(op) + "\n";
  return s;
}

CheckOptions shrink_options(std::vector<std::string> passes_off = {}) {
  CheckOptions o;
  o.case_timeout = testing::PatientCaseTimeout;
  o.shrink.time = std::chrono::hours(1); // the candidate budget decides, not the machine
  o.shrink.passes_off = std::move(passes_off);
  return o;
}

Failure shrunk(const busmap_driver &d, const Trace &t, std::vector<std::string> passes_off = {}) {
  auto f = shrink_trace(d, t, shrink_options(std::move(passes_off)));
  EXPECT_TRUE(f.has_value()) << "the trace holds on " << d.name;
  return f ? *f : Failure{};
}

//===--------------------------------------------------------------------===//
// The signature.
//===--------------------------------------------------------------------===//

Violation violation(const char *invariant, const char *where, const char *op) {
  Violation v;
  v.invariant = invariant;
  v.where = where;
  v.op = op;
  return v;
}

TEST(FailureSignature, IsInvariantKindOfCheckAndKindOfOperation) {
  const Violation a = violation(
      "device-view",
      "pages handed to the allocator after GOING_ONLINE of block 0x10000000 (16 sections)",
      "online 0x10000000 veto=after");
  Violation b = a;
  b.where = "pages handed to the allocator after GOING_ONLINE of block 0x2000 (1 sections)";
  b.op = "online 0x0";
  EXPECT_EQ(failure_signature(a), failure_signature(b));
  Violation other_op = b;
  other_op.op = "offline 0x0";
  EXPECT_NE(failure_signature(a), failure_signature(other_op));
  Violation other_check = b;
  other_check.where = "after the step";
  EXPECT_NE(failure_signature(a), failure_signature(other_check));
  Violation other_invariant = b;
  other_invariant.invariant = "coverage";
  EXPECT_NE(failure_signature(a), failure_signature(other_invariant));
}

// The implicit unload at the end of a trace is judged like an explicit one:
// a leak it finds is the leak a trailing `unload` found, so shrinking may
// drop that `unload`.
TEST(FailureSignature, TheImplicitUnloadIsTheExplicitOne) {
  EXPECT_EQ(failure_signature(violation("footprint", "after the step", "unload")),
            failure_signature(violation(
                "footprint", "after the trace, which ended with the driver loaded: unloaded",
                "unload (implicit: the trace ended loaded)")));
}

//===--------------------------------------------------------------------===//
// Drivers for the tests: `simple` with a bug or two, defined here.
//===--------------------------------------------------------------------===//

const busmap_driver &simple() { return drivers::simple; }

/// From the second section of the bus space on, translations are one byte
/// off: wrong as soon as two sections are mapped.
std::uint64_t off_by_one_translate(void *drv, std::uint64_t phys) {
  const std::uint64_t bus = simple().translate(drv, phys);
  if (bus != BUSMAP_INVALID && bus - 0x8000000000000000ull >= (1ull << 24))
    return bus + 1;
  return bus;
}

/// Dies of SIGSEGV when an offline is cancelled.
int crash_on_cancel_offline(void *drv, busmap_mem_action action, std::uint64_t start,
                            std::uint64_t n) {
  if (action == BUSMAP_MEM_CANCEL_OFFLINE)
    std::raise(SIGSEGV);
  return simple().notify(drv, action, start, n);
}

// ONLINE events since the load: the test-even-onlines driver answers one
// address wrong after an even number of them.  Each case runs in its own
// child process, so the count starts from the load of that case.
unsigned onlines_seen = 0;
constexpr std::uint64_t even_onlines_address = 0x777;

void *counting_load(const busmap_platform *p) {
  onlines_seen = 0;
  return simple().load(p);
}
int counting_notify(void *drv, busmap_mem_action action, std::uint64_t start, std::uint64_t n) {
  onlines_seen += action == BUSMAP_MEM_ONLINE;
  return simple().notify(drv, action, start, n);
}
std::uint64_t even_onlines_translate(void *drv, std::uint64_t phys) {
  const std::uint64_t bus = simple().translate(drv, phys);
  const bool even = onlines_seen > 0 && onlines_seen % 2 == 0;
  return phys == even_onlines_address && even ? bus + 0x1000 : bus;
}

busmap_driver variant(const char *name) {
  busmap_driver d = simple();
  d.name = name;
  return d;
}

/// Two bugs: a wrong translation once two sections are mapped, a crash on
/// CANCEL_OFFLINE.
const busmap_driver two_bugs = [] {
  busmap_driver d = variant("test-two-bugs");
  d.translate = off_by_one_translate;
  d.notify = crash_on_cancel_offline;
  return d;
}();

const busmap_driver even_onlines = [] {
  busmap_driver d = variant("test-even-onlines");
  d.load = counting_load;
  d.notify = counting_notify;
  d.translate = even_onlines_translate;
  return d;
}();

// One-section blocks, so the traces below read as small as they are.
const std::string tiny = "config section_shift=24 block_shift=24\n";

//===--------------------------------------------------------------------===//
// Each pass reaches what the others do not.
//===--------------------------------------------------------------------===//

// An online of a block that was added after the load: the add becomes a
// block that starts offline.  The failure is the online's (its re-
// registration fails and the MR is freed twice), so neither the load nor
// the online can go; only the add can, by becoming part of the layout.
TEST(ShrinkPasses, AnAddBecomesABlockThatStartsOffline) {
  const Trace t = trace_of(tiny + "block 0x0 sections=1 online\n"
                                  "load\n"
                                  "add 0x1000000 sections=1\n"
                                  "fault-hcall nth=1 code=H_HARDWARE\n"
                                  "online 0x1000000\n");
  const Failure f = shrunk(mutants::mr_double_free_on_error, t);
  // The portable profile has partitions without RAM: block 0 goes too, and
  // the onlined block moves down to 0.
  EXPECT_EQ(ops_of(f.shrunk), "load\nfault-hcall nth=1 code=H_HARDWARE\nonline 0x0\n")
      << write_trace(f.shrunk);
  ASSERT_EQ(f.shrunk.layout.blocks.size(), 1u);
  EXPECT_EQ(f.shrunk.layout.blocks[0].state, BlockState::Offline);
  EXPECT_EQ(shrunk(mutants::mr_double_free_on_error, t, {"start-state"}).shrunk.ops.size(), 4u);
}

// Memory at 0 and at 64 GiB present at load shows index-fields-overlap.
// The generator reaches it as an add and an online before the load;
// removing either alone leaves the load only block 0 to map, so the two go
// at once: the added block starts online.
TEST(ShrinkPasses, AnAddedAndOnlinedBlockStartsOnline) {
  const Trace t = trace_of("block 0x0 sections=16 online\n"
                           "add 0x1000000000 sections=16\n"
                           "online 0x1000000000\n"
                           "load\n");
  const Failure f = shrunk(mutants::index_fields_overlap, t);
  EXPECT_EQ(ops_of(f.shrunk), "load\n") << write_trace(f.shrunk);
  ASSERT_FALSE(f.shrunk.layout.blocks.empty());
  for (const auto &b : f.shrunk.layout.blocks)
    EXPECT_EQ(b.state, BlockState::Online) << write_trace(f.shrunk);
  EXPECT_EQ(shrunk(mutants::index_fields_overlap, t, {"start-state"}).shrunk.ops.size(), 3u);
}

// An offline and the online after it go together: without either alone,
// the ONLINE count changes parity (an online of an online block, or an
// offline of an offline one, is refused by the kernel and no event comes).
TEST(ShrinkPasses, AnOfflineAndItsOnlineGoTogether) {
  const Trace t = trace_of(tiny + "block 0x0 sections=1 online\n"
                                  "block 0x1000000 sections=1 offline\n"
                                  "load\n"
                                  "online 0x1000000\noffline 0x1000000\n"
                                  "online 0x1000000\noffline 0x1000000\n"
                                  "online 0x1000000\noffline 0x1000000\n"
                                  "online 0x1000000\n"
                                  "translate 0x777\n");
  const Failure f = shrunk(even_onlines, t);
  EXPECT_EQ(ops_of(f.shrunk), "load\nonline 0x1000000\noffline 0x1000000\nonline 0x1000000\n"
                              "translate 0x777\n")
      << write_trace(f.shrunk);
  EXPECT_EQ(shrunk(even_onlines, t, {"remove-two-ops"}).shrunk.ops.size(), t.ops.size());
}

// The fault is armed before an online the failure needs (the memory at
// 2^60 above the block onlined next; the online's six allocations come
// before the one the fault is for): only a move puts it next to its call.
TEST(ShrinkPasses, AFaultMovesNextToItsCall) {
  const Trace t = trace_of("block 0x0 sections=16 offline\n"
                           "block 0x1000000000000000 sections=16 offline\n"
                           "load\n"
                           "fault-alloc nth=7\n"
                           "online 0x1000000000000000\n"
                           "online 0x0\n");
  const busmap_driver &d = mutants::partial_update_on_alloc_failure;
  // Found with the fault moved, where it can be seen which call it hits.
  const Failure f = shrunk(d, t, {"start-state"});
  // The start state shrinks the far block to the next section: radix's
  // leaf for section 1 stores just its span, so the online of section 0
  // allocates (the span grows) and the fault still hits that allocation.
  EXPECT_EQ(ops_of(f.shrunk), "load\nonline 0x1000000\nfault-alloc nth=1\nonline 0x0\n")
      << write_trace(f.shrunk);
  const Failure unmoved = shrunk(d, t, {"start-state", "fault-moves"});
  EXPECT_EQ(unmoved.shrunk.ops.at(1).kind, OpKind::FaultAlloc) << write_trace(unmoved.shrunk);
}

// A persistent fault where the failure needs one failing call: the
// allocation that fails is the online's first; the ones after it do not
// matter, so the fault fails once.
TEST(ShrinkPasses, APersistentFaultFailsOnce) {
  const std::string once = "load\nfault-alloc nth=1\nonline 0x0\n";
  Trace sticky = trace_of(tiny + "block 0x0 sections=1 offline\n"
                                 "block 0x1000000000000000 sections=1 online\n" + once);
  sticky.ops.at(1).count = FaultPlan::Sticky;
  const busmap_driver &d = mutants::partial_update_on_alloc_failure;
  EXPECT_EQ(ops_of(shrunk(d, sticky).shrunk), once);
  EXPECT_EQ(shrunk(d, sticky, {"fault-once"}).shrunk.ops.at(1).count, FaultPlan::Sticky);
}

// A block far from 0, a block nothing names, a block of 16 sections: the
// load fails on any memory, so the block moves to 0, the unnamed one goes
// and one section is enough.
TEST(ShrinkPasses, BlocksMoveDownGoAndGetSmaller) {
  const Trace t = trace_of("block 0x0 sections=16 online\n"
                           "block 0x4000000000 sections=16 online\n"
                           "load\n"
                           "translate 0x4000000000\n");
  const busmap_driver &d = mutants::rank_off_by_one;
  const Failure f = shrunk(d, t);
  EXPECT_EQ(ops_of(f.shrunk), "load\n") << write_trace(f.shrunk);
  ASSERT_EQ(f.shrunk.layout.blocks.size(), 1u) << write_trace(f.shrunk);
  EXPECT_EQ(f.shrunk.layout.blocks[0].base, 0u);
  EXPECT_EQ(f.shrunk.layout.blocks[0].sections, 1u);
  EXPECT_EQ(f.shrunk.layout.config.block_shift, 24u); // still whole blocks
  EXPECT_EQ(shrunk(d, t, {"drop-block"}).shrunk.layout.blocks.size(), 2u);
  EXPECT_EQ(shrunk(d, t, {"fewer-sections"}).shrunk.layout.blocks[0].sections, 16u);
  // With the block at 0 kept, the other is first moved down next to it.
  const Failure kept = shrunk(d, t, {"drop-block"});
  EXPECT_EQ(kept.shrunk.layout.blocks[1].base, 0x1000000u) << write_trace(kept.shrunk);
  EXPECT_EQ(shrunk(d, t, {"drop-block", "lower-block"}).shrunk.layout.blocks[1].base,
            0x4000000000u);
}

//===--------------------------------------------------------------------===//
// The same failure, and the others.
//===--------------------------------------------------------------------===//

// The first failure is the wrong translation after the online; removing
// the online leaves the cancelled offline, which crashes the driver: the
// other bug, reported beside the shrunk trace and not followed.
TEST(ShrinkKeepsTheFailure, AndReportsAnotherFailureSeenWhileShrinking) {
  const Trace t = trace_of(tiny + "block 0x0 sections=1 online\n"
                                  "block 0x1000000 sections=1 offline\n"
                                  "load\n"
                                  "online 0x1000000\n"
                                  "offline 0x0 veto=after\n");
  const Failure f = shrunk(two_bugs, t);
  EXPECT_EQ(f.violation.invariant, inv::DeviceView);
  EXPECT_EQ(f.shrunk.ops.at(f.violation.step).kind, OpKind::Online) << write_trace(f.shrunk);
  const OtherFailure *crash = nullptr;
  for (const auto &o : f.others)
    if (o.violation.invariant == inv::Crash)
      crash = &o;
  ASSERT_NE(crash, nullptr) << f.others.size() << " other failures";
  EXPECT_EQ(ops_of(crash->trace), "load\noffline 0x0 veto=after\n");
  EXPECT_EQ(crash->trace.expect_fail, inv::Crash);
  EXPECT_EQ(crash->signature, failure_signature(crash->violation));
  CheckResult r;
  r.impl = two_bugs.name;
  r.failure = f;
  EXPECT_NE(describe_failure(r).find("another failure seen while shrinking: invariant crash"),
            std::string::npos)
      << describe_failure(r);
}

} // namespace
} // namespace busmap
