// The failure database (properties/failure_db.hpp) and the commands around
// it: a shrunk failure is kept once under a stable name and replayed first
// by the next run; a kept trace that holds is reported fixed and pruned on
// request; kept traces of the other mode are left alone; `busmap check`
// does this with --db/--no-db/--prune and removes stale outputs of an
// implementation that now passes; `busmap keep` turns a failure into an
// `expect pass` regression that says where it came from.
#include "impl/drivers.hpp"
#include "impl/registry.hpp"
#include "properties/failure_db.hpp"
#include "properties/trace_format.hpp"

#include "tests/check/cli_support.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace busmap {
namespace {

namespace fs = std::filesystem;
using testing::run_capture;
using testing::scratch;
using testing::slurp;

const busmap_driver &mutant() { return *find_implementation("rank-off-by-one")->driver; }

CheckOptions few_traces() {
  CheckOptions o;
  o.traces = 20;
  o.case_timeout = testing::PatientCaseTimeout;
  return o;
}

TEST(FailureDb, FileNamesAreStablePerImplementationAndTrace) {
  const FailureDb db("/x");
  Trace a;
  a.layout.blocks = {{0x0, 1, BlockState::Online}};
  a.ops = {{OpKind::Load}};
  Trace b = a;
  b.ops.push_back({OpKind::Unload});
  EXPECT_EQ(db.path_for("radix", a), db.path_for("radix", a));
  EXPECT_NE(db.path_for("radix", a), db.path_for("radix", b));
  EXPECT_NE(db.path_for("radix", a), db.path_for("simple", a));
  EXPECT_EQ(fs::path(db.path_for("my drv/1", a)).parent_path(), fs::path("/x/my_drv_1"));
  EXPECT_EQ(fs::path(db.path_for("radix", a)).filename().string().size(), 16u + 6u);
}

TEST(FailureDb, AFailureIsKeptOnceAndReplayedFirst) {
  const FailureDb db(scratch("db_keep").string());
  const DbCheck first = check_with_db(mutant(), few_traces(), db, false, "found by: a test");
  ASSERT_FALSE(first.result.pass());
  EXPECT_TRUE(first.result.failure->kept_file.empty()) << "found by generation";
  ASSERT_FALSE(first.kept_file.empty());
  EXPECT_EQ(db.files("rank-off-by-one"), std::vector<std::string>{first.kept_file});
  EXPECT_NE(slurp(first.kept_file).find("found by: a test"), std::string::npos);

  const DbCheck second = check_with_db(mutant(), few_traces(), db, false, "found by: a test");
  EXPECT_EQ(second.kept.replayed, 1u);
  ASSERT_FALSE(second.result.pass());
  EXPECT_EQ(second.result.failure->kept_file, first.kept_file) << "replayed before generating";
  EXPECT_EQ(second.result.traces, 0u) << "nothing generated";
  EXPECT_EQ(db.files("rank-off-by-one").size(), 1u) << "the same shrunk trace is kept once";
  EXPECT_NE(describe_failure(second.result).find("on kept failure"), std::string::npos);
}

TEST(FailureDb, AKeptTraceThatHoldsIsFixedAndPrunedOnRequest) {
  const FailureDb db(scratch("db_fixed").string());
  // The mutant's failure, kept for `simple` (the fixed driver) by hand.
  const DbCheck found = check_with_db(mutant(), few_traces(), db, false, "t");
  ASSERT_FALSE(found.kept_file.empty());
  const Trace trace = read_trace_file(found.kept_file);
  const std::string kept = db.keep("simple", trace, "copied");
  const DbCheck held = check_with_db(drivers::simple, few_traces(), db, false, "t");
  EXPECT_TRUE(held.result.pass());
  EXPECT_EQ(held.kept.fixed, std::vector<std::string>{kept});
  EXPECT_TRUE(fs::exists(kept)) << "kept until --prune";
  EXPECT_NE(describe_replay(held.kept, false).find("--prune removes them"), std::string::npos);
  const DbCheck pruned = check_with_db(drivers::simple, few_traces(), db, true, "t");
  EXPECT_EQ(pruned.kept.pruned, std::vector<std::string>{kept});
  EXPECT_FALSE(fs::exists(kept));
}

TEST(FailureDb, KeptTracesOfTheOtherModeAreNotReplayed) {
  const FailureDb db(scratch("db_mode").string());
  const DbCheck found = check_with_db(mutant(), few_traces(), db, false, "t");
  ASSERT_FALSE(found.kept_file.empty());
  CheckOptions lenient = few_traces();
  lenient.mode = Mode::Lenient;
  const KeptReplay r = db.replay(mutant(), "rank-off-by-one", lenient, true);
  EXPECT_EQ(r.replayed, 0u);
  EXPECT_EQ(r.other_mode, 1u);
  EXPECT_TRUE(fs::exists(found.kept_file)) << "another mode's failure is not pruned";
}

TEST(FailureDb, AnUnreadableKeptFileIsReportedNotFatal) {
  const fs::path d = scratch("db_bad");
  fs::create_directories(d / "simple");
  std::ofstream(d / "simple" / "0000000000000000.trace") << "busmap-trace 2\nmode maybe\n";
  const KeptReplay r = FailureDb(d.string()).replay(drivers::simple, "simple", few_traces(), true);
  ASSERT_EQ(r.unreadable.size(), 1u);
  EXPECT_NE(r.unreadable[0].find("0000000000000000.trace:2"), std::string::npos) << r.unreadable[0];
}

TEST(FailureDbCli, CheckKeepsReplaysAndPrunes) {
  const fs::path d = scratch("db_cli");
  const std::string db = " --db " + (d / "db").string() + " --out " + (d / "out").string();
  const auto [code1, out1] = run_capture("check --impl rank-off-by-one --traces 20" + db);
  EXPECT_EQ(code1, 1) << out1;
  EXPECT_NE(out1.find("kept in the failure database: " + (d / "db" / "rank-off-by-one").string()),
            std::string::npos)
      << out1;
  EXPECT_NE(out1.find("timeline: "), std::string::npos) << out1;
  EXPECT_TRUE(fs::exists(d / "out" / "rank-off-by-one.timeline.svg"));
  const auto [code2, out2] = run_capture("check --impl rank-off-by-one --traces 20" + db);
  EXPECT_EQ(code2, 1);
  EXPECT_NE(out2.find("replayed 1 kept failure first"), std::string::npos) << out2;
  EXPECT_NE(out2.find("on kept failure"), std::string::npos) << out2;
  const auto [code3, out3] = run_capture("check --impl rank-off-by-one --traces 20 --no-db --out " +
                                         (d / "out").string());
  EXPECT_EQ(code3, 1);
  EXPECT_EQ(out3.find("kept failure"), std::string::npos) << out3;
}

TEST(FailureDbCli, StaleOutputsGoWhenTheImplementationPasses) {
  const fs::path d = scratch("db_stale");
  fs::create_directories(d / "out");
  for (const char *f : {"simple.trace", "simple.svg", "simple.timeline.svg", "simple.other-1.trace",
                        "radix.trace"})
    std::ofstream(d / "out" / f) << "old\n";
  const auto [code, out] =
      run_capture("check --impl simple --traces 3 --no-db --out " + (d / "out").string());
  EXPECT_EQ(code, 0) << out;
  for (const char *f : {"simple.trace", "simple.svg", "simple.timeline.svg", "simple.other-1.trace"})
    EXPECT_FALSE(fs::exists(d / "out" / f)) << f;
  EXPECT_TRUE(fs::exists(d / "out" / "radix.trace")) << "another implementation's file stays";
}

TEST(FailureDbCli, KeepMakesAnExpectPassRegressionWithItsOrigin) {
  const fs::path d = scratch("db_keepcmd");
  ASSERT_EQ(run_capture("check --impl rank-off-by-one --traces 20 --no-db --out " +
                        (d / "out").string()).first,
            1);
  const std::string failing = (d / "out" / "rank-off-by-one.trace").string();
  const auto [code, out] = run_capture("keep " + failing + " " + (d / "regressions").string());
  ASSERT_EQ(code, 0) << out;
  const std::string kept = slurp(d / "regressions" / "rank-off-by-one.trace");
  EXPECT_NE(kept.find("\nexpect pass\n"), std::string::npos) << kept;
  EXPECT_NE(kept.find("implementation: rank-off-by-one; seed: 1; it violated device-view"),
            std::string::npos)
      << kept;
  EXPECT_NE(kept.find("# was: found by: busmap check --impl rank-off-by-one"), std::string::npos);
  EXPECT_NE(kept.find("a regression kept by `busmap keep` on 20"), std::string::npos);
  // Red while the bug is in, green on the fixed driver.
  const std::string regression = (d / "regressions" / "rank-off-by-one.trace").string();
  EXPECT_EQ(run_capture("replay " + regression + " --expect").first, 1);
  EXPECT_EQ(run_capture("replay " + regression + " --expect --impl simple").first, 0);
  // Kept twice: refused; a passing trace is not a failure to keep.
  const auto [again, again_out] = run_capture("keep " + failing + " " + (d / "regressions").string());
  EXPECT_EQ(again, 2);
  EXPECT_NE(again_out.find("exists already"), std::string::npos) << again_out;
  EXPECT_EQ(run_capture("keep " + regression + " " + (d / "r2").string()).first, 2);
}

} // namespace
} // namespace busmap
