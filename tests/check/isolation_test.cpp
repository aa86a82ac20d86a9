// The isolation layer (properties/isolation.hpp) and the commands that run
// driver code through it, against the ways a driver or its shared object
// takes a process down: the findings of the adversarial trial of issue 15,
// each rebuilt as a mode of tests/check/misbehave_plugin.c (the example
// driver with one misbehaviour) or as a body run directly.
#include "platform/driver_call.hpp"
#include "properties/isolation.hpp"
#include "tests/check/cli_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace busmap {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::run_capture;
using testing::scratch;
using testing::slurp;

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

//===--------------------------------------------------------------------===//
// run_isolated itself.
//===--------------------------------------------------------------------===//

TEST(Isolation, OnlyTheDirectChildAnswersWhenTheBodyForks) {
  // Both processes go on through the harness's code after a driver's
  // fork(); two answers on one pipe made `check` fail to parse its own JSON.
  for (int run = 0; run < 10; ++run) {
    const Isolated r = run_isolated(
        [](ChildChannel &c) {
          const bool grandchild = ::fork() == 0;
          c.step_done();
          return std::string(grandchild ? "from the grandchild" : "from the child");
        },
        10s);
    ASSERT_EQ(r.status, Isolated::Status::Finished) << r.what;
    EXPECT_EQ(r.payload, "from the child");
    EXPECT_EQ(r.steps_done, 1u);
  }
}

TEST(Isolation, AGrandchildLeftRunningDiesWithTheChildAndCostsNoTimeout) {
  const fs::path pid_file = scratch("isolation_grandchild") / "pid";
  const auto start = std::chrono::steady_clock::now();
  const Isolated r = run_isolated(
      [&](ChildChannel &) {
        if (const pid_t g = ::fork(); g == 0) {
          for (;;)
            ::pause();
        } else {
          std::ofstream(pid_file) << g;
        }
        return std::string("done");
      },
      60s);
  ASSERT_EQ(r.status, Isolated::Status::Finished) << r.what;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 30s) << "waited for the grandchild";
  pid_t g = 0;
  std::ifstream(pid_file) >> g;
  ASSERT_GT(g, 0);
  // Killed with the group; reaped by init shortly after.
  bool gone = false;
  for (int i = 0; i < 500 && !gone; ++i) {
    const std::string stat = slurp(fs::path("/proc") / std::to_string(g) / "stat");
    gone = stat.empty() || contains(stat, ") Z ");
    if (!gone)
      std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(gone) << "grandchild " << g << " still runs";
  if (!gone)
    ::kill(g, SIGKILL);
}

TEST(Isolation, ExitInADriverCallIsACrashThatNamesTheCall) {
  const Isolated r = run_isolated(
      [](ChildChannel &) -> std::string {
        DriverCall in(notify_call_name(BUSMAP_MEM_GOING_ONLINE));
        std::exit(0);
      },
      10s);
  EXPECT_EQ(r.status, Isolated::Status::Crashed);
  EXPECT_EQ(r.driver_call, "notify(GOING_ONLINE)");
  EXPECT_TRUE(contains(r.what, "the driver exited with status 0 in notify(GOING_ONLINE)")) << r.what;
}

TEST(Isolation, AHangIsReportedInTheCallItHangsIn) {
  const Isolated r = run_isolated(
      [](ChildChannel &) -> std::string {
        DriverCall in("unload()");
        for (;;)
          ::pause();
      },
      300ms);
  EXPECT_EQ(r.status, Isolated::Status::TimedOut);
  EXPECT_TRUE(contains(r.what, "no answer within 300 ms in unload()")) << r.what;
}

TEST(Isolation, OutputIsCapturedAndOnlyItsTailKept) {
  const Isolated r = run_isolated(
      [](ChildChannel &) -> std::string {
        const std::string line(1023, 'x');
        for (int i = 0; i < 8 * 1024; ++i)
          std::puts(line.c_str());
        std::fflush(stdout); // abort() flushes nothing: unflushed output is lost, as it would be
        std::fputs("the last words\n", stderr);
        std::abort();
      },
      60s);
  EXPECT_EQ(r.status, Isolated::Status::Crashed);
  EXPECT_EQ(r.output_bytes, 8u * 1024 * 1024 + 15);
  EXPECT_LE(r.output.size(), 2u * 4096);
  EXPECT_TRUE(contains(r.what, "the last 4096 of the 8388623 bytes it wrote")) << r.what.substr(0, 200);
  EXPECT_TRUE(r.what.ends_with("the last words\n"));
}

TEST(Isolation, TextReachesTheParentAsItIsSent) {
  std::vector<std::string> got;
  IsolationOptions o;
  o.timeout = 500ms;
  o.on_text = [&](std::string_view t) { got.emplace_back(t); };
  const Isolated r = run_isolated(
      [](ChildChannel &c) -> std::string {
        c.send_text("[1] load\n");
        c.send_text("[2] online 0x0\n");
        for (;;)
          ::pause();
      },
      o);
  EXPECT_EQ(r.status, Isolated::Status::TimedOut);
  EXPECT_EQ(got, (std::vector<std::string>{"[1] load\n", "[2] online 0x0\n"}));
}

TEST(Isolation, TheMemoryLimitEndsACaseThatTakesTooMuch) {
  if (!memory_limit_applies())
    GTEST_SKIP() << "an AddressSanitizer build needs terabytes of address space: no limit";
  // 1 GiB of address space, never touched: costs nothing unless refused.
  static char *volatile kept; // volatile: the compiler may not elide the allocation
  auto take_a_gib = [](ChildChannel &) {
    kept = new char[std::size_t{1} << 30];
    delete[] kept;
    return std::string("got it");
  };
  IsolationOptions o;
  o.memory_limit_mib = 256;
  const Isolated r = run_isolated(take_a_gib, o);
  EXPECT_EQ(r.status, Isolated::Status::Crashed);
  EXPECT_TRUE(contains(r.what, "out of memory: the case reached its limit of 256 MiB")) << r.what;
  o.memory_limit_mib = 0; // the same body without a limit fits: the limit made the difference
  EXPECT_EQ(run_isolated(take_a_gib, o).payload, "got it");
}

//===--------------------------------------------------------------------===//
// The commands, with the misbehaving plugin.
//===--------------------------------------------------------------------===//

/// `busmap ARGS` with BUSMAP_TEST_MISBEHAVE=mode (and BUSMAP_TEST_STATE=state).
std::pair<int, std::string> misbehaving(const std::string &mode, const std::string &args,
                                        const std::string &state = "") {
  ::setenv("BUSMAP_TEST_MISBEHAVE", mode.c_str(), 1);
  ::setenv("BUSMAP_TEST_STATE", state.c_str(), 1);
  auto r = run_capture(args);
  ::unsetenv("BUSMAP_TEST_MISBEHAVE");
  ::unsetenv("BUSMAP_TEST_STATE");
  return r;
}

/// A trace that loads the driver and onlines a block: notify(GOING_ONLINE) runs.
fs::path online_trace(const fs::path &dir, const std::string &expect) {
  const fs::path p = dir / "online.trace";
  std::ofstream(p) << "busmap-trace 2\nprofile portable\nmode strict\nexpect " << expect
                   << "\nblock 0x0 sections=1 offline\n\nload\nonline 0x0\n";
  return p;
}

struct Death {
  const char *mode;
  const char *invariant;
  const char *words; // what the report says of it
};

class DriverDeath : public ::testing::TestWithParam<Death> {};

// Before: replay ran the driver in its own process: abort, SIGSEGV, a stack
// overflow and SIGKILL killed replay (134, 139, 137, no output), a hang
// never ended, and exit(0) made replay answer "holds".
TEST_P(DriverDeath, ReplayGivesTheVerdictAndSurvives) {
  const Death &d = GetParam();
  const fs::path dir = scratch(("death_" + std::string(d.mode)).c_str());
  const auto [code, text] =
      misbehaving(d.mode, "replay " + online_trace(dir, std::string("fail ") + d.invariant).string() +
                              " --expect --case-timeout 1000 --plugin " MISBEHAVE_PLUGIN);
  EXPECT_EQ(code, 0) << text;
  EXPECT_TRUE(contains(text, std::string("got fail ") + d.invariant + ": as expected")) << text;
  EXPECT_TRUE(contains(text, d.words)) << text;
}

INSTANTIATE_TEST_SUITE_P(
    Modes, DriverDeath,
    ::testing::Values(
        Death{"notify-exit0", "crash", "the driver exited with status 0 in notify(GOING_ONLINE)"},
        Death{"notify-_exit0", "crash", "the driver exited with status 0 in notify(GOING_ONLINE)"},
        Death{"notify-abort", "crash", "killed by signal 6 (Aborted) in notify(GOING_ONLINE)"},
        // Under ASan a SIGSEGV becomes its report and exit(1): the words differ, the call not.
        Death{"notify-segv", "crash", " in notify(GOING_ONLINE)"},
        Death{"notify-stack", "crash", " in notify(GOING_ONLINE)"},
        Death{"notify-kill", "crash", "killed by signal 9 (Killed) in notify(GOING_ONLINE)"},
        Death{"notify-hang", "timeout", "no answer within 1000 ms in notify(GOING_ONLINE)"},
        Death{"ctor-segv", "crash", "in loading the plugin (dlopen, its constructors"},
        Death{"ctor-hang", "timeout", "in loading the plugin (dlopen, its constructors"},
        Death{"entry-abort", "crash", "in loading the plugin (dlopen, its constructors"},
        Death{"entry-hang", "timeout", "in loading the plugin (dlopen, its constructors"}),
    [](const auto &info) {
      std::string n = info.param.mode;
      for (char &c : n)
        c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return n;
    });

// Before: a crash in the constructor or the entry point killed `check`
// (139, no message); a hang there never ended.
TEST(MisbehavingPlugin, ACrashWhileLoadingIsAVerdictOfCheck) {
  const fs::path dir = scratch("ctor_check");
  const auto [code, text] =
      misbehaving("ctor-segv", "check --traces 2 --case-timeout 2000 --out " + dir.string() +
                                   " --plugin " MISBEHAVE_PLUGIN);
  EXPECT_EQ(code, 1) << text;
  EXPECT_TRUE(contains(text, "FAIL crash")) << text;
  EXPECT_TRUE(contains(text, "the plugin did not load in a trial process: ")) << text;
  EXPECT_TRUE(contains(text, "in loading the plugin (dlopen, its constructors")) << text;
  EXPECT_TRUE(contains(text, "violated at step 1: load")) << text;
}

// Before: 3 runs in 10 lost the verdict to "[json.exception.parse_error.101]".
TEST(MisbehavingPlugin, ADriverThatForksInLoadStillGetsItsVerdict) {
  for (int run = 0; run < 3; ++run) {
    const auto [code, text] = misbehaving(
        "load-fork", "check --traces 20 -q --out " + scratch("fork_check").string() +
                         " --plugin " MISBEHAVE_PLUGIN);
    EXPECT_EQ(code, 0) << text;
    EXPECT_TRUE(contains(text, "misbehave: pass, 20 traces")) << text;
  }
}

// Before: the grandchild held the result pipe open, and the case was a
// `timeout` of `load` with the grandchild left running.
TEST(MisbehavingPlugin, AGrandchildLeftSleepingIsNoTimeout) {
  const auto [code, text] = misbehaving(
      "load-linger", "check --traces 10 -q --case-timeout 5000 --out " +
                         scratch("linger_check").string() + " --plugin " MISBEHAVE_PLUGIN);
  EXPECT_EQ(code, 0) << text;
  EXPECT_TRUE(contains(text, "misbehave: pass, 10 traces")) << text;
}

// Before: 8 MiB per load reached the harness's stdout, even with -q.
TEST(MisbehavingPlugin, WhatTheDriverPrintsStaysOutOfTheReport) {
  const auto [code, text] = misbehaving(
      "load-print", "check --traces 5 -q --out " + scratch("print_check").string() +
                        " --plugin " MISBEHAVE_PLUGIN);
  EXPECT_EQ(code, 0) << text;
  EXPECT_LT(text.size(), 4096u) << text.substr(0, 300);
}

// Before: a driver thread still running at exit made replay segfault in
// about half the runs.  Now each run is a verdict on the driver.
TEST(MisbehavingPlugin, AThreadOutlivingUnloadIsTheDriversVerdictNotReplaysCrash) {
  const fs::path dir = scratch("thread_replay");
  const auto [code, text] = misbehaving(
      "load-thread", "replay " + online_trace(dir, "pass").string() +
                         " --repeat 5 --plugin " MISBEHAVE_PLUGIN);
  EXPECT_TRUE(code == 0 || code == 1) << code << text;
  EXPECT_TRUE(contains(text, "5 runs: ")) << text;
}

// Before: a hang or abort in the unload after the last step was reported
// at step 1, load, and the trace had no unload line.
TEST(MisbehavingPlugin, AFailingFinalUnloadIsItsOwnStepAndLine) {
  const fs::path dir = scratch("unload_check");
  const auto [code, text] = misbehaving(
      "unload-abort", "check --traces 3 --out " + dir.string() + " --plugin " MISBEHAVE_PLUGIN);
  EXPECT_EQ(code, 1) << text;
  const std::string trace = slurp(dir / "misbehave.trace");
  EXPECT_TRUE(contains(trace, "# violated: crash at step 2 (unload), in unload()")) << trace;
  EXPECT_TRUE(trace.ends_with("\nload\nunload\n")) << trace;

  const fs::path implicit = dir / "implicit.trace";
  std::ofstream(implicit) << "busmap-trace 2\nexpect fail timeout\nblock 0x0 sections=1 online\n"
                             "\nload\n";
  const auto [rcode, rtext] =
      misbehaving("unload-hang", "replay " + implicit.string() +
                                     " --expect --case-timeout 500 --plugin " MISBEHAVE_PLUGIN);
  EXPECT_EQ(rcode, 0) << rtext;
  EXPECT_TRUE(contains(rtext, "unload (implicit: the trace ended loaded)")) << rtext;
  EXPECT_TRUE(contains(rtext, "no answer within 500 ms in unload()")) << rtext;
}

// Before: nothing marked a failure that does not repeat.  The driver is
// wrong in every other process that loads it (the trial load is the 1st).
TEST(MisbehavingPlugin, AFailureThatDoesNotRepeatIsReportedFlaky) {
  const fs::path dir = scratch("flaky_check");
  const std::string state = (dir / "count").string();
  const auto [code, text] = misbehaving(
      "alternate", "check --traces 3 --out " + dir.string() + " --json " +
                       (dir / "r.json").string() + " --plugin " MISBEHAVE_PLUGIN,
      state);
  EXPECT_EQ(code, 1) << text;
  EXPECT_TRUE(contains(text, "(flaky: failed 2 of 3 runs)")) << text;
  const auto j = nlohmann::json::parse(slurp(dir / "r.json")).at(0);
  EXPECT_EQ(j.at("flaky").at("failed"), 2);
  EXPECT_EQ(j.at("flaky").at("runs"), 3);
  EXPECT_TRUE(contains(slurp(dir / "misbehave.trace"), "flaky: failed 2 of 3 runs")) << text;

  // Replay says so too: the count goes on, every other run fails.
  const auto [rcode, rtext] = misbehaving("alternate",
                                          "replay " + (dir / "misbehave.trace").string() +
                                              " --repeat 4 --plugin " MISBEHAVE_PLUGIN,
                                          state);
  EXPECT_EQ(rcode, 1) << rtext;
  EXPECT_TRUE(contains(rtext, "4 runs: flaky: ")) << rtext;
  EXPECT_TRUE(contains(rtext, "in 2 of 4 runs, pass in 2 of 4 runs")) << rtext;
}

// The same driver without its misbehaviour is the example driver: the
// plugin's wrapping itself costs no verdict (a false alarm would show here).
TEST(MisbehavingPlugin, WithoutAMisbehaviourItHolds) {
  const auto [code, text] = misbehaving(
      "none", "check --traces 30 -q --out " + scratch("none_check").string() +
                  " --plugin " MISBEHAVE_PLUGIN);
  EXPECT_EQ(code, 0) << text;
}

//===--------------------------------------------------------------------===//
// busmap stress: driver code runs on threads there too, in one child.
//===--------------------------------------------------------------------===//

TEST(StressCli, ADriverThatCrashesOrHangsIsAVerdict) {
  const fs::path dir = scratch("stress-death");
  const std::string trace = online_trace(dir, "pass").string();
  const auto [crash_rc, crash] = misbehaving(
      "notify-segv", "stress --seconds 0.5 --trace " + trace + " --plugin " MISBEHAVE_PLUGIN);
  EXPECT_EQ(crash_rc, 1) << crash;
  EXPECT_NE(crash.find("fail crash"), std::string::npos) << crash;
  EXPECT_NE(crash.find("in notify(GOING_ONLINE)"), std::string::npos) << crash;
  const auto [hang_rc, hang] =
      misbehaving("notify-hang", "stress --seconds 0.5 --case-timeout 1000 --trace " + trace +
                                     " --plugin " MISBEHAVE_PLUGIN);
  EXPECT_EQ(hang_rc, 1) << hang;
  EXPECT_NE(hang.find("fail timeout"), std::string::npos) << hang;
}

TEST(StressCli, ACorrectDriverPassesAndBadInputIsExitTwo) {
  const auto [rc, out] = run_capture("stress --impl radix --seconds 0.5");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("stress radix: "), std::string::npos) << out;
  EXPECT_NE(out.find(": pass"), std::string::npos) << out;
  // ABI 1 has no data path: nothing runs beside the events, and it says so.
  const auto [abi1_rc, abi1] = run_capture("stress --seconds 0.3 --plugin " EXAMPLE_ABI1_PLUGIN);
  EXPECT_EQ(abi1_rc, 0) << abi1;
  EXPECT_NE(abi1.find("nothing translated in parallel"), std::string::npos) << abi1;
  EXPECT_EQ(run_capture("stress --impl no-such-driver").first, 2);
  EXPECT_EQ(run_capture("stress --threads 0").first, 2);
  const fs::path bad = scratch("stress-bad") / "bad.trace";
  std::ofstream(bad) << "busmap-trace 2\nprofile portable\nload\nonline 0xZZ\n";
  const auto [bad_rc, bad_out] = run_capture("stress --trace " + bad.string());
  EXPECT_EQ(bad_rc, 2) << bad_out;
  EXPECT_NE(bad_out.find("bad.trace:4:"), std::string::npos) << bad_out;
}

} // namespace
} // namespace busmap
