// The checker: a correct driver passes, broken drivers defined here fail
// with small shrunk traces (a wrong translation, a crash, a hang), budgets
// are honoured and reported, the same seed gives the same run, and two
// shards together are exactly one run.
#include "impl/drivers.hpp"
#include "properties/checker.hpp"
#include "properties/isolation.hpp"
#include "properties/oracle.hpp"
#include "properties/trace_format.hpp"
#include "properties/worker_pool.hpp"
#include "tests/support/patient.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <set>

namespace busmap {
namespace {

//===--------------------------------------------------------------------===//
// Broken variants of `simple`, defined here so the tests do not depend on
// the mutant zoo: each wraps simple's table and breaks one thing.
//===--------------------------------------------------------------------===//

const busmap_driver &simple() { return drivers::simple; }

/// Translations of the second and later sections of the bus space are one
/// byte off: a wrong device view that needs two mapped sections.
std::uint64_t off_by_one_translate(void *drv, std::uint64_t phys) {
  std::uint64_t bus = simple().translate(drv, phys);
  if (bus != BUSMAP_INVALID && bus - 0x8000000000000000ull >= (1ull << 24))
    return bus + 1;
  return bus;
}

/// Dies of SIGSEGV when an offline is cancelled (a veto or a migration failure).
int crashing_notify(void *drv, busmap_mem_action action, std::uint64_t start, std::uint64_t n) {
  if (action == BUSMAP_MEM_CANCEL_OFFLINE)
    std::raise(SIGSEGV);
  return simple().notify(drv, action, start, n);
}

/// Never answers an offline.
int hanging_notify(void *drv, busmap_mem_action action, std::uint64_t start, std::uint64_t n) {
  if (action == BUSMAP_MEM_GOING_OFFLINE)
    for (volatile bool forever = true; forever;) {
    }
  return simple().notify(drv, action, start, n);
}

busmap_driver variant(const char *name, std::uint64_t (*translate)(void *, std::uint64_t),
                      int (*notify)(void *, busmap_mem_action, std::uint64_t, std::uint64_t)) {
  busmap_driver d = simple();
  d.name = name;
  if (translate)
    d.translate = translate;
  if (notify)
    d.notify = notify;
  return d;
}

const busmap_driver off_by_one = variant("test-off-by-one", off_by_one_translate, nullptr);
const busmap_driver crashing = variant("test-crash", nullptr, crashing_notify);
const busmap_driver hanging = variant("test-hang", nullptr, hanging_notify);

CheckOptions quick(std::size_t traces = 40) {
  CheckOptions o;
  o.traces = traces;
  o.max_steps = 30;
  o.case_timeout = testing::PatientCaseTimeout; // the hang test sets its own
  o.seed = 1;
  return o;
}

/// A failure's shrunk trace is small, is a valid trace file, and replays
/// (outside the checker) to the same invariant.
void expect_small_replayable_failure(const busmap_driver &d, const CheckResult &r,
                                     const std::string &invariant, std::size_t max_ops) {
  ASSERT_FALSE(r.pass()) << r.impl << " passed";
  const Failure &f = *r.failure;
  EXPECT_EQ(f.violation.invariant, invariant) << describe_failure(r);
  EXPECT_LE(f.shrunk.ops.size(), max_ops) << write_trace(f.shrunk);
  EXPECT_LE(f.shrunk.ops.size(), f.original.ops.size());
  EXPECT_EQ(f.shrunk.expect_fail, invariant);
  const Trace back = parse_trace(write_trace(f.shrunk), "shrunk.trace");
  EXPECT_EQ(back.ops, f.shrunk.ops);
  if (invariant != inv::Crash && invariant != inv::Timeout) {
    const Verdict v = Oracle(d).run(back, Mode::Strict);
    ASSERT_FALSE(v.pass());
    EXPECT_EQ(v.violation->invariant, invariant);
  }
}

TEST(Checker, CorrectDriverPasses) {
  const CheckResult r = check(simple(), quick());
  EXPECT_TRUE(r.pass()) << describe_failure(r);
  EXPECT_EQ(r.traces, 40u);
  EXPECT_GT(r.steps, 40u);
  EXPECT_TRUE(r.run_cut_short.empty());
  // The statistics cover every trace and show the deep protocol paths.
  std::uint64_t traces = 0;
  for (auto &[cls, n] : r.stats.layouts)
    traces += n;
  EXPECT_EQ(traces, 40u);
  // Every load took exactly one of the load paths.
  std::uint64_t load_paths = 0;
  for (auto &[path, n] : r.stats.paths)
    load_paths += path.starts_with("load: ") ? n : 0;
  EXPECT_EQ(r.stats.ops.at("load"), load_paths);
  EXPECT_TRUE(r.stats.paths.count("online: completed"));
  EXPECT_TRUE(r.stats.paths.count("offline: completed"));
  EXPECT_TRUE(r.stats.paths.count("remove: reclaimed"));
  EXPECT_NE(r.stats.table().find("protocol path"), std::string::npos);
}

TEST(Checker, WrongTranslationShrinksToAFewOperations) {
  const CheckResult r = check(off_by_one, quick());
  expect_small_replayable_failure(off_by_one, r, inv::DeviceView, 4);
  EXPECT_GT(r.failure->shrinks, 0u);
  EXPECT_TRUE(r.failure->shrink_cut_short.empty()) << r.failure->shrink_cut_short;
  EXPECT_NE(describe_failure(r).find("device-view"), std::string::npos);
}

TEST(Checker, CrashIsAFailureAtItsStep) {
  CheckOptions o = quick(200);
  const CheckResult r = check(crashing, o);
  expect_small_replayable_failure(crashing, r, inv::Crash, 3);
#if defined(__SANITIZE_ADDRESS__)
  // ASan's own SEGV handler reports the crash and exits instead of letting
  // the signal kill the child: the report's summary is what shows.
  EXPECT_NE(r.failure->violation.actual.find("AddressSanitizer: SEGV"), std::string::npos)
      << r.failure->violation.actual;
#else
  EXPECT_NE(r.failure->violation.actual.find("signal"), std::string::npos)
      << r.failure->violation.actual;
#endif
  // The step named is the offline whose cancel crashed: cancelled by a
  // veto, a failed migration, or the driver's own veto on a fault armed
  // before it (offline_pages() cancels on any of the three).
  const Trace &t = r.failure->shrunk;
  const Op &op = t.ops.at(r.failure->violation.step);
  EXPECT_EQ(op.kind, OpKind::Offline);
  const bool fault_armed = std::any_of(t.ops.begin(), t.ops.begin() + r.failure->violation.step,
                                       [](const Op &o) {
                                         return o.kind == OpKind::FaultAlloc || o.kind == OpKind::FaultHcall;
                                       });
  EXPECT_TRUE(op.migrate_fail || op.veto != Veto::None || fault_armed) << write_trace(t);
}

Layout machine_layout() {
  return parse_layout("busmap-layout 1\n"
                      "block 0x0 sections=16 online\n"
                      "block 0x40000000 sections=16 offline\n",
                      "machine.layout");
}

TEST(Checker, HangIsATimeoutAndTheShrinkBudgetIsReported) {
  CheckOptions o = quick(20);
  // Two blocks keep every step that does not hang a thousand times below
  // the case timeout, under ASan too: on a generated large layout the slow
  // re-registrations of the steps before the offline ran out the clock, so
  // the timeout was blamed on an earlier step.
  o.layout = machine_layout();
  o.case_timeout = std::chrono::milliseconds(2000);
  o.shrink.candidates = 3;
  const CheckResult r = check(hanging, o);
  ASSERT_FALSE(r.pass());
  EXPECT_EQ(r.failure->violation.invariant, inv::Timeout);
  EXPECT_EQ(r.failure->shrunk.ops.at(r.failure->violation.step).kind, OpKind::Offline);
  EXPECT_LE(r.failure->candidates, 3u);
  EXPECT_NE(r.failure->shrink_cut_short.find("candidate budget"), std::string::npos);
  EXPECT_NE(describe_failure(r).find("stopped early"), std::string::npos);
}

TEST(Checker, RunTimeBudgetStopsEarlyAndSaysSo) {
  CheckOptions o = quick(1000000);
  o.time_budget = std::chrono::seconds(1);
  const CheckResult r = check(simple(), o);
  EXPECT_TRUE(r.pass());
  EXPECT_LT(r.traces, 1000000u);
  EXPECT_NE(r.run_cut_short.find("time budget"), std::string::npos);
}

TEST(Checker, SameSeedSameResult) {
  const CheckResult a = check(off_by_one, quick()), b = check(off_by_one, quick());
  ASSERT_FALSE(a.pass());
  EXPECT_EQ(a.records, b.records);
  EXPECT_EQ(a.stats, b.stats);
  EXPECT_EQ(write_trace(a.failure->shrunk), write_trace(b.failure->shrunk));
  CheckOptions other = quick();
  other.seed = 8;
  EXPECT_NE(check(simple(), other).records, check(simple(), quick()).records);
}

/// A machine's layout, as `--layout` would give it: two 256 MiB LMBs with
/// a hole between them, the second offline.
TEST(Checker, FixedLayoutStartsEveryTraceAndIsNeverShrunk) {
  CheckOptions o = quick(20);
  o.layout = machine_layout();
  o.layout_name = "file:machine.layout";
  const CheckResult pass = check(simple(), o);
  EXPECT_TRUE(pass.pass()) << describe_failure(pass);
  EXPECT_EQ(pass.stats.layouts, (std::map<std::string, std::uint64_t>{{"file:machine.layout", 20}}));
  EXPECT_GT(pass.stats.paths.count("online: completed"), 0u);

  const CheckResult a = check(off_by_one, o), b = check(off_by_one, o);
  ASSERT_FALSE(a.pass());
  EXPECT_EQ(write_layout(a.failure->original.layout), write_layout(*o.layout));
  EXPECT_EQ(write_layout(a.failure->shrunk.layout), write_layout(*o.layout));
  EXPECT_EQ(a.records, b.records); // same seed, same traces
  EXPECT_EQ(write_trace(a.failure->shrunk), write_trace(b.failure->shrunk));
  // Without the fixed layout the same seed generates other traces.
  EXPECT_NE(check(simple(), quick(20)).records, pass.records);
}

TEST(Checker, TwoShardsAreOneRun) {
  const CheckResult whole = check(simple(), quick(30));
  std::vector<TraceRecord> joined;
  RunStats stats;
  for (std::size_t i = 0; i < 2; ++i) {
    CheckOptions o = quick(30);
    o.shard = Shard{i, 2};
    const CheckResult part = check(simple(), o);
    EXPECT_TRUE(part.pass());
    for (const auto &rec : part.records)
      EXPECT_EQ(rec.index % 2, i) << "shard " << i << " ran trace " << rec.index;
    joined.insert(joined.end(), part.records.begin(), part.records.end());
    stats.merge(part.stats);
  }
  std::sort(joined.begin(), joined.end(),
            [](const TraceRecord &a, const TraceRecord &b) { return a.index < b.index; });
  EXPECT_EQ(joined, whole.records);
  EXPECT_EQ(stats, whole.stats);
}

// --jobs: the cases run on worker processes, and the run is the one-job
// run: same records, statistics and steps, the same first failure and the
// same shrunk trace (shrinking runs in this process).
void expect_same_run(const CheckResult &a, const CheckResult &b) {
  EXPECT_EQ(a.records, b.records);
  EXPECT_EQ(a.stats, b.stats);
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(a.traces, b.traces);
  ASSERT_EQ(a.pass(), b.pass());
  if (a.pass())
    return;
  EXPECT_EQ(a.failure->trace_index, b.failure->trace_index);
  EXPECT_EQ(a.failure->violation.invariant, b.failure->violation.invariant);
  EXPECT_EQ(write_trace(a.failure->shrunk), write_trace(b.failure->shrunk));
  EXPECT_EQ(a.failure->candidates, b.failure->candidates);
  EXPECT_EQ(a.failure->shrinks, b.failure->shrinks);
}

TEST(Checker, JobsGiveTheRunOfOneJob) {
  for (const busmap_driver *d : {&simple(), &off_by_one, &crashing}) {
    SCOPED_TRACE(d->name);
    CheckOptions o = quick(d == &crashing ? 200 : 40);
    const CheckResult one = check(*d, o);
    o.jobs = 3;
    expect_same_run(one, check(*d, o));
  }
  // With a shard too: the shard's cases, on workers.
  CheckOptions o = quick(30);
  o.shard = Shard{1, 2};
  const CheckResult one = check(simple(), o);
  o.jobs = 2;
  expect_same_run(one, check(simple(), o));
  EXPECT_EQ(one.traces, 15u);
}

// Case hosts run case after case in one process; a case that holds there
// is the run a fork of its own would give it, and one that does not runs
// again in a fresh child.  Both against --no-fork, which runs every case in
// the harness itself.
TEST(Checker, CaseHostsGiveTheRunOfInProcessCases) {
  for (const busmap_driver *d : {&simple(), &off_by_one}) {
    SCOPED_TRACE(d->name);
    CheckOptions o = quick(60);
    o.fork_cases = false;
    const CheckResult in_process = check(*d, o);
    o.fork_cases = true;
    expect_same_run(in_process, check(*d, o));
  }
}

/// A driver whose global state goes bad: after 40 loads in one process,
/// every translation is a page off.  No trace loads it 40 times (30 steps
/// at most), so each case alone holds; cases that share one process, as a
/// loaded kernel module's devices share its globals, do not.
int loads_in_this_process = 0;
void *counting_load(const busmap_platform *p) {
  ++loads_in_this_process;
  return simple().load(p);
}
std::uint64_t worn_translate(void *drv, std::uint64_t phys) {
  const std::uint64_t bus = simple().translate(drv, phys);
  return bus != BUSMAP_INVALID && loads_in_this_process > 40 ? bus + 4096 : bus;
}

// A case host shares a driver's globals between its cases, as one loaded
// module shares them between probes: a driver that goes bad after 40 loads
// is caught there, as it is when every case runs in one process, and since
// its trace alone holds in a fresh process, the failure is reported flaky
// (it does not repeat from the trace), never as a plain failure.
TEST(Checker, GlobalsThatGoBadAcrossCasesAreCaughtOnAHostAndReportedFlaky) {
  busmap_driver worn = variant("test-worn-globals", worn_translate, nullptr);
  worn.load = counting_load;
  CheckOptions o = quick(120);
  o.shrink.candidates = 20; // the failure is the point here, not its shrunk trace
  const CheckResult hosted = check(worn, o);
  ASSERT_FALSE(hosted.pass());
  EXPECT_EQ(hosted.failure->violation.invariant, inv::DeviceView);
  ASSERT_TRUE(hosted.failure->flaky);
  EXPECT_EQ(hosted.failure->flaky->failed, 1u);
  EXPECT_EQ(hosted.failure->flaky->runs, 3u);
  EXPECT_EQ(loads_in_this_process, 0) << "no case ran in the harness's own process";
  o.fork_cases = false;
  EXPECT_FALSE(check(worn, o).pass());
  loads_in_this_process = 0;
}

// Shrinking takes a candidate that fails the same way on the shrink host
// at once, and runs it from a fresh process when shrinking is done; with
// no reruns asked for, that one fresh run still decides.  On a host that
// has loaded the worn driver 40 times every candidate fails, and none
// fails alone: the report is the trace the run found, never a "shrunk"
// trace that holds by itself.
TEST(Checker, ATraceTakenOnTheShrinkHostFailsFromAFreshProcessBeforeItIsReported) {
  busmap_driver worn = variant("test-worn-globals", worn_translate, nullptr);
  worn.load = counting_load;
  CheckOptions o = quick(120);
  o.reruns = 0;
  o.shrink.candidates = 200;
  const CheckResult r = check(worn, o);
  ASSERT_FALSE(r.pass());
  const Failure &f = *r.failure;
  EXPECT_GT(f.flaky_candidates, 0u) << "the host took traces that hold alone";
  EXPECT_EQ(f.shrinks, 0u);
  Trace reported = f.shrunk;
  reported.expect_fail = f.original.expect_fail; // the verdict line the report adds
  EXPECT_EQ(write_trace(reported), write_trace(f.original)) << "no trace that holds alone";
  EXPECT_EQ(loads_in_this_process, 0);
}

TEST(Checker, JobsStopAtTheTimeBudgetAndSaySo) {
  CheckOptions o = quick(1000000);
  o.time_budget = std::chrono::seconds(1);
  o.jobs = 2;
  const CheckResult r = check(simple(), o);
  EXPECT_TRUE(r.pass());
  EXPECT_LT(r.traces, 1000000u);
  EXPECT_NE(r.run_cut_short.find("time budget"), std::string::npos);
}

WorkerPoolOptions workers(std::size_t n) {
  WorkerPoolOptions o;
  o.workers = n;
  return o;
}

std::vector<std::string> requests(std::size_t n, std::size_t step = 1) {
  std::vector<std::string> r;
  for (std::size_t i = 0; i < n; ++i)
    r.push_back(std::to_string(i * step));
  return r;
}

std::size_t job(const std::string &request) { return std::stoull(request); }

TEST(WorkerPool, ResultsComeInOrderAndStopWhenAsked) {
  const std::vector<std::string> jobs = requests(40, 3);
  // Later jobs finish first: the order of the results is still the jobs'.
  auto work = [](const std::string &request) {
    const std::size_t j = job(request);
    ::usleep(static_cast<useconds_t>((120 - j) * 50));
    return std::to_string(j * j);
  };
  WorkerPool pool(work, workers(4));
  std::vector<std::string> seen;
  pool.run(jobs, [&](std::size_t position, std::string r) {
    EXPECT_EQ(r, std::to_string(job(jobs[position]) * job(jobs[position])));
    seen.push_back(jobs[position]);
    return true;
  });
  EXPECT_EQ(seen, jobs);
  std::size_t taken = 0;
  pool.run(jobs, [&](std::size_t position, std::string) {
    ++taken;
    return jobs[position] != "9"; // the fourth job stops the run
  });
  EXPECT_EQ(taken, 4u);
  // The pool goes on after a stopped run, its killed workers forked again.
  seen.clear();
  pool.run(jobs, [&](std::size_t position, std::string) {
    seen.push_back(jobs[position]);
    return true;
  });
  EXPECT_EQ(seen, jobs);
  WorkerPool broken([](const std::string &) -> std::string { throw std::runtime_error("broken"); },
                    workers(2));
  EXPECT_THROW(broken.run(jobs, [](std::size_t, std::string) { return true; }),
               std::runtime_error);
}

// A job a worker gives no result for -- it throws, dies or hangs --
// runs again in the parent, in its place in the order, and a fresh worker
// takes the jobs after it.
TEST(WorkerPool, AJobWithoutAResultRunsAgainInTheParentAndAFreshWorkerGoesOn) {
  const std::vector<std::string> jobs = requests(30);
  const pid_t parent = ::getpid();
  auto work = [](const std::string &request) -> std::string {
    const std::size_t j = job(request);
    if (j == 4)
      throw std::runtime_error("no result");
    if (j == 11)
      std::raise(SIGSEGV);
    if (j == 17)
      ::_exit(3);
    if (j == 23)
      for (;;)
        ::pause();
    return fmt::format("worker {}", j);
  };
  WorkerPoolOptions o = workers(2);
  o.job_timeout = std::chrono::milliseconds(300);
  std::vector<std::size_t> rerun;
  o.rerun = [&](const std::string &request) {
    EXPECT_EQ(::getpid(), parent);
    rerun.push_back(job(request));
    return fmt::format("parent {}", request);
  };
  std::vector<std::string> seen;
  WorkerPool(work, o).run(jobs, [&](std::size_t, std::string r) {
    seen.push_back(std::move(r));
    return true;
  });
  ASSERT_EQ(seen.size(), jobs.size());
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    const bool lost = j == 4 || j == 11 || j == 17 || j == 23;
    EXPECT_EQ(seen[j], fmt::format("{} {}", lost ? "parent" : "worker", j));
  }
  std::sort(rerun.begin(), rerun.end());
  EXPECT_EQ(rerun, (std::vector<std::size_t>{4, 11, 17, 23}));
}

// What a worker's job leaves in the worker's memory does not reach the
// parent, stays in the worker from one run of jobs to the next (shrinking's
// batches), and a worker replaced after a lost job starts from the parent's
// state again.
TEST(WorkerPool, AReplacedWorkerStartsFromTheParentsState) {
  static int touched = 0; // a driver's global, as a stateful plugin has
  auto work = [](const std::string &request) -> std::string {
    const int before = touched++;
    if (request == "lost")
      throw std::runtime_error("no result");
    return std::to_string(before);
  };
  WorkerPoolOptions o = workers(1);
  o.rerun = [](const std::string &) { return std::string("rerun"); };
  WorkerPool pool(work, o);
  std::vector<std::string> seen;
  auto take = [&](std::size_t, std::string r) {
    seen.push_back(std::move(r));
    return true;
  };
  pool.run({"a", "b"}, take);
  pool.run({"lost", "c", "d"}, take);
  EXPECT_EQ(seen, (std::vector<std::string>{"0", "1", "rerun", "0", "1"}));
  EXPECT_EQ(touched, 0);
}

TEST(Checker, ShardsFromGoogleTestEnvironment) {
  const std::string status = ::testing::TempDir() + "busmap_shard_status";
  std::remove(status.c_str());
  ::setenv("GTEST_TOTAL_SHARDS", "3", 1);
  ::setenv("GTEST_SHARD_INDEX", "2", 1);
  ::setenv("GTEST_SHARD_STATUS_FILE", status.c_str(), 1);
  const Shard s = Shard::from_environment();
  EXPECT_EQ(s.total, 3u);
  EXPECT_EQ(s.index, 2u);
  EXPECT_TRUE(std::ifstream(status).good()) << "the status file is touched";
  ::setenv("GTEST_SHARD_INDEX", "3", 1);
  EXPECT_THROW(Shard::from_environment(), std::invalid_argument);
  ::setenv("GTEST_SHARD_INDEX", "x", 1);
  EXPECT_THROW(Shard::from_environment(), std::invalid_argument);
  ::unsetenv("GTEST_SHARD_INDEX");
  EXPECT_THROW(Shard::from_environment(), std::invalid_argument);
  ::unsetenv("GTEST_TOTAL_SHARDS");
  ::unsetenv("GTEST_SHARD_STATUS_FILE");
  EXPECT_EQ(Shard::from_environment().total, 1u);
}

TEST(Isolation, ReportsPayloadStepsCrashAndTimeout) {
  // Only the hang needs a short deadline; the others finish or die at once,
  // but a dying child under ASan on a loaded machine took more than 2 s
  // (the sanitizer loop of issue 16 saw the crash reported as a timeout).
  const auto ms = testing::PatientCaseTimeout;
  Isolated ok = run_isolated([](ChildChannel &c) { c.step_done(); c.step_done(); return std::string("hi"); }, ms);
  EXPECT_EQ(ok.status, Isolated::Status::Finished);
  EXPECT_EQ(ok.payload, "hi");
  EXPECT_EQ(ok.steps_done, 2u);

  Isolated crash = run_isolated([](ChildChannel &c) -> std::string {
    c.step_done();
    std::fprintf(stderr, "about to die\n");
    std::raise(SIGSEGV);
    return "unreachable";
  }, ms);
  EXPECT_EQ(crash.status, Isolated::Status::Crashed);
  EXPECT_EQ(crash.steps_done, 1u);
  EXPECT_NE(crash.what.find("signal"), std::string::npos) << crash.what;
  EXPECT_NE(crash.what.find("about to die"), std::string::npos) << crash.what;

  Isolated hang = run_isolated([](ChildChannel &) -> std::string {
    for (volatile bool forever = true; forever;) {
    }
    return "";
  }, std::chrono::milliseconds(200));
  EXPECT_EQ(hang.status, Isolated::Status::TimedOut);

  Isolated threw = run_isolated([](ChildChannel &) -> std::string { throw std::runtime_error("boom"); }, ms);
  EXPECT_EQ(threw.status, Isolated::Status::Crashed);
  EXPECT_NE(threw.what.find("boom"), std::string::npos);
}

} // namespace
} // namespace busmap
