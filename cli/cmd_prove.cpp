// `busmap prove [--sections N] [--json FILE] [--junit FILE] [--out DIR] [--timeout MS]
//               [--jobs N] [--verbose]`:
// runs the Z3 proof obligations of smt/ over the model's and the radix
// driver's arithmetic, refutes every paired mutant, writes each
// counterexample as a .trace file and checks that the oracle fails the
// mutant driver on it (and passes the correct radix driver), and cross-checks
// the rank characterisation against popcount for N sections.
//
// Exit 0 only when every obligation is proved (with satisfiable
// hypotheses), every mutant refuted (with a trace its driver fails when the
// refuted goal is about one translation; the two leaf-span mutants' goals
// are about a leaf's storage, so Z3's refutation stands alone), and the
// cross-check proved.  A solver timeout is reported "unknown", never proved.
//
// `--plugin X.so` also runs the user's driver, isolated as every command
// runs driver code, on each counterexample trace (one per obligation: the
// edge case Z3 found against the obligation's mutant, which radix passes),
// and fails the run when the plugin fails one.  The proofs themselves are
// about the built-in arithmetic (model/, impl/radix_index.hpp), never the
// plugin's code, and the output says so.
#include "cli/command.hpp"
#include "cli/isolation_args.hpp"
#include "cli/numbers.hpp"
#include "cli/output.hpp"
#include "cli/prove_trace.hpp"
#include "properties/checker.hpp"
#include "properties/junit.hpp"
#include "properties/plugin.hpp"
#include "properties/trace_format.hpp"
#include "smt/prover.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>

namespace busmap::cli {
namespace {

struct ProveCliOptions {
  unsigned sections = 16;
  unsigned timeout_ms = 10000;
  unsigned jobs = 0;
  bool verbose = false;
  std::string json;
  std::string junit;
  std::string out = "busmap-prove-traces";
  std::string plugin;
  IsolationArgs isolation;
};

/// The plugin's verdict on one counterexample trace.
struct PluginRun {
  bool ran = false;
  std::optional<Violation> violation;
};

struct Row {
  smt::Result result;
  std::string trace_file;
  std::optional<TraceCheck> replay;
  std::optional<Trace> trace; // the counterexample trace, when one was written
  PluginRun plugin;
  bool ok() const {
    if (!result.as_expected())
      return false;
    return result.mutant.empty() || !result.traceable ||
           (replay && replay->mutant_fails && replay->correct_passes);
  }
};

std::string verdict_text(const Row &r) {
  std::string v = to_string(r.result.verdict);
  if (!r.result.mutant.empty() && !r.result.traceable)
    v += " (by Z3 alone: no trace)";
  if (!r.result.mutant.empty() && r.replay)
    v += r.replay->mutant_fails ? fmt::format(" (trace fails {})", r.replay->invariant)
                                : " (trace does NOT fail the mutant)";
  return v;
}

void write_trace_file(Row &row, const std::string &dir, std::size_t index) {
  const char *driver = mutant_driver_for(row.result.mutant);
  if (!row.result.counterexample || !driver)
    return;
  Trace trace = counterexample_trace(*row.result.counterexample);
  row.replay = check_trace(trace, driver);
  if (row.replay->mutant_fails)
    trace.expect_fail = row.replay->invariant;
  row.trace_file = fmt::format("{}/{:02}-{}.trace", dir, index, driver);
  row.trace = trace;
  write_output_file(row.trace_file,
                    write_trace(trace,
                                fmt::format("Z3 counterexample to obligation '{}' for {}: {}",
                                            row.result.obligation, row.result.mutant,
                                            row.result.counterexample->describe()),
                                driver),
                    "the trace file");
}

nlohmann::json to_json(const Row &r) {
  nlohmann::json j = {{"obligation", r.result.obligation},
                      {"subject", r.result.subject},
                      {"verdict", to_string(r.result.verdict)},
                      {"seconds", r.result.seconds},
                      {"detail", r.result.detail}};
  if (r.result.mutant.empty()) {
    j["hypotheses_satisfiable"] = r.result.hypotheses_satisfiable;
    j["subgoals"] = nlohmann::json::array();
    for (const smt::SubGoal &g : r.result.subgoals)
      j["subgoals"].push_back({{"name", g.name},
                               {"verdict", to_string(g.verdict)},
                               {"seconds", g.seconds},
                               {"hypotheses_satisfiable", g.hypotheses_satisfiable}});
  } else {
    j["mutant"] = r.result.mutant;
    j["mutant_driver"] = mutant_driver_for(r.result.mutant) ? mutant_driver_for(r.result.mutant) : "";
    j["trace_file"] = r.trace_file;
    j["traceable"] = r.result.traceable;
    if (r.replay)
      j["replay"] = {{"mutant_fails", r.replay->mutant_fails},
                     {"invariant", r.replay->invariant},
                     {"radix_passes", r.replay->correct_passes}};
    if (r.plugin.ran)
      j["plugin"] = {{"verdict", r.plugin.violation ? "fail" : "pass"},
                     {"invariant", r.plugin.violation ? r.plugin.violation->invariant : ""}};
  }
  return j;
}

// One JUnit test case per proof or mutant refutation, as CI systems list them.
junit::TestCase to_junit(const Row &r) {
  junit::TestCase c;
  c.classname = "prove." + r.result.subject;
  c.name = r.result.mutant.empty() ? r.result.obligation
                                   : r.result.obligation + " / mutant " + r.result.mutant;
  c.seconds = r.result.seconds;
  c.failed = !r.ok();
  if (c.failed) {
    c.failure_message = verdict_text(r);
    c.failure_text = r.result.detail;
  }
  if (!r.trace_file.empty())
    c.system_out = "counterexample trace: " + r.trace_file;
  return c;
}

void write_report(const std::string &path, const std::string &text, const char *what) {
  write_output_file(path, text, fmt::format("the {}", what));
}

/// Runs the plugin on every counterexample trace and prints its verdicts;
/// answers whether it passed them all.
bool run_plugin_on_traces(const ProveCliOptions &o, std::vector<Row> &rows) {
  Plugin plugin = [&] {
    try {
      return Plugin::open(o.plugin, o.isolation.options());
    } catch (const PluginError &e) {
      throw BadInput(e.what());
    }
  }();
  fmt::print("\n{} (plugin {}) on the proofs' counterexample traces:\n", plugin.driver().name,
             o.plugin);
  bool all_pass = true;
  for (Row &r : rows) {
    if (!r.trace)
      continue;
    const TraceRun run =
        run_trace(plugin.driver(), *r.trace, Mode::Strict, o.isolation.options());
    r.plugin = {true, run.violation};
    all_pass = all_pass && !run.violation;
    fmt::print("  {:<44} {}\n", r.trace_file,
               run.violation ? fmt::format("FAIL {} at step {} ({})", run.violation->invariant,
                                           run.violation->step + 1, run.violation->op)
                             : std::string("pass"));
  }
  fmt::print("note: the proofs above are about the built-in arithmetic (model/ and the radix "
             "driver's index code), not about {}; these traces are the edge cases Z3 found "
             "against each obligation's mutant, run against it\n",
             plugin.driver().name);
  return all_pass;
}

int prove(const ProveCliOptions &o) {
  // Before the solving, not after: the trace directory must exist.
  std::error_code error;
  std::filesystem::create_directories(o.out, error);
  if (error)
    throw BadInput(fmt::format("{}: cannot create the trace directory: {}", o.out, error.message()));
  smt::ProveOptions options;
  options.timeout_ms = o.timeout_ms;
  options.jobs = o.jobs;
  std::vector<Row> rows;
  const auto start = std::chrono::steady_clock::now();
  double proofs_cpu = 0;
  for (auto &r : smt::prove_obligations(options)) {
    proofs_cpu += r.seconds;
    rows.push_back({std::move(r), {}, {}, {}, {}});
  }
  const double proofs_wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (auto &r : smt::refute_mutants(options)) {
    rows.push_back({std::move(r), {}, {}, {}, {}});
    write_trace_file(rows.back(), o.out, rows.size());
  }
  const smt::CrossCheck cross = smt::crosscheck_rank(o.sections, o.timeout_ms);
  {
    smt::Result r;
    r.obligation = fmt::format("rank = popcount, N={}", o.sections);
    r.subject = "model";
    const bool proved = cross.satisfies == smt::Verdict::Proved && cross.unique == smt::Verdict::Proved;
    r.verdict = proved ? smt::Verdict::Proved
                : cross.satisfies == smt::Verdict::Refuted || cross.unique == smt::Verdict::Refuted
                    ? smt::Verdict::Refuted
                    : smt::Verdict::Unknown;
    r.seconds = cross.seconds;
    r.detail = cross.detail;
    r.hypotheses_satisfiable = true; // a window always has models (all-absent at least)
    rows.push_back({std::move(r), {}, {}, {}, {}});
  }

  fmt::print("{:<26} {:<7} {:<30} {:<40} {:>8}\n", "obligation", "subject", "mutant", "verdict",
             "seconds");
  double total = 0;
  bool all_ok = true;
  for (const Row &r : rows) {
    total += r.result.seconds;
    all_ok = all_ok && r.ok();
    fmt::print("{:<26} {:<7} {:<30} {:<40} {:>8.2f}{}\n", r.result.obligation, r.result.subject,
               r.result.mutant.empty() ? "-" : r.result.mutant, verdict_text(r), r.result.seconds,
               r.ok() ? "" : "   <-- " + (r.result.detail.empty() ? std::string("not as expected")
                                                                    : r.result.detail));
    if (!r.trace_file.empty())
      fmt::print("    trace: {}\n", r.trace_file);
    if (o.verbose)
      for (const smt::SubGoal &g : r.result.subgoals)
        fmt::print("    {:<8} {:>6.2f}  {}{}\n", to_string(g.verdict), g.seconds, g.name,
                   g.hypotheses_satisfiable ? "" : "  (hypotheses not shown satisfiable)");
  }
  fmt::print("obligations: {:.2f} s of solving in {:.2f} s on {} thread(s)\n", proofs_cpu, proofs_wall,
             smt::solver_threads(options));
  fmt::print("total {:.2f} s of solving: {}\n", total,
             all_ok ? "every obligation proved, every mutant refuted (by a failing trace where its goal is one translation)"
                    : "NOT all obligations proved / mutants refuted");
  if (!o.plugin.empty() && !run_plugin_on_traces(o, rows)) {
    fmt::print("{} FAILS a counterexample trace: `busmap replay TRACE --plugin {}` shows it\n",
               o.plugin, o.plugin);
    all_ok = false;
  }
  if (!o.json.empty()) {
    nlohmann::json j = nlohmann::json::array();
    for (const Row &r : rows)
      j.push_back(to_json(r));
    write_report(o.json, j.dump(2) + "\n", "JSON report");
  }
  if (!o.junit.empty()) {
    junit::TestSuite suite{"busmap prove", total, {}};
    for (const Row &r : rows) {
      suite.cases.push_back(to_junit(r));
      if (r.plugin.ran) { // the user's driver on this counterexample, its own case
        junit::TestCase c{"prove.plugin", "plugin on " + r.trace_file, 0, false, "", "", false,
                          "", ""};
        c.failed = r.plugin.violation.has_value();
        if (c.failed)
          c.failure_message = r.plugin.violation->invariant + " violated at " + r.plugin.violation->op;
        suite.cases.push_back(std::move(c));
      }
    }
    write_report(o.junit, junit::to_xml({suite}, "busmap prove"), "JUnit report");
  }
  return all_ok ? ExitOk : ExitFailed;
}

Run setup(CLI::App &app) {
  auto o = std::make_shared<ProveCliOptions>();
  app.add_option("--sections", o->sections,
                 "N for the popcount cross-check of the rank characterisation (2..32)")
      ->transform(whole_number(2, 32));
  app.add_option("--json", o->json, "write the results as JSON to FILE");
  app.add_option("--junit", o->junit, "write the results as JUnit XML to FILE");
  app.add_option("--out", o->out, "directory for the counterexample .trace files")
      ->capture_default_str();
  app.add_option("--timeout", o->timeout_ms, "per solver call, in milliseconds")
      ->capture_default_str()
      ->transform(whole_number(1, 600000));
  app.add_option("--jobs", o->jobs, "solver threads (default: one per core)")
      ->transform(whole_number(1, 256));
  app.add_flag("--verbose", o->verbose, "list every sub-goal with its verdict and seconds");
  app.add_option("--plugin", o->plugin,
                 "also run this driver shared object on every counterexample trace (the proofs "
                 "stay about the built-in arithmetic)");
  o->isolation.add_to(app);
  return [o] { return prove(*o); };
}

const Registrar registrar{
    {"prove", "Z3 proofs of the layout and radix index arithmetic, with mutant counterexamples",
     setup}};

} // namespace
} // namespace busmap::cli
