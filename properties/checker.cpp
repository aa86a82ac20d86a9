// The run loop of properties/checker.hpp: generate, run isolated, shrink,
// count.  A case travels back from its child process as a small JSON
// object: the verdict, the number of steps run and the step statistics.
#include "properties/checker.hpp"

#include "properties/generators.hpp"
#include "properties/isolation.hpp"
#include "properties/trace_format.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string_view>

namespace busmap {

namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

//===--------------------------------------------------------------------===//
// Seeds and sizes: functions of the trace index alone (see the header).
//===--------------------------------------------------------------------===//

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::uint64_t trace_seed(std::uint64_t seed, std::size_t index) {
  return splitmix(seed ^ splitmix(index));
}

/// Mostly full-length traces, with shorter ones mixed in: short traces
/// find shallow bugs fast and long ones reach deep states.
int trace_size(std::size_t index) { return 100 - static_cast<int>(index % 5) * 20; }

std::uint64_t digest(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ull; // FNV-1a
  for (unsigned char ch : text)
    h = (h ^ ch) * 0x100000001b3ull;
  return h;
}

/// Adds what one step did (the oracle's structured record) to the run's table.
void count_step(RunStats &stats, const StepRecord &r) {
  ++stats.ops[to_string(r.op->kind)];
  if (!r.path.empty())
    ++stats.paths[r.path];
  if (r.hcall_faults)
    stats.paths["fault consumed: a firmware call failed"] += r.hcall_faults;
  if (r.alloc_faults)
    stats.paths["fault consumed: an allocation failed"] += r.alloc_faults;
}

json to_json(const RunStats &s) { return {{"ops", s.ops}, {"paths", s.paths}, {"layouts", s.layouts}}; }

RunStats stats_from_json(const json &j) {
  RunStats s;
  s.ops = j.at("ops").get<std::map<std::string, std::uint64_t>>();
  s.paths = j.at("paths").get<std::map<std::string, std::uint64_t>>();
  s.layouts = j.at("layouts").get<std::map<std::string, std::uint64_t>>();
  return s;
}

//===--------------------------------------------------------------------===//
// One case.
//===--------------------------------------------------------------------===//

struct CaseResult {
  std::optional<Violation> violation;
  std::size_t steps = 0;
  RunStats stats;
};

json violation_json(const Violation &v) {
  return {{"step", v.step},           {"op", v.op},         {"where", v.where},
          {"invariant", v.invariant}, {"expected", v.expected}, {"actual", v.actual},
          {"journal", v.journal}};
}

Violation violation_from_json(const json &j) {
  Violation v;
  v.step = j.at("step").get<std::size_t>();
  v.op = j.at("op").get<std::string>();
  v.where = j.at("where").get<std::string>();
  v.invariant = j.at("invariant").get<std::string>();
  v.expected = j.at("expected").get<std::string>();
  v.actual = j.at("actual").get<std::string>();
  v.journal = j.at("journal").get<std::string>();
  return v;
}

/// Runs the oracle over `trace`, counting what every step did.
std::string run_in_child(const busmap_driver &driver, const Trace &trace, Mode mode,
                         ChildChannel &channel) {
  RunStats stats;
  OracleOptions oo;
  oo.on_step = [&](const StepRecord &r) {
    count_step(stats, r);
    channel.step_done();
  };
  Verdict verdict = Oracle(driver, oo).run(trace, mode);
  json j = {{"steps", verdict.steps_run}, {"stats", to_json(stats)}};
  if (verdict.violation)
    j["violation"] = violation_json(*verdict.violation);
  return j.dump();
}

CaseResult run_case(const busmap_driver &driver, const Trace &trace, const CheckOptions &options) {
  Isolated iso = run_isolated(
      [&](ChildChannel &ch) { return run_in_child(driver, trace, options.mode, ch); },
      options.case_timeout, options.fork_cases);
  CaseResult r;
  if (iso.status == Isolated::Status::Finished) {
    json j = json::parse(iso.payload);
    r.steps = j.at("steps").get<std::size_t>();
    r.stats = stats_from_json(j.at("stats"));
    if (j.contains("violation"))
      r.violation = violation_from_json(j.at("violation"));
    return r;
  }
  // The child died or hung during step `steps_done` (0-based); past the
  // last op, in what the end of the trace implies (Oracle: finish).
  Violation v;
  v.step = std::min(iso.steps_done, trace.ops.size());
  v.op = v.step < trace.ops.size()
             ? format_op(trace.ops[v.step])
             : "the end of the trace (a window the trace left open closed, then the implicit "
               "unload)";
  v.where = "during the step";
  const bool crashed = iso.status == Isolated::Status::Crashed;
  v.invariant = crashed ? inv::Crash : inv::Timeout;
  v.expected = crashed ? "the driver returns from every call" : "the step finishes";
  v.actual = iso.what;
  r.violation = std::move(v);
  r.steps = iso.steps_done + 1;
  return r;
}

//===--------------------------------------------------------------------===//
// Shrinking.
//===--------------------------------------------------------------------===//

/// Greedy descent: take the first shrink that fails the same invariant,
/// start again from its shrinks; stop at a local minimum or a budget.
void shrink(const busmap_driver &driver, rc::Shrinkable<GeneratedCase> current, Failure &f,
            const CheckOptions &options, Clock::time_point run_deadline) {
  const auto deadline = std::min(Clock::now() + options.shrink.time, run_deadline);
  std::string current_text = write_trace(f.shrunk);
  bool progressed = true;
  while (progressed) {
    progressed = false;
    auto seq = current.shrinks();
    while (auto candidate = seq.next()) {
      if (f.candidates >= options.shrink.candidates) {
        f.shrink_cut_short = fmt::format("candidate budget ({} candidates)", options.shrink.candidates);
        return;
      }
      if (Clock::now() >= deadline) {
        f.shrink_cut_short = deadline == run_deadline
                                 ? std::string("the run's time budget")
                                 : fmt::format("time budget ({} s)", options.shrink.time.count());
        return;
      }
      const GeneratedCase c = candidate->value();
      // Many gene shrinks give the same operations; running those again is waste.
      std::string text = write_trace(c.trace);
      if (text == current_text)
        continue;
      ++f.candidates;
      CaseResult r = run_case(driver, c.trace, options);
      if (r.violation && r.violation->invariant == f.violation.invariant) {
        current = *candidate;
        current_text = std::move(text);
        f.shrunk = c.trace;
        f.violation = *r.violation;
        ++f.shrinks;
        progressed = true;
        if (options.progress)
          options.progress(fmt::format("shrinking: {} ops after {} shrinks, {} candidates",
                                       f.shrunk.ops.size(), f.shrinks, f.candidates));
        break;
      }
    }
  }
}

/// Variations of a concrete trace that RapidCheck's tree cannot reach in
/// one step: a fault's distance counts the allocations or firmware calls of
/// every step between it and its target, so removing such a step only keeps
/// the failure when the distance shrinks with it.
std::vector<Trace> fault_aware_shrinks(const Trace &t) {
  std::vector<Trace> out;
  auto is_fault = [](const Op &op) {
    return op.kind == OpKind::FaultAlloc || op.kind == OpKind::FaultHcall;
  };
  for (std::size_t k = 1; k < t.ops.size(); ++k) {
    if (!is_fault(t.ops[k]))
      continue;
    for (std::uint32_t nth = 1; nth < t.ops[k].nth; ++nth) {
      Trace c = t;
      c.ops[k].nth = nth;
      out.push_back(c); // a nearer fault
      for (std::size_t i = k + 1; i < t.ops.size(); ++i) {
        Trace r = c;
        r.ops.erase(r.ops.begin() + static_cast<std::ptrdiff_t>(i));
        out.push_back(std::move(r)); // a nearer fault, one step between fewer
      }
    }
  }
  return out;
}

/// The last pass of shrinking, over the concrete trace (see above).
void shrink_faults(const busmap_driver &driver, Failure &f, const CheckOptions &options,
                   Clock::time_point deadline) {
  bool progressed = true;
  while (progressed && f.shrink_cut_short.empty()) {
    progressed = false;
    for (const Trace &c : fault_aware_shrinks(f.shrunk)) {
      if (f.candidates >= options.shrink.candidates || Clock::now() >= deadline) {
        f.shrink_cut_short = f.candidates >= options.shrink.candidates
                                 ? "candidate budget, in the fault-distance pass"
                                 : "time budget, in the fault-distance pass";
        return;
      }
      ++f.candidates;
      CaseResult r = run_case(driver, c, options);
      if (r.violation && r.violation->invariant == f.violation.invariant) {
        f.shrunk = c;
        f.violation = *r.violation;
        ++f.shrinks;
        progressed = true;
        break;
      }
    }
  }
}

} // namespace

//===--------------------------------------------------------------------===//
// Public API.
//===--------------------------------------------------------------------===//

Shard Shard::from_environment() {
  const char *total = std::getenv("GTEST_TOTAL_SHARDS");
  const char *index = std::getenv("GTEST_SHARD_INDEX");
  Shard s;
  if (!total && !index)
    return s;
  if (!total || !index)
    throw std::invalid_argument("GTEST_TOTAL_SHARDS and GTEST_SHARD_INDEX must be set together");
  auto number = [](const char *name, const char *text) {
    char *end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-')
      throw std::invalid_argument(fmt::format("{}='{}' is not a number", name, text));
    return static_cast<std::size_t>(v);
  };
  s.total = number("GTEST_TOTAL_SHARDS", total);
  s.index = number("GTEST_SHARD_INDEX", index);
  if (s.total == 0 || s.index >= s.total)
    throw std::invalid_argument(fmt::format(
        "GTEST_SHARD_INDEX={} is not below GTEST_TOTAL_SHARDS={}", s.index, s.total));
  // The protocol: a runner that supports sharding touches this file.
  if (const char *status = std::getenv("GTEST_SHARD_STATUS_FILE"); status && *status)
    std::ofstream(status, std::ios::app);
  return s;
}

void RunStats::merge(const RunStats &o) {
  for (auto &[k, v] : o.ops)
    ops[k] += v;
  for (auto &[k, v] : o.paths)
    paths[k] += v;
  for (auto &[k, v] : o.layouts)
    layouts[k] += v;
  for (auto &[k, v] : o.settings)
    settings[k] += v;
}

std::string RunStats::table() const {
  std::string s;
  auto section = [&s](const char *title, const std::map<std::string, std::uint64_t> &m) {
    std::uint64_t total = 0;
    for (auto &[k, v] : m)
      total += v;
    s += fmt::format("  {:<56} {:>8} {:>7}\n", title, "count", "share");
    for (auto &[k, v] : m)
      s += fmt::format("    {:<54} {:>8} {:>6.1f}%\n", k, v, total ? 100.0 * v / total : 0.0);
  };
  section("operation", ops);
  section("protocol path", paths);
  section("layout class (traces)", layouts);
  section("firmware setting (traces)", settings);
  return s;
}

/// Which firmware settings of the trace have their profile's common value.
static void count_settings(const Profile &profile, const PlatformConfig &c, RunStats &stats) {
  for (const auto &r : profile.settings) {
    std::uint64_t v = 0;
    get_setting(c, r.key, v);
    stats.settings[fmt::format("{} {}", r.key, v == r.common ? "common" : "varied")] += 1;
  }
  const Geometry *g = profile.geometry_of(c);
  if (g && g->hw_page_shifts.size() > 1)
    stats.settings[fmt::format("hw_page_shift={}", c.hw_page_shift)] += 1;
  if (g && g->phys_bits.size() > 1)
    stats.settings[fmt::format("phys_bits={}", c.phys_bits)] += 1;
}

CheckResult check(const busmap_driver &driver, const CheckOptions &options) {
  CheckResult result;
  result.impl = driver.name ? driver.name : "?";
  const auto start = Clock::now();
  const auto run_deadline = options.time_budget.count() > 0 ? start + options.time_budget
                                                            : Clock::time_point::max();
  GeneratorOptions go;
  go.max_steps = options.max_steps;
  go.mode = options.mode;
  go.layouts = options.layouts;
  const Profile &profile = options.layouts.profile ? *options.layouts.profile : default_profile();
  result.profile = profile.name;
  if (options.layout)
    go.fixed_layout = ClassedLayout{options.layout_name, *options.layout};
  const auto gen = gen_case(go);
  auto last_progress = start;

  for (std::size_t i = 0; i < options.traces; ++i) {
    if (!options.shard.owns(i))
      continue;
    if (Clock::now() >= run_deadline) {
      result.run_cut_short = fmt::format("the time budget ({} s) ran out after {} of {} traces",
                                         options.time_budget.count(), result.traces,
                                         options.traces);
      break;
    }
    const rc::Random random(trace_seed(options.seed, i));
    rc::Shrinkable<GeneratedCase> shrinkable = gen(random, trace_size(i));
    const GeneratedCase c = shrinkable.value();
    CaseResult r = run_case(driver, c.trace, options);
    ++result.traces;
    result.steps += r.steps;
    r.stats.layouts[c.layout_class] += 1;
    count_settings(profile, c.trace.layout.config, r.stats);
    result.stats.merge(r.stats);
    result.records.push_back({i, digest(write_trace(c.trace)), !r.violation});
    if (options.progress && Clock::now() - last_progress > std::chrono::milliseconds(200)) {
      last_progress = Clock::now();
      options.progress(fmt::format("{}: trace {}/{}, {} steps, {:.1f} s", result.impl, i + 1,
                                   options.traces, result.steps,
                                   std::chrono::duration<double>(last_progress - start).count()));
    }
    if (r.violation) {
      Failure f;
      f.trace_index = i;
      f.original = c.trace;
      f.shrunk = c.trace;
      f.violation = *r.violation;
      shrink(driver, shrinkable, f, options, run_deadline);
      if (f.shrink_cut_short.empty())
        shrink_faults(driver, f, options,
                      std::min(Clock::now() + options.shrink.time, run_deadline));
      f.shrunk.expect_fail = f.violation.invariant;
      result.failure = std::move(f);
      break;
    }
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

std::string describe_failure(const CheckResult &r) {
  if (!r.failure)
    return {};
  const Failure &f = *r.failure;
  Verdict v;
  v.violation = f.violation;
  std::string s = fmt::format("{}: FAILED invariant {} on generated trace #{} ({} ops)\n", r.impl,
                              f.violation.invariant, f.trace_index, f.original.ops.size());
  s += fmt::format("shrunk to {} ops in {} steps ({} candidates tried){}\n", f.shrunk.ops.size(),
                   f.shrinks, f.candidates,
                   f.shrink_cut_short.empty() ? ""
                                              : "; shrinking stopped early by the " +
                                                    f.shrink_cut_short);
  s += v.describe();
  return s;
}

} // namespace busmap
