//===- tests/plugin/plugin_test.cpp - drivers from shared objects ---------===//
//
// Two promises: a good plugin (examples/c-driver) is loaded and judged
// exactly like a built-in driver, from the Plugin class and from
// `busmap replay --plugin`; and a bad one (wrong ABI version, no entry
// symbol, NULL table, NULL callback, not a shared object, not there) is
// refused before any of its code runs, with the path and the reason, and
// exit code 2 from the CLI.
//
//===----------------------------------------------------------------------===//
#include "busmap/driver.h"
#include "properties/generators.hpp"
#include "properties/oracle.hpp"
#include "properties/plugin.hpp"
#include "properties/trace_format.hpp"
#include "tests/support/trace_builder.hpp"
#include "tests/traces/run_cli.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <rapidcheck/gtest.h>

namespace busmap {
namespace {

using testing::GiB;
using testing::MiB;
using testing::TraceBuilder;

const Plugin &example() {
  static const Plugin plugin = Plugin::open(EXAMPLE_PLUGIN);
  return plugin;
}

Verdict judge(const Trace &t, Mode mode = Mode::Strict) {
  return Oracle(example().driver()).run(t, mode);
}

// --- The example driver, through Plugin. --------------------------------------

TEST(ExamplePlugin, LoadsWithItsTable) {
  const busmap_driver &d = example().driver();
  EXPECT_STREQ(d.name, "c-example");
  EXPECT_EQ(d.abi_version, static_cast<std::uint32_t>(BUSMAP_ABI_VERSION));
  EXPECT_TRUE(d.flags & BUSMAP_DRIVER_CANONICAL);
  EXPECT_EQ(example().path(), EXAMPLE_PLUGIN);
}

TEST(ExamplePlugin, MovedPluginKeepsTheDriverLoaded) {
  Plugin a = Plugin::open(EXAMPLE_PLUGIN);
  const busmap_driver *table = &a.driver();
  Plugin b = std::move(a);
  EXPECT_EQ(&b.driver(), table);
  Trace t = TraceBuilder().block(0, 256 * MiB).load().translate(0x1234).unload().build();
  EXPECT_TRUE(Oracle(b.driver()).run(t).pass());
}

// DESIGN.md's sparse layout: a flat table would need 2^36 entries.
TEST(ExamplePlugin, HoldsOnTheSparseLayoutThroughHotplug) {
  const std::uint64_t far = 0x1000000000000000ull;
  Trace t = TraceBuilder()
                .block(0, 256 * MiB)
                .block(far, 16 * MiB)
                .load()
                .translate(far + 16 * MiB - 1)
                .add(far + 256 * MiB, 256 * MiB)
                .online(far + 256 * MiB)
                .offline(0)
                .remove(0)
                .translate(0)
                .offline(far, Veto::None, true)
                .online(0x0)
                .unload()
                .build();
  for (Mode mode : {Mode::Strict, Mode::Lenient}) {
    Verdict v = judge(t, mode);
    EXPECT_TRUE(v.pass()) << to_string(mode) << "\n" << v.describe();
  }
}

TEST(ExamplePlugin, LeavesAGiganticPageOutOfTheMr) {
  Trace t = TraceBuilder()
                .block(0, 32 * GiB)
                .gigantic(16 * GiB)
                .load()
                .translate(16 * GiB + 5)
                .translate(16 * GiB - 1)
                .unload()
                .build();
  Verdict v = judge(t);
  EXPECT_TRUE(v.pass()) << v.describe();
}

// An allocation failure or a firmware error at every point of an add,
// online, offline cycle: NOTIFY_BAD or a logged degraded state, never a
// wrong translation or a leak.
TEST(ExamplePlugin, FailsCleanlyAtEveryInjectedFault) {
  const std::int64_t codes[] = {BUSMAP_H_BUSY, BUSMAP_H_HARDWARE, BUSMAP_H_PARAMETER,
                                BUSMAP_H_RESOURCE};
  for (std::uint32_t nth = 1; nth <= 12; ++nth) {
    auto cycle = [&](TraceBuilder b) {
      return b.add(256 * MiB, 256 * MiB)
          .online(256 * MiB)
          .translate(256 * MiB)
          .offline(0)
          .online(0)
          .translate(0)
          .unload()
          .build();
    };
    auto base = [] { return TraceBuilder().block(0, 256 * MiB); };
    Verdict at_load = judge(cycle(base().fault_alloc(nth).load()));
    EXPECT_TRUE(at_load.pass()) << "fault-alloc nth=" << nth << " before load\n"
                                << at_load.describe();
    Verdict later = judge(cycle(base().load().fault_alloc(nth)));
    EXPECT_TRUE(later.pass()) << "fault-alloc nth=" << nth << "\n" << later.describe();
    for (std::int64_t code : codes) {
      Verdict v = judge(cycle(base().load().fault_hcall(nth * 7, code)));
      EXPECT_TRUE(v.pass()) << "fault-hcall nth=" << nth * 7 << " code=" << code << "\n"
                            << v.describe();
    }
  }
}

// Whatever the generators come up with, in both modes.
RC_GTEST_PROP(ExamplePluginProperty, HoldsOnGeneratedTraces, ()) {
  GeneratorOptions options;
  options.max_steps = 24;
  options.mode = *rc::gen::element(Mode::Strict, Mode::Lenient);
  Trace t = *gen_trace(options);
  Verdict v = judge(t, options.mode);
  if (v.violation)
    RC_FAIL(write_trace(t) + v.describe());
}

// --- Plugins the loader must refuse. --------------------------------------------

struct Refused {
  const char *name;
  const char *path;
  const char *says;
};

const Refused refused[] = {
    {"abi_version", BROKEN_ABI_VERSION, "driver ABI version 43, but this busmap loads versions 1 to 2"},
    {"no_entry", BROKEN_NO_ENTRY, "not a busmap plugin: it does not export busmap_driver_entry()"},
    {"null_table", BROKEN_NULL_TABLE, "busmap_driver_entry() returned NULL"},
    {"null_callback", BROKEN_NULL_CALLBACK, "driver 'broken' has a NULL translate() callback"},
    {"not_a_shared_object", __FILE__, "cannot load plugin"},
    {"missing", "/nonexistent/libdriver.so", "cannot read plugin: No such file or directory"},
};

class RefusedPlugin : public ::testing::TestWithParam<Refused> {};

TEST_P(RefusedPlugin, IsAPluginErrorNamingThePath) {
  const Refused &r = GetParam();
  try {
    Plugin::open(r.path);
    FAIL() << "loaded " << r.path;
  } catch (const PluginError &e) {
    std::string what = e.what();
    EXPECT_EQ(what.rfind(std::string(r.path) + ": ", 0), 0u) << what;
    EXPECT_NE(what.find(r.says), std::string::npos) << what;
  }
}

TEST_P(RefusedPlugin, MakesReplayExitWith2) {
  const Refused &r = GetParam();
  testing::ScratchFile trace("refused.trace", "busmap-trace 1\nblock 0x0 sections=1 online\nload\n");
  testing::CliResult res =
      testing::run_busmap("replay '" + trace.path() + "' --plugin '" + r.path + "'");
  EXPECT_EQ(res.exit_code, 2) << res.output;
  EXPECT_NE(res.output.find(r.path), std::string::npos) << res.output;
  EXPECT_NE(res.output.find(r.says), std::string::npos) << res.output;
}

INSTANTIATE_TEST_SUITE_P(Broken, RefusedPlugin, ::testing::ValuesIn(refused),
                         [](const auto &info) { return std::string(info.param.name); });

TEST(CheckDriverTable, NamesTheFirstDefect) {
  busmap_driver d = example().driver();
  EXPECT_EQ(check_driver_table(&d), "");
  d.notify = nullptr;
  EXPECT_EQ(check_driver_table(&d), "driver 'c-example' has a NULL notify() callback");
  d.name = nullptr;
  EXPECT_EQ(check_driver_table(&d), "the driver table has no name");
  d.abi_version = 0;
  EXPECT_NE(check_driver_table(&d).find("driver ABI version 0"), std::string::npos);
}

// --- ABI 2 against ABI 1: the same example source built twice. -------------------

const Plugin &example_abi1() {
  static const Plugin plugin = Plugin::open(EXAMPLE_PLUGIN_ABI1);
  return plugin;
}

// A layout with an offline block at load: ABI 2's walk reports it, ABI 1's not.
TraceBuilder with_offline_block() {
  return TraceBuilder().block(0, 256 * MiB).block(1 * GiB, 256 * MiB, BlockState::Offline);
}

TEST(ExamplePluginAbi, TheTwoBuildsNameTheirAbi) {
  EXPECT_EQ(example().driver().abi_version, 2u);
  EXPECT_EQ(example_abi1().driver().abi_version, 1u);
  EXPECT_NE(abi_summary(example_abi1().driver()).find("online memory only"), std::string::npos);
}

TEST(ExamplePluginAbi, BothHoldWithAnOfflineBlockAtLoadAndThroughHotplug) {
  const Trace t = with_offline_block().load().translate(1 * GiB).online(1 * GiB)
                      .translate(1 * GiB + 5).offline(0).remove(0).unload().build();
  for (const Plugin *p : {&example(), &example_abi1()})
    for (Mode mode : {Mode::Strict, Mode::Lenient}) {
      const Verdict v = Oracle(p->driver()).run(t, mode);
      EXPECT_TRUE(v.pass()) << p->path() << " " << to_string(mode) << "\n" << v.describe();
    }
}

// ABI 2's walk with the is_online filter removed is what ABI 1 never saw:
// the same table with its version raised maps the offline block and is caught.
TEST(ExamplePluginAbi, TheAbi1CodeJudgedAsAbi2MapsTheOfflineBlock) {
  static const busmap_driver raised = [] {
    // The ABI 1 table ends after translate: copy that much, no further
    // (ASan caught the whole-struct copy reading past the plugin's table).
    busmap_driver d{};
    std::memcpy(&d, &example_abi1().driver(),
                offsetof(busmap_driver, translate) + sizeof d.translate);
    d.abi_version = 2;
    return d;
  }();
  const Verdict v = Oracle(raised).run(with_offline_block().load().build());
  ASSERT_FALSE(v.pass());
  EXPECT_EQ(v.violation->invariant, inv::ExactMiss) << v.describe();
}

// Loads inside open windows: ABI 2 waits in get_online_mems(); ABI 1 is
// loaded under the lock on its behalf.  Both hold in strict mode.
TEST(ExamplePluginAbi, BothHoldWhenLoadedInsideAWindow) {
  const std::uint64_t b = 1 * GiB;
  const Trace offline = with_offline_block().online(b).phase(OpKind::Offline, b, HotplugPhase::Going)
                            .load().translate(b).phase(OpKind::Offline, b, HotplugPhase::Done)
                            .translate(b).build();
  const Trace online = with_offline_block().phase(OpKind::Online, b, HotplugPhase::Going)
                           .load().translate(b).phase(OpKind::Online, b, HotplugPhase::Cancel)
                           .translate(b).unload().build();
  for (const Plugin *p : {&example(), &example_abi1()})
    for (const Trace *t : {&offline, &online}) {
      const Verdict v = Oracle(p->driver()).run(*t);
      EXPECT_TRUE(v.pass()) << p->path() << "\n" << v.describe();
    }
}

// --- The example driver, through the CLI. ------------------------------------------

TEST(ReplayPlugin, RunsTheExampleDriver) {
  testing::ScratchFile trace("example.trace",
                             "busmap-trace 1\nblock 0x0 sections=16 online\nload\n"
                             "translate 0xffffff\noffline 0x0\nunload\n");
  testing::CliResult res =
      testing::run_busmap("replay '" + trace.path() + "' --plugin '" EXAMPLE_PLUGIN "'");
  EXPECT_EQ(res.exit_code, 0) << res.output;
  EXPECT_NE(res.output.find("driver c-example"), std::string::npos) << res.output;
  EXPECT_NE(res.output.find("[2] translate 0xffffff"), std::string::npos) << res.output;
  EXPECT_NE(res.output.find("holds (4 steps)"), std::string::npos) << res.output;
}

TEST(ReplayPlugin, PluginAndImplExcludeEachOther) {
  testing::ScratchFile trace("both.trace", "busmap-trace 1\nload\n");
  testing::CliResult res = testing::run_busmap("replay '" + trace.path() +
                                               "' --impl simple --plugin '" EXAMPLE_PLUGIN "'");
  EXPECT_EQ(res.exit_code, 2) << res.output;
  EXPECT_NE(res.output.find("excludes"), std::string::npos) << res.output;
}

} // namespace
} // namespace busmap
