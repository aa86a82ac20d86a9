//===- tests/format/trace_format_test.cpp - .trace and .layout files ------===//
//
// The parser is the gate a hand-edited trace goes through, so most of this
// file is a table of malformed inputs, each with the exact line and column
// the error must point at and the words it must use.  The rest pins the
// writer: every field survives write -> parse, for handwritten traces and
// for RapidCheck-generated ones over every layout class.
//
//===----------------------------------------------------------------------===//
#include "busmap/driver.h"
#include "properties/generators.hpp"
#include "properties/oracle.hpp"
#include "properties/trace_format.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace busmap {
namespace {

constexpr std::uint64_t Top = ~0ull;

void expect_same_layout(const Layout &a, const Layout &b) {
  const PlatformConfig &x = a.config, &y = b.config;
  EXPECT_EQ(x.section_shift, y.section_shift);
  EXPECT_EQ(x.page_shift, y.page_shift);
  EXPECT_EQ(x.hw_page_shift, y.hw_page_shift);
  EXPECT_EQ(x.max_rpages, y.max_rpages);
  EXPECT_EQ(x.max_mrs, y.max_mrs);
  EXPECT_EQ(x.gigantic_shift, y.gigantic_shift);
  EXPECT_EQ(x.block_shift, y.block_shift);
  EXPECT_EQ(x.bus_start, y.bus_start);
  EXPECT_EQ(x.footprint_base, y.footprint_base);
  EXPECT_EQ(x.footprint_per_hw_page, y.footprint_per_hw_page);
  EXPECT_EQ(x.max_alloc_bytes, y.max_alloc_bytes);
  ASSERT_EQ(a.blocks.size(), b.blocks.size());
  for (std::size_t i = 0; i < a.blocks.size(); ++i) {
    EXPECT_EQ(a.blocks[i].base, b.blocks[i].base) << "block " << i;
    EXPECT_EQ(a.blocks[i].sections, b.blocks[i].sections) << "block " << i;
    EXPECT_EQ(a.blocks[i].state, b.blocks[i].state) << "block " << i;
  }
  EXPECT_EQ(a.gigantic, b.gigantic);
}

void expect_same_trace(const Trace &a, const Trace &b) {
  expect_same_layout(a.layout, b.layout);
  EXPECT_EQ(a.mode, b.mode);
  EXPECT_EQ(a.expect_fail, b.expect_fail);
  EXPECT_EQ(a.ops, b.ops);
}

Op op(OpKind kind, std::uint64_t addr = 0) {
  Op o;
  o.kind = kind;
  o.addr = addr;
  return o;
}

// --- Reading a well-formed file. --------------------------------------------------

const char *const sample = "# a trace written by hand\n"
                           "busmap-trace 1   # magic\n"
                           "impl simple\n"
                           "mode lenient\n"
                           "expect fail coverage\n"
                           "config section_shift=27 page_shift=12\r\n"
                           "config bus_start=0x4000000000000000 max_mrs=3\n"
                           "block 0x0 sections=2 online\n"
                           "block 0x1000000000000000 offline sections=1\n"
                           "\tgigantic 0x400000000\n"
                           "\n"
                           "load\n"
                           "add 0x20000000 sections=4\n"
                           "online 0x20000000 veto=after # vetoed by another notifier\n"
                           "offline 0x0 migrate-fail veto=before\n"
                           "remove 0x1000000000000000\n"
                           "translate 0xffffffffffffffff\n"
                           "fault-alloc nth=3\n"
                           "fault-hcall nth=2 code=H_BUSY\n"
                           "fault-hcall code=-7 nth=1\n"
                           "unload\n";

TEST(TraceFormat, ReadsEveryHeaderLineAndOperation) {
  TraceFile tf = parse_trace_file(sample, "sample.trace");
  const Trace &t = tf.trace;
  EXPECT_EQ(tf.impl, "simple");
  EXPECT_EQ(t.mode, Mode::Lenient);
  EXPECT_EQ(t.expect_fail, "coverage");
  EXPECT_EQ(t.layout.config.section_shift, 27u);
  EXPECT_EQ(t.layout.config.page_shift, 12u);
  EXPECT_EQ(t.layout.config.bus_start, 0x4000000000000000ull);
  EXPECT_EQ(t.layout.config.max_mrs, 3u);
  EXPECT_EQ(t.layout.config.max_rpages, PlatformConfig{}.max_rpages); // omitted: default
  ASSERT_EQ(t.layout.blocks.size(), 2u);
  EXPECT_EQ(t.layout.blocks[1].base, 0x1000000000000000ull);
  EXPECT_EQ(t.layout.blocks[1].state, BlockState::Offline);
  EXPECT_EQ(t.layout.gigantic, std::vector<std::uint64_t>{0x400000000ull});

  Op add = op(OpKind::Add, 0x20000000);
  add.sections = 4;
  Op online = op(OpKind::Online, 0x20000000);
  online.veto = Veto::After;
  Op offline = op(OpKind::Offline, 0);
  offline.veto = Veto::Before;
  offline.migrate_fail = true;
  Op fa = op(OpKind::FaultAlloc);
  fa.nth = 3;
  Op busy = op(OpKind::FaultHcall);
  busy.nth = 2;
  busy.code = BUSMAP_H_BUSY;
  Op odd = op(OpKind::FaultHcall);
  odd.code = -7;
  std::vector<Op> want = {op(OpKind::Load), add, online, offline,
                          op(OpKind::Remove, 0x1000000000000000ull),
                          op(OpKind::Translate, Top), fa, busy, odd, op(OpKind::Unload)};
  EXPECT_EQ(t.ops, want);
}

TEST(TraceFormat, PersistentFaultsReadAndWriteBack) {
  const std::string text = "busmap-trace 2\nfault-alloc nth=2 count=3\n"
                           "fault-hcall nth=1 code=H_HARDWARE sticky\nfault-alloc nth=1 count=1\n";
  TraceFile tf = parse_trace_file(text, "faults.trace");
  ASSERT_EQ(tf.trace.ops.size(), 3u);
  EXPECT_EQ(tf.trace.ops[0].count, 3u);
  EXPECT_EQ(tf.trace.ops[1].count, FaultPlan::Sticky);
  EXPECT_EQ(tf.trace.ops[2].count, 1u);
  EXPECT_EQ(format_op(tf.trace.ops[0]), "fault-alloc nth=2 count=3");
  EXPECT_EQ(format_op(tf.trace.ops[1]), "fault-hcall nth=1 code=H_HARDWARE sticky");
  EXPECT_EQ(format_op(tf.trace.ops[2]), "fault-alloc nth=1") << "count=1 is the default";
  expect_same_trace(tf.trace, parse_trace_file(write_trace(tf), "back.trace").trace);
}

TEST(TraceFormat, DataPathOpsReadAndWriteBack) {
  const std::string text = "busmap-trace 2\nxmit 0xfff000 len=9014\nrx 0x2000\nxmit 0x10 len=1514\ndma\n";
  TraceFile tf = parse_trace_file(text, "data.trace");
  ASSERT_EQ(tf.trace.ops.size(), 4u);
  EXPECT_EQ(tf.trace.ops[0].kind, OpKind::Xmit);
  EXPECT_EQ(tf.trace.ops[0].len, 9014u);
  EXPECT_EQ(tf.trace.ops[1].kind, OpKind::Rx);
  EXPECT_EQ(tf.trace.ops[1].len, DefaultFrameBytes);
  EXPECT_EQ(format_op(tf.trace.ops[0]), "xmit 0xfff000 len=9014");
  EXPECT_EQ(format_op(tf.trace.ops[2]), "xmit 0x10") << "len=1514 is the default";
  EXPECT_EQ(format_op(tf.trace.ops[3]), "dma");
  expect_same_trace(tf.trace, parse_trace_file(write_trace(tf), "back.trace").trace);
}

TEST(TraceFormat, DefaultsWhenTheHeaderOmitsThem) {
  TraceFile tf = parse_trace_file("busmap-trace 1\nload\n", "min.trace");
  EXPECT_EQ(tf.impl, "");
  EXPECT_EQ(tf.trace.mode, Mode::Strict);
  EXPECT_EQ(tf.trace.expect_fail, "");
  EXPECT_TRUE(tf.trace.layout.blocks.empty());
  EXPECT_EQ(tf.trace.ops.size(), 1u);
}

// --- Writing. ---------------------------------------------------------------------

TEST(TraceFormat, RoundTripsTheSample) {
  TraceFile tf = parse_trace_file(sample, "sample.trace");
  std::string text = write_trace(tf, "shrunk from seed 42\nsecond line");
  TraceFile back = parse_trace_file(text, "written.trace");
  expect_same_trace(tf.trace, back.trace);
  EXPECT_EQ(back.impl, "simple");
  EXPECT_EQ(write_trace(back, "shrunk from seed 42\nsecond line"), text);
}

TEST(TraceFormat, Version2NamesTheProfileAndVersion1IsPortable) {
  const Trace v1 = parse_trace("busmap-trace 1\nblock 0x0 sections=1 online\nload\n", "v1.trace");
  EXPECT_EQ(v1.profile, "portable");
  EXPECT_EQ(v1.layout.config.phys_bits, 64u);
  // A profile line makes its common configuration the default.
  const Trace v2 = parse_trace("busmap-trace 2\nprofile ppc64\nconfig max_rpages=256\n"
                               "block 0x0 sections=16 online\nload\n",
                               "v2.trace");
  EXPECT_EQ(v2.profile, "ppc64");
  EXPECT_EQ(v2.layout.config.phys_bits, 51u);
  EXPECT_EQ(v2.layout.config.max_rpages, 256u);
  const std::string text = write_trace(v2);
  EXPECT_NE(text.find("\nprofile ppc64\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" phys_bits=51"), std::string::npos) << text;
  const Trace back = parse_trace(text, "back.trace");
  EXPECT_EQ(back.profile, "ppc64");
  EXPECT_EQ(write_trace(back), text);
  // Version 1 keeps any configuration validate() accepts, as before profiles.
  EXPECT_NO_THROW(parse_trace("busmap-trace 1\nconfig max_rpages=4096\nload\n", "old.trace"));
}

// Found by the trace fuzz target (fuzz/trace_reader.cpp): a version-1 trace
// whose configuration the portable profile does not admit was read, but
// written as version 2 with `profile portable`, which the reader refuses.
TEST(TraceFormat, Version1OutsideThePortableProfileWritesBackAsVersion1) {
  const std::string old = "busmap-trace 1\nconfig max_rpages=513\nblock 0x0 sections=16 online\n"
                          "load\n";
  const Trace v1 = parse_trace(old, "old.trace");
  const std::string text = write_trace(v1);
  EXPECT_EQ(text.rfind("busmap-trace 1\n", 0), 0u) << text;
  EXPECT_EQ(text.find("\nprofile "), std::string::npos) << text;
  Trace back;
  ASSERT_NO_THROW(back = parse_trace(text, "back.trace")) << text;
  EXPECT_EQ(back.layout.config.max_rpages, 513u);
  EXPECT_EQ(write_trace(back), text);
  // A configuration the profile admits is still written as version 2.
  EXPECT_EQ(write_trace(parse_trace("busmap-trace 1\nload\n", "v1.trace")).rfind(
                "busmap-trace 2\n", 0),
            0u);
}

TEST(TraceFormat, WriterNotesTheExpectationForPeopleAndTheParser) {
  Trace t;
  t.expect_fail = "reclaimable";
  std::string text = write_trace(t, "found by busmap check");
  EXPECT_EQ(text.rfind("busmap-trace 2\n# found by busmap check\n", 0), 0u) << text;
  EXPECT_NE(text.find("\nprofile portable\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# expected verdict: fails, invariant reclaimable ("), std::string::npos)
      << text;
  EXPECT_NE(text.find("\nexpect fail reclaimable\n"), std::string::npos) << text;
  EXPECT_NE(write_trace(Trace{}).find("\nexpect pass\n"), std::string::npos);
}

TEST(TraceFormat, WriterSpellsOutEveryConfigField) {
  std::string text = write_trace(Trace{});
  for (const char *field : {"section_shift=24", "page_shift=16", "hw_page_shift=12",
                            "max_rpages=512", "max_mrs=2", "gigantic_shift=34", "block_shift=28",
                            "bus_start=0x8000000000000000", "footprint_base=0x100000",
                            "footprint_per_hw_page=0x40", "max_alloc_bytes=0x10000000"})
    EXPECT_NE(text.find(field), std::string::npos) << field << " missing from\n" << text;
}

TEST(TraceFormat, LayoutFilesRoundTrip) {
  Layout l;
  l.config.section_shift = 27;
  l.config.page_shift = 12;
  l.blocks = {{0, 8, BlockState::Online}, {Top - (128ull << 20) + 1, 1, BlockState::Offline}};
  l.gigantic = {0x400000000ull};
  std::string text = write_layout(l);
  EXPECT_EQ(text.rfind("busmap-layout 1\n", 0), 0u);
  expect_same_layout(parse_layout(text, "x.layout"), l);
}

// Every generated trace, over every layout class, survives write -> parse.
Op arbitrary_op(OpKind kind) {
  Op o = op(kind, *rc::gen::arbitrary<std::uint64_t>());
  if (kind == OpKind::Add) // few: the reader caps the memory a trace may add (limits::MaxHwPages)
    o.sections = *rc::gen::inRange<std::uint64_t>(1, 9);
  if (kind == OpKind::Online || kind == OpKind::Offline)
    o.veto = *rc::gen::element(Veto::None, Veto::Before, Veto::After);
  if (kind == OpKind::Offline)
    o.migrate_fail = *rc::gen::arbitrary<bool>();
  if (kind == OpKind::Online || kind == OpKind::Offline) {
    // A split operation: veto= only on its GOING_* phase, migrate-fail only atomic.
    o.phase = kind == OpKind::Online
                  ? *rc::gen::element(HotplugPhase::Atomic, HotplugPhase::Going, HotplugPhase::Done,
                                      HotplugPhase::Cancel)
                  : *rc::gen::element(HotplugPhase::Atomic, HotplugPhase::Going,
                                      HotplugPhase::Migrated, HotplugPhase::Done,
                                      HotplugPhase::Cancel);
    if (o.phase != HotplugPhase::Atomic)
      o.migrate_fail = false;
    if (o.phase != HotplugPhase::Atomic && o.phase != HotplugPhase::Going)
      o.veto = Veto::None;
  }
  if (kind == OpKind::FaultAlloc || kind == OpKind::FaultHcall)
    o.nth = *rc::gen::inRange<std::uint32_t>(1, ~0u);
  if (kind == OpKind::FaultHcall)
    o.code = *rc::gen::arbitrary<std::int64_t>();
  if (kind == OpKind::Xmit || kind == OpKind::Rx)
    o.len = *rc::gen::inRange<std::uint32_t>(1, MaxFrameBytes + 1);
  if (kind == OpKind::Load || kind == OpKind::Unload || kind == OpKind::FaultAlloc ||
      kind == OpKind::FaultHcall || kind == OpKind::Dma)
    o.addr = 0;
  return o;
}

RC_GTEST_PROP(TraceFormatProperty, WriteThenParseGivesTheSameTrace, ()) {
  Trace t;
  t.layout = (*gen_layout()).layout;
  t.mode = *rc::gen::element(Mode::Strict, Mode::Lenient);
  t.expect_fail = *rc::gen::element<std::string>("", "device-view", "canonical", "timeout");
  auto kinds = *rc::gen::container<std::vector<OpKind>>(rc::gen::element(
      OpKind::Load, OpKind::Unload, OpKind::Add, OpKind::Online, OpKind::Offline, OpKind::Remove,
      OpKind::Translate, OpKind::FaultAlloc, OpKind::FaultHcall, OpKind::Xmit, OpKind::Rx,
      OpKind::Dma));
  for (OpKind k : kinds)
    t.ops.push_back(arbitrary_op(k));
  std::string text = write_trace(t, "generated");
  Trace back = parse_trace(text, "generated.trace");
  RC_ASSERT(back.ops == t.ops);
  RC_ASSERT(back.mode == t.mode);
  RC_ASSERT(back.expect_fail == t.expect_fail);
  RC_ASSERT(write_layout(back.layout) == write_layout(t.layout));
  RC_ASSERT(write_trace(back, "generated") == text);
}

// --- Malformed input: every error names file, line, column and what was expected. ----

struct Malformed {
  const char *name;
  std::string text;
  int line, column;
  const char *says; // a phrase the message must contain
};

const std::string H = "busmap-trace 1\n"; // a valid first line

const Malformed malformed[] = {
    {"empty file", "", 1, 1, "empty file: expected the first line 'busmap-trace 2'"},
    {"only comments", "# nothing\n\n", 1, 1, "empty file"},
    {"wrong magic", "busmap-trce 1\n", 1, 1, "expected the first line 'busmap-trace 2'"},
    {"layout magic in a trace", "busmap-layout 1\n", 1, 1, "expected the first line"},
    {"missing version", "busmap-trace\n", 1, 13, "expected the format version"},
    {"future version", "busmap-trace 3\n", 1, 14,
     "unsupported format version 3 (this busmap reads versions 1 to 2)"},
    {"version 0", "busmap-trace 0\n", 1, 14, "unsupported format version 0"},
    {"profile in version 1", H + "profile ppc64\n", 2, 1, "needs format version 2"},
    {"unknown profile", "busmap-trace 2\nprofile sparc\n", 2, 9,
     "unknown profile 'sparc'; expected one of portable, ppc64, x86-64"},
    {"profile after config", "busmap-trace 2\nconfig max_mrs=1\nprofile ppc64\n", 3, 1,
     "the 'profile' line comes before config"},
    {"duplicate profile", "busmap-trace 2\nprofile ppc64\nprofile ppc64\n", 3, 1,
     "duplicate 'profile' line"},
    {"config outside the profile", "busmap-trace 2\nprofile ppc64\nconfig max_rpages=1024\n", 3, 1,
     "max_rpages=0x400 is outside the allowed range [0x1, 0x200]"},
    {"x86 geometry on ppc64", "busmap-trace 2\nprofile ppc64\nconfig section_shift=27\n", 3, 1,
     "profile ppc64 has no geometry with section_shift=27"},
    {"block above the profile's width", "busmap-trace 2\nprofile ppc64\nblock 0x8000000000000 sections=1 online\n",
     3, 7, "runs past the top of the 51-bit space (phys_bits)"},
    {"junk after version", "busmap-trace 1 extra\n", 1, 16, "unexpected 'extra'"},
    {"unknown header word", H + "colour red\n", 2, 1, "expected a header line"},
    {"unknown mode", H + "mode fast\n", 2, 6, "expected strict or lenient, found 'fast'"},
    {"duplicate mode", H + "mode strict\nmode strict\n", 3, 1, "duplicate 'mode' line"},
    {"duplicate impl", H + "impl a\nimpl b\n", 3, 1, "duplicate 'impl' line"},
    {"impl without name", H + "impl\n", 2, 5, "expected an implementation name"},
    {"expect without verdict", H + "expect\n", 2, 7, "expected pass or fail"},
    {"expect maybe", H + "expect maybe\n", 2, 8, "expected pass or fail, found 'maybe'"},
    {"expect fail without id", H + "expect fail\n", 2, 12, "expected the invariant id"},
    {"expect fail unknown id", H + "expect fail frobs\n", 2, 13, "unknown invariant 'frobs'"},
    {"expect pass with id", H + "expect pass coverage\n", 2, 13, "unexpected 'coverage'"},
    {"config without pairs", H + "config\n", 2, 7, "expected KEY=VALUE"},
    {"config unknown key", H + "config colour=1\n", 2, 8, "KEY one of section_shift"},
    {"config without value", H + "config max_mrs\n", 2, 8, "expected KEY=VALUE"},
    {"config duplicate key", H + "config max_mrs=1\nconfig max_mrs=2\n", 3, 8,
     "duplicate config key 'max_mrs'"},
    {"config not a number", H + "config max_mrs=two\n", 2, 16, "expected max_mrs"},
    {"config u32 overflow", H + "config max_mrs=4294967296\n", 2, 16, "out of range"},
    {"config u64 overflow", H + "config bus_start=0x10000000000000000\n", 2, 18, "out of range"},
    {"config inconsistent", H + "config page_shift=30\n", 2, 1,
     "invalid configuration: page_shift=30 must not exceed section_shift=24"},
    {"block decimal address", H + "block 4096 sections=1 online\n", 2, 7,
     "expected a hex address like 0x10000000, found '4096'"},
    {"block address overflow", H + "block 0x10000000000000000 sections=1 online\n", 2, 7,
     "out of range"},
    {"online migrated", H + "online 0x0 phase=migrated\n", 2, 18,
     "expected phase=going|done|cancel, found phase=migrated"},
    {"veto on the final phase", H + "offline 0x0 phase=done veto=before\n", 2, 24,
     "veto= goes with the GOING_* event"},
    {"migrate-fail on a split offline", H + "offline 0x0 phase=going migrate-fail\n", 2, 25,
     "a split offline ends with phase=cancel"},
    {"block without state", H + "block 0x0 sections=1\n", 2, 21,
     "expected online or offline to end the block line"},
    {"block without sections", H + "block 0x0 online\n", 2, 17, "expected sections=N"},
    {"block twice online", H + "block 0x0 sections=1 online online\n", 2, 29,
     "expected end of line in a block line"},
    {"block absent", H + "block 0x0 sections=1 absent\n", 2, 22, "expected online or offline"},
    {"block unaligned", H + "block 0x1000 sections=1 online\n", 2, 7,
     "invalid layout: block 0x1000 is not aligned"},
    {"block without sections count", H + "block 0x0 sections=0 online\n", 2, 7,
     "block 0x0 has no sections"},
    {"block overlap", H + "block 0x0 sections=2 online\nblock 0x1000000 sections=1 online\n", 3, 7,
     "overlaps or precedes"},
    {"block past the top", H + "block 0xffffffffff000000 sections=2 online\n", 2, 7,
     "runs past the top of the 64-bit space"},
    {"gigantic unaligned", H + "gigantic 0x1000000\n", 2, 10, "is not aligned to 17179869184"},
    {"gigantic duplicate", H + "gigantic 0x0\ngigantic 0x0\n", 3, 10, "duplicate gigantic page 0x0"},
    {"gigantic extra", H + "gigantic 0x0 0x0\n", 2, 14, "unexpected '0x0'"},
    {"unknown operation", H + "load\nfrobnicate 0x0\n", 3, 1,
     "expected an operation (load, unload, add, online, offline, remove, translate, "
     "fault-alloc, fault-hcall, xmit, rx, dma), found 'frobnicate'"},
    {"control bytes", H + "\x01\x02\n", 2, 1, "found '\\x01\\x02'"},
    {"header after operations", H + "load\nblock 0x0 sections=1 online\n", 3, 1,
     "header line 'block' after the first operation"},
    {"load with argument", H + "load now\n", 2, 6, "unexpected 'now' after load; expected end"},
    {"add without sections", H + "add 0x0\n", 2, 8, "expected sections=... in a add line"},
    {"add duplicate sections", H + "add 0x0 sections=1 sections=2\n", 2, 20,
     "duplicate 'sections'"},
    {"add sections overflow", H + "add 0x0 sections=18446744073709551616\n", 2, 18,
     "out of range"},
    {"online bad veto", H + "online 0x0 veto=sideways\n", 2, 17,
     "expected veto=before or veto=after"},
    {"online migrate-fail", H + "online 0x0 migrate-fail\n", 2, 12,
     "unexpected 'migrate-fail' after online"},
    {"offline flag with value", H + "offline 0x0 migrate-fail=1\n", 2, 13,
     "unexpected 'migrate-fail=1'"},
    {"translate without address", H + "translate\n", 2, 10, "expected a hex address after"},
    {"translate empty hex", H + "translate 0x\n", 2, 11, "expected a hex address like"},
    {"translate hex overflow", H + "translate 0x1ffffffffffffffff\n", 2, 11, "out of range"},
    {"translate two addresses", H + "translate 0x1 0x2\n", 2, 15, "unexpected '0x2'"},
    {"translate bad hex digit", H + "translate 0x12g4\n", 2, 11, "expected a hex address"},
    {"fault-alloc without nth", H + "fault-alloc\n", 2, 12, "expected nth=..."},
    {"fault-alloc nth zero", H + "fault-alloc nth=0\n", 2, 17, "nth counts from 1"},
    {"xmit without address", H + "xmit\n", 2, 5, "expected a hex address"},
    {"xmit len zero", H + "xmit 0x1000 len=0\n", 2, 17, "len counts bytes, 1..65536"},
    {"xmit len too long", H + "xmit 0x1000 len=65537\n", 2, 17, "out of range"},
    {"rx unknown option", H + "rx 0x1000 size=64\n", 2, 11, "expected len=N"},
    {"dma takes nothing", H + "dma 0x1000\n", 2, 5, "expected end of line"},
    {"fault-alloc nth overflow", H + "fault-alloc nth=4294967296\n", 2, 17, "out of range"},
    {"fault-alloc count zero", H + "fault-alloc nth=1 count=0\n", 2, 25, "spelled 'sticky'"},
    {"fault-alloc count and sticky", H + "fault-alloc nth=1 count=2 sticky\n", 2, 33,
     "exclude each other"},
    {"fault-alloc sticky with a value", H + "fault-alloc nth=1 sticky=1\n", 2, 19,
     "unexpected 'sticky=1'"},
    {"fault-hcall duplicate count", H + "fault-hcall nth=1 code=H_BUSY count=2 count=3\n", 2, 39,
     "duplicate 'count'"},
    {"fault-hcall unknown code", H + "fault-hcall nth=1 code=H_WHATEVER\n", 2, 24,
     "expected a firmware return code"},
    {"fault-hcall without code", H + "fault-hcall nth=1\n", 2, 18, "expected code=..."},
    {"fault-hcall code overflow", H + "fault-hcall nth=1 code=9223372036854775808\n", 2, 24,
     "expected a firmware return code"},
};

class MalformedTrace : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedTrace, IsRejectedAtTheRightPlace) {
  const Malformed &m = GetParam();
  try {
    parse_trace(m.text, "bad.trace");
    FAIL() << "accepted:\n" << m.text;
  } catch (const ParseError &e) {
    EXPECT_EQ(e.file, "bad.trace");
    EXPECT_EQ(e.line, m.line) << e.what();
    EXPECT_EQ(e.column, m.column) << e.what();
    EXPECT_NE(e.message.find(m.says), std::string::npos) << e.what();
    std::string prefix = "bad.trace:" + std::to_string(m.line) + ":" + std::to_string(m.column) + ": ";
    EXPECT_EQ(std::string(e.what()).rfind(prefix, 0), 0u) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Table, MalformedTrace, ::testing::ValuesIn(malformed),
                         [](const auto &info) {
                           std::string n = info.param.name;
                           for (char &c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c)))
                               c = '_';
                           return n;
                         });

TEST(TraceFormat, LayoutFilesTakeNoOperations) {
  try {
    parse_layout("busmap-layout 1\nblock 0x0 sections=1 online\nload\n", "x.layout");
    FAIL();
  } catch (const ParseError &e) {
    EXPECT_EQ(e.line, 3);
    EXPECT_NE(e.message.find("expected config, block or gigantic"), std::string::npos);
  }
  EXPECT_THROW(parse_layout("busmap-trace 1\n", "x.layout"), ParseError);
}

TEST(TraceFormat, UnreadableFilesAreParseErrorsNamingThePath) {
  auto dir = std::filesystem::temp_directory_path();
  std::string missing = (dir / "busmap-no-such-file.trace").string();
  try {
    read_trace_file(missing);
    FAIL();
  } catch (const ParseError &e) {
    EXPECT_EQ(e.line, 0);
    EXPECT_EQ(std::string(e.what()), missing + ": cannot read: No such file or directory");
  }
  try {
    read_trace_file(dir.string());
    FAIL();
  } catch (const ParseError &e) {
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos);
  }
}

TEST(TraceFormat, ReadsFromDisk) {
  auto path = std::filesystem::temp_directory_path() / "busmap-format-test.trace";
  {
    std::ofstream out(path);
    out << sample;
  }
  TraceFile tf = read_trace_file_with_impl(path.string());
  EXPECT_EQ(tf.impl, "simple");
  EXPECT_EQ(tf.trace.ops.size(), 10u);
  std::filesystem::remove(path);
}

} // namespace
} // namespace busmap

namespace busmap {
namespace {

// race=AT:ADDR (issue 12 section 2): several per line, in the order written,
// back through the writer unchanged; a malformed one names its column.
TEST(TraceFormat, RacesReadAndWriteBack) {
  const char *text = "busmap-trace 2\nblock 0x0 sections=16 online\nload\n"
                     "offline 0x0 phase=going race=3:0x1000 race=1:0xfff\n";
  TraceFile tf = parse_trace_file(text, "races.trace");
  ASSERT_EQ(tf.trace.ops.size(), 2u);
  const std::vector<Race> want = {{3, 0x1000}, {1, 0xfff}};
  EXPECT_EQ(tf.trace.ops[1].races, want);
  EXPECT_EQ(format_op(tf.trace.ops[1]), "offline 0x0 phase=going race=3:0x1000 race=1:0xfff");
  expect_same_trace(tf.trace, parse_trace_file(write_trace(tf), "back.trace").trace);
}

TEST(TraceFormat, MalformedRacesNameTheProblem) {
  auto error_of = [](const char *line) {
    try {
      parse_trace_file(std::string("busmap-trace 2\nload\n") + line + "\n", "bad.trace");
    } catch (const std::exception &e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("online 0x0 race=3").find("expected race=AT:ADDR"), std::string::npos);
  EXPECT_NE(error_of("online 0x0 race=0:0x10").find("counts the step's platform callbacks from 1"),
            std::string::npos);
  EXPECT_NE(error_of("online 0x0 race=2:16").find("bad.trace:3"), std::string::npos);
  EXPECT_NE(error_of("translate 0x0 race=1:0x10").find("unexpected"), std::string::npos);
}

} // namespace
} // namespace busmap
