// The run loop of properties/checker.hpp: generate, run isolated, shrink,
// count.  A case travels back from its child process as a small JSON
// object: the verdict, the number of steps run and the step statistics.
#include "properties/checker.hpp"

#include "platform/driver_text.hpp"
#include "properties/generators.hpp"
#include "properties/isolation.hpp"
#include "properties/settings.hpp"
#include "properties/shrink.hpp"
#include "properties/trace_format.hpp"
#include "properties/worker_pool.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string_view>
#include <unordered_set>

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

/// CPU seconds used so far by this process and its children that ended
/// (every case's process): what shrinking costs, however busy the machine.
double cpu_seconds() {
  auto seconds = [](const rusage &u) {
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  };
  rusage self{}, children{};
  ::getrusage(RUSAGE_SELF, &self);
  ::getrusage(RUSAGE_CHILDREN, &children);
  return seconds(self) + seconds(children);
}

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
  for (const auto &race : r.race_paths)
    ++stats.paths[race];
}

json to_json(const RunStats &s) {
  return {{"ops", s.ops}, {"paths", s.paths}, {"layouts", s.layouts}, {"settings", s.settings}};
}

RunStats stats_from_json(const json &j) {
  RunStats s;
  s.ops = j.at("ops").get<std::map<std::string, std::uint64_t>>();
  s.paths = j.at("paths").get<std::map<std::string, std::uint64_t>>();
  s.layouts = j.at("layouts").get<std::map<std::string, std::uint64_t>>();
  s.settings = j.at("settings").get<std::map<std::string, std::uint64_t>>();
  return s;
}

//===--------------------------------------------------------------------===//
// One case.
//===--------------------------------------------------------------------===//

json violation_json(const Violation &v) {
  return {{"step", v.step},           {"op", v.op},         {"where", v.where},
          {"invariant", v.invariant}, {"expected", v.expected}, {"actual", v.actual},
          {"journal", v.journal}, {"address", v.address ? json(*v.address) : json()},
          {"answer", v.answer ? json(*v.answer) : json()}};
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
  if (j.contains("address") && !j.at("address").is_null())
    v.address = j.at("address").get<std::uint64_t>();
  if (j.contains("answer") && !j.at("answer").is_null())
    v.answer = j.at("answer").get<std::uint64_t>();
  return v;
}

/// Runs the oracle over `trace`, counting what every step did.
std::string run_in_child(const busmap_driver &driver, const Trace &trace, Mode mode,
                         ChildChannel &channel, bool stream) {
  RunStats stats;
  OracleOptions oo;
  oo.on_step = [&](const StepRecord &r) {
    count_step(stats, r);
    channel.step_done();
  };
  if (stream)
    oo.trace_out = [&](std::string_view text) { channel.send_text(text); };
  Verdict verdict = Oracle(driver, oo).run(trace, mode);
  json j = {{"steps", verdict.steps_run}, {"stats", to_json(stats)}, {"report", verdict.describe()}};
  if (verdict.violation)
    j["violation"] = violation_json(*verdict.violation);
  return j.dump();
}

/// The violation of a child that died or hung during step `steps_done`
/// (0-based); past the last op, in what the end of the trace implies
/// (Oracle: finish), which the driver callback it was in tells apart.
Violation violation_of(const Isolated &iso, const Trace &trace) {
  Violation v;
  v.step = std::min(iso.steps_done, trace.ops.size());
  if (v.step < trace.ops.size())
    v.op = format_op(trace.ops[v.step]);
  else if (iso.driver_call == "unload()")
    v.op = "unload (implicit: the trace ended loaded)";
  else
    v.op = "the end of the trace (a window the trace left open closed, then the implicit unload)";
  v.where = iso.driver_call.empty() ? "during the step" : "in " + iso.driver_call;
  const bool crashed = iso.status == Isolated::Status::Crashed;
  v.invariant = crashed ? inv::Crash : inv::Timeout;
  v.expected = crashed ? "the driver returns from every call" : "the step finishes";
  v.actual = iso.what;
  return v;
}

TraceRun run_case(const busmap_driver &driver, const Trace &trace, const CheckOptions &options) {
  return run_trace(driver, trace, options.mode, options.isolation());
}

//===--------------------------------------------------------------------===//
// Shrinking.
//===--------------------------------------------------------------------===//

/// A shrink candidate's run: what it found, and whether it ran from a fresh
/// process (as a case of its own) or after other candidates in one.
struct CandidateRun {
  TraceRun run;
  bool fresh = false;
};

std::string candidate_json(const TraceRun &r, bool fresh) {
  json j = {{"steps", r.steps}, {"fresh", fresh}};
  if (r.violation)
    j["violation"] = violation_json(*r.violation);
  return j.dump();
}

CandidateRun candidate_from_json(const std::string &text) {
  const json j = json::parse(text);
  CandidateRun c;
  c.run.steps = j.at("steps").get<std::size_t>();
  c.fresh = j.at("fresh").get<bool>();
  if (j.contains("violation"))
    c.run.violation = violation_from_json(j.at("violation"));
  return c;
}

/// Shrink candidates run on one case host (properties/worker_pool.hpp) for
/// the whole shrink, sent as their text, one after the other: shrinking
/// tries hundreds of candidates, most of which hold or fail some other
/// way, and a fork per candidate, or per batch, was most of a shrink's time
/// (docs/PERFORMANCE.md).  A candidate that crashes, hangs or throws on the
/// host runs again from a fresh process, which is its report, and a fresh
/// host takes the candidates after it.  One host whatever --jobs says: the
/// descent takes the first candidate that fails, most batches end within a
/// few candidates, and a second host's run past it is lost (two hosts took
/// as long and cost a third more CPU, docs/PERFORMANCE.md).
class ShrinkHost {
public:
  ShrinkHost(const busmap_driver &driver, const CheckOptions &options)
      : driver_(driver), options_(options),
        pool_([this](const std::string &text) { return run_here(text); }, pool_options()) {}

  /// Runs `batch` in order up to the first that fails with `signature`.
  std::vector<CandidateRun> run(const std::vector<const Trace *> &batch,
                                const std::string &signature, Clock::time_point deadline) {
    deadline_ = deadline;
    std::vector<std::string> texts;
    for (const Trace *t : batch)
      texts.push_back(write_trace(*t));
    std::vector<CandidateRun> results;
    pool_.run(texts, [&](std::size_t, std::string result) {
      results.push_back(candidate_from_json(result));
      const auto &v = results.back().run.violation;
      return !(v && failure_signature(*v) == signature);
    });
    return results;
  }

private:
  /// A candidate on the host, after the ones before it.
  std::string run_here(const std::string &text) const {
    const Verdict v = Oracle(driver_).run(parse_trace(text, "<candidate>"), options_.mode);
    TraceRun r;
    r.steps = v.steps_run;
    r.violation = v.violation;
    return candidate_json(r, false);
  }

  WorkerPoolOptions pool_options() {
    WorkerPoolOptions o;
    o.workers = 1;
    o.may_start = [this] { return Clock::now() < deadline_; };
    o.rerun = [this](const std::string &text) {
      return candidate_json(run_case(driver_, parse_trace(text, "<candidate>"), options_), true);
    };
    o.job_timeout = options_.case_timeout;
    o.enter_worker = [this] { enter_case_host(options_.isolation()); };
    return o;
  }

  const busmap_driver &driver_;
  const CheckOptions &options_;
  Clock::time_point deadline_ = Clock::time_point::max();
  WorkerPool pool_;
};

/// How many of `runs` fresh runs of `trace` fail with `signature`.
std::size_t repeats(const busmap_driver &driver, const Trace &trace, const std::string &signature,
                    const CheckOptions &options, std::size_t runs) {
  std::size_t same = 0;
  for (std::size_t k = 0; k < runs; ++k) {
    const TraceRun r = run_case(driver, trace, options);
    same += r.violation && failure_signature(*r.violation) == signature;
  }
  return same;
}

/// A failure in what the end of the trace implies, the unload, is written
/// as an `unload` line of its own when the trace with that line fails the
/// same way at it: the trace then says what failed.  (Inside an open
/// window an explicit unload is another operation, so the end stays implicit.)
void make_end_explicit(const busmap_driver &driver, Failure &f, const CheckOptions &options) {
  if (f.violation.step < f.shrunk.ops.size() || !f.violation.op.starts_with("unload"))
    return;
  Trace explicit_end = f.shrunk;
  explicit_end.ops.push_back(Op{OpKind::Unload});
  const TraceRun r = run_case(driver, explicit_end, options);
  const std::string signature = failure_signature(f.violation);
  if (!r.violation || r.violation->step != f.shrunk.ops.size() ||
      failure_signature(*r.violation) != signature ||
      repeats(driver, explicit_end, signature, options, options.reruns) < options.reruns)
    return;
  f.shrunk = std::move(explicit_end);
  f.violation = *r.violation;
}

/// Candidates per batch: the budgets are looked at between batches.  The
/// host stops at the first candidate that fails the way sought, so a large
/// batch wastes nothing.
constexpr std::size_t BatchSize = 64;

/// One failure being shrunk: the budgets, the candidates already run, and
/// the judgement of a candidate (the same failure, another one, or none).
class Shrinker {
public:
  Shrinker(const busmap_driver &driver, const CheckOptions &options, Failure &f,
           Clock::time_point run_deadline)
      : driver_(driver), options_(options), f_(f), run_deadline_(run_deadline),
        deadline_(std::min(Clock::now() + options.shrink.time, run_deadline)),
        signature_(failure_signature(f.violation)), original_violation_(f.violation) {
    tried_.insert(write_trace(f.shrunk));
    if (options.fork_cases)
      host_.emplace(driver, options);
  }

  /// False once a budget is spent; `where` names the stage for the report.
  bool budget_left(std::string_view where) {
    if (!f_.shrink_cut_short.empty())
      return false;
    if (f_.candidates >= options_.shrink.candidates)
      f_.shrink_cut_short = fmt::format("candidate budget ({} candidates), {}",
                                        options_.shrink.candidates, where);
    else if (Clock::now() >= deadline_)
      f_.shrink_cut_short = deadline_ == run_deadline_
                                ? fmt::format("the run's time budget, {}", where)
                                : fmt::format("time budget ({} s), {}",
                                              options_.shrink.time.count(), where);
    return f_.shrink_cut_short.empty();
  }

  bool tried(const Trace &c) const { return tried_.count(write_trace(c)) > 0; }

  /// The index of the first of `candidates` that fails the same way (it
  /// is then the shrunk trace), running them in order, each trace at most
  /// once per shrink; none when no candidate does or a budget ran out.
  std::optional<std::size_t> first_same_failure(const std::vector<Trace> &candidates,
                                                std::string_view where) {
    for (std::size_t next = 0; next < candidates.size();) {
      if (!budget_left(where))
        return std::nullopt;
      std::vector<std::size_t> batch = next_batch(candidates, next);
      if (batch.empty())
        return std::nullopt;
      std::vector<const Trace *> traces;
      for (std::size_t i : batch)
        traces.push_back(&candidates[i]);
      const std::vector<CandidateRun> results = run_candidates(traces);
      f_.candidates += results.size();
      for (std::size_t k = results.size(); k < batch.size(); ++k)
        tried_.erase(write_trace(candidates[batch[k]])); // not run after all
      if (results.size() < batch.size())
        next = batch[results.size()];
      for (std::size_t k = 0; k < results.size(); ++k)
        if (results[k].run.violation && judge(candidates[batch[k]], results[k]))
          return batch[k];
    }
    return std::nullopt;
  }

  /// Makes the shrunk trace one that fails the same way in every rerun:
  /// the last trace taken that does, else the one shrinking started from;
  /// when that one does not either, the failure is flaky (and the trace
  /// is the unshrunk one).  Candidates are taken on one failing run and
  /// checked here, from the last back, instead of rerun as they are taken
  /// or before shrinking begins: a deterministic driver (nearly all) then
  /// pays for the reruns of one small trace, not of the large generated
  /// one and every step.
  void keep_only_repeating() {
    for (; !accepted_.empty(); accepted_.pop_back()) {
      const Accepted &a = accepted_.back();
      // A trace taken on the host, after other candidates, runs from a
      // fresh process at least once before it is the shrunk one.
      const std::size_t runs = std::max<std::size_t>(options_.reruns, a.fresh ? 0 : 1);
      if (repeats(driver_, a.trace, signature_, options_, runs) == runs) {
        f_.shrunk = a.trace;
        f_.violation = a.violation;
        return;
      }
      ++f_.flaky_candidates;
      --f_.shrinks;
    }
    f_.shrunk = f_.original;
    f_.violation = original_violation_;
    if (const std::size_t again = repeats(driver_, f_.original, signature_, options_,
                                          options_.reruns);
        again < options_.reruns)
      f_.flaky = Flakiness{again + 1, options_.reruns + 1};
  }

  bool pass_on(const ShrinkPass &p) const {
    const auto &off = options_.shrink.passes_off;
    return std::find(off.begin(), off.end(), p.name) == off.end() &&
           !(p.changes_layout && options_.layout);
  }

private:
  /// Untried candidates from `next` on, at most a batch and the candidate
  /// budget left; moves `next` past them.
  std::vector<std::size_t> next_batch(const std::vector<Trace> &candidates, std::size_t &next) {
    const std::size_t room = std::min(BatchSize, options_.shrink.candidates - f_.candidates);
    std::vector<std::size_t> batch;
    for (; next < candidates.size() && batch.size() < room; ++next)
      if (tried_.insert(write_trace(candidates[next])).second)
        batch.push_back(next);
    return batch;
  }

  /// The candidates of `batch` in order, up to the first that fails the
  /// same way: on the shrink host, or here when cases run in this process.
  std::vector<CandidateRun> run_candidates(const std::vector<const Trace *> &batch) {
    if (host_)
      return host_->run(batch, signature_, deadline_);
    std::vector<CandidateRun> results;
    for (const Trace *t : batch) {
      if (Clock::now() >= deadline_)
        break;
      results.push_back({run_case(driver_, *t, options_), true});
      const auto &v = results.back().run.violation;
      if (v && failure_signature(*v) == signature_)
        break;
    }
    return results;
  }

  /// A candidate that failed: the shrunk trace when it fails the same way,
  /// else maybe another failure to report.  Another failure seen after
  /// other candidates in one process is confirmed by the candidate alone,
  /// from a fresh process, before it is kept: a candidate before it may
  /// have left something in the driver's globals.  The same failure is
  /// taken at once, and confirmed when shrinking is done
  /// (keep_only_repeating): nearly every driver fails the same way however
  /// it ran, and a fresh run per step taken was a fork per shrink step.
  bool judge(const Trace &c, CandidateRun r) {
    const bool same = failure_signature(*r.run.violation) == signature_;
    if (!same && !worth_keeping(c, *r.run.violation))
      return false;
    if (!same && !r.fresh) {
      r = {run_case(driver_, c, options_), true};
      if (!r.run.violation)
        return false;
    }
    if (failure_signature(*r.run.violation) != signature_) {
      note_other(c, *r.run.violation);
      return false;
    }
    f_.shrunk = c;
    f_.violation = *r.run.violation;
    accepted_.push_back({f_.shrunk, f_.violation, r.fresh});
    ++f_.shrinks;
    if (options_.progress)
      options_.progress(fmt::format("shrinking: {} ops after {} shrinks, {} candidates",
                                    f_.shrunk.ops.size(), f_.shrinks, f_.candidates));
    return true;
  }

  std::vector<OtherFailure>::iterator other_like(const std::string &sig) {
    return std::find_if(f_.others.begin(), f_.others.end(),
                        [&](const OtherFailure &o) { return o.signature == sig; });
  }

  /// The first trace of each other signature is kept, and replaced by a
  /// shorter one when a later candidate shows it with fewer operations.
  bool worth_keeping(const Trace &c, const Violation &v) {
    auto it = other_like(failure_signature(v));
    return it == f_.others.end() || c.ops.size() < it->trace.ops.size();
  }

  void note_other(const Trace &c, const Violation &v) {
    if (!worth_keeping(c, v))
      return;
    std::string sig = failure_signature(v);
    auto it = other_like(sig);
    OtherFailure o{std::move(sig), c, v};
    o.trace.expect_fail = v.invariant;
    if (it == f_.others.end())
      f_.others.push_back(std::move(o));
    else
      *it = std::move(o);
  }

  const busmap_driver &driver_;
  const CheckOptions &options_;
  Failure &f_;
  Clock::time_point run_deadline_, deadline_;
  std::string signature_;
  std::unordered_set<std::string> tried_; // the text of every trace run
  Violation original_violation_;
  /// A trace taken as the shrunk one, with its violation.
  struct Accepted {
    Trace trace;
    Violation violation;
    bool fresh = false; // it failed so from a fresh process
  };
  std::vector<Accepted> accepted_; // in the order taken
  std::optional<ShrinkHost> host_;
};

/// Shrinks of a tree node taken from RapidCheck's lazy sequence a batch at
/// a time (making a shrink concretizes its genes: cheap, but not free).
constexpr std::size_t TreeChunk = BatchSize;

/// Greedy descent: take the first shrink that fails the same way, start
/// again from its shrinks; stop at a local minimum or a budget.
void shrink_tree(Shrinker &s, rc::Shrinkable<GeneratedCase> current) {
  for (bool progressed = true; progressed;) {
    progressed = false;
    auto seq = current.shrinks();
    for (bool more = true; more && !progressed;) {
      std::vector<rc::Shrinkable<GeneratedCase>> pending;
      std::vector<Trace> traces;
      while (pending.size() < TreeChunk) {
        auto c = seq.next();
        if (!(more = static_cast<bool>(c)))
          break;
        traces.push_back(c->value().trace);
        pending.push_back(std::move(*c));
      }
      if (auto i = s.first_same_failure(traces, "in RapidCheck's shrink tree")) {
        current = pending[*i];
        progressed = true;
      } else if (!s.budget_left("in RapidCheck's shrink tree")) {
        return;
      }
    }
  }
}

/// The concrete passes to a fixpoint: every candidate of every pass, in
/// pass order, and the first that fails the same way taken; then again from
/// it, until none does.  One list for all passes, not one per pass: the
/// first same failure in it is the one pass-by-pass order would take, and a
/// batch runs it in one process instead of a process per pass.
void shrink_concrete(Shrinker &s, Failure &f) {
  for (bool progressed = true; progressed;) {
    std::vector<Trace> candidates;
    for (const ShrinkPass &pass : shrink_passes())
      if (s.pass_on(pass))
        for (Trace &c : pass.candidates(f.shrunk))
          if (!s.tried(c) && valid_candidate(c))
            candidates.push_back(std::move(c));
    progressed = s.first_same_failure(candidates, "in the concrete passes").has_value();
  }
}

/// Shrinks `f`: down RapidCheck's shrink tree when there is one, then by
/// the concrete passes; keeps the last trace that repeats, writes its end
/// out, and times it all (the host's CPU time included: it has ended).
void shrink_failure(const busmap_driver &driver, const CheckOptions &options, Failure &f,
                    Clock::time_point run_deadline,
                    const rc::Shrinkable<GeneratedCase> *tree) {
  const auto start = Clock::now();
  const double cpu_start = cpu_seconds();
  {
    Shrinker s(driver, options, f, run_deadline);
    if (tree)
      shrink_tree(s, *tree);
    shrink_concrete(s, f);
    s.keep_only_repeating();
  }
  if (!f.flaky)
    make_end_explicit(driver, f, options);
  f.shrink_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  f.shrink_cpu_seconds = cpu_seconds() - cpu_start;
  f.shrunk.expect_fail = f.violation.invariant;
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
  s.total = parse_number("GTEST_TOTAL_SHARDS", total, 1);
  s.index = parse_number("GTEST_SHARD_INDEX", index);
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
  const std::pair<const char *, const std::map<std::string, std::uint64_t> *> sections[] = {
      {"operation", &ops},
      {"protocol path", &paths},
      {"layout class (traces)", &layouts},
      {"firmware setting (traces)", &settings}};
  // One name column for all four tables, as wide as the longest name (a
  // --layout file's name can be long), so the counts stay in line.
  std::size_t width = 54;
  for (const auto &[title, m] : sections) {
    width = std::max(width, std::string_view(title).size() - 2);
    for (const auto &[k, v] : *m)
      width = std::max(width, k.size());
  }
  std::string s;
  for (const auto &[title, m] : sections) {
    std::uint64_t total = 0;
    for (const auto &[k, v] : *m)
      total += v;
    s += fmt::format("  {:<{}} {:>8} {:>7}\n", title, width + 2, "count", "share");
    for (const auto &[k, v] : *m)
      s += fmt::format("    {:<{}} {:>8} {:>6.1f}%\n", k, width, v, total ? 100.0 * v / total : 0.0);
  }
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

/// What check() generates its traces from.
static GeneratorOptions generator_options(const CheckOptions &options) {
  GeneratorOptions go;
  go.max_steps = options.max_steps;
  go.mode = options.mode;
  go.layouts = options.layouts;
  if (options.layout)
    go.fixed_layout = ClassedLayout{options.layout_name, *options.layout};
  return go;
}

GeneratedCase generated_case(const CheckOptions &options, std::size_t index) {
  return gen_case(generator_options(options))(rc::Random(trace_seed(options.seed, index)),
                                              trace_size(index))
      .value();
}

IsolationOptions CheckOptions::isolation() const {
  IsolationOptions o;
  o.timeout = case_timeout;
  o.fork_child = fork_cases;
  o.memory_limit_mib = memory_limit_mib;
  return o;
}

std::string Failure::flaky_note() const {
  return flaky ? fmt::format("flaky: failed {} of {} runs", flaky->failed, flaky->runs) : "";
}

TraceRun run_trace(const busmap_driver &driver, const Trace &trace, Mode mode,
                   const IsolationOptions &isolation,
                   std::function<void(std::string_view)> trace_out) {
  IsolationOptions o = isolation;
  o.on_text = trace_out;
  const bool stream = static_cast<bool>(trace_out);
  Isolated iso = run_isolated(
      [&](ChildChannel &ch) { return run_in_child(driver, trace, mode, ch, stream); }, o);
  TraceRun r;
  if (iso.status == Isolated::Status::Finished) {
    json j = json::parse(iso.payload);
    r.steps = j.at("steps").get<std::size_t>();
    r.stats = stats_from_json(j.at("stats"));
    r.report = j.at("report").get<std::string>();
    if (j.contains("violation"))
      r.violation = violation_from_json(j.at("violation"));
    return r;
  }
  Verdict v;
  v.violation = violation_of(iso, trace);
  r.report = v.describe();
  r.violation = std::move(v.violation);
  r.steps = iso.steps_done + 1;
  r.child_died = true;
  return r;
}

namespace {

/// Generated case `index` of a run, as the run loop takes it: the digest of
/// its trace and what running it found, its layout class and settings
/// already counted.
struct CaseRun {
  std::size_t index = 0;
  std::uint64_t digest = 0;
  TraceRun run;
};

CaseRun run_generated(const busmap_driver &driver, const CheckOptions &options,
                      const rc::Gen<GeneratedCase> &gen, const Profile &profile,
                      std::size_t index) {
  const GeneratedCase c = gen(rc::Random(trace_seed(options.seed, index)), trace_size(index)).value();
  CaseRun out{index, digest(write_trace(c.trace)), run_case(driver, c.trace, options)};
  out.run.stats.layouts[c.layout_class] += 1;
  count_settings(profile, c.trace.layout.config, out.run.stats);
  return out;
}

// A case's result from a worker process (properties/worker_pool.hpp).
std::string case_json(const CaseRun &c) {
  json j = {{"index", c.index},         {"digest", c.digest},
            {"steps", c.run.steps},     {"stats", to_json(c.run.stats)},
            {"report", c.run.report},   {"child_died", c.run.child_died}};
  if (c.run.violation)
    j["violation"] = violation_json(*c.run.violation);
  return j.dump();
}

CaseRun case_from_json(const std::string &text) {
  const json j = json::parse(text);
  CaseRun c;
  c.index = j.at("index").get<std::size_t>();
  c.digest = j.at("digest").get<std::uint64_t>();
  c.run.steps = j.at("steps").get<std::size_t>();
  c.run.stats = stats_from_json(j.at("stats"));
  c.run.report = j.at("report").get<std::string>();
  c.run.child_died = j.at("child_died").get<bool>();
  if (j.contains("violation"))
    c.run.violation = violation_from_json(j.at("violation"));
  return c;
}

/// Runs the generated cases the shard owns, in index order or on
/// options.jobs worker processes, handing each result to `take` in index
/// order until it answers false; true when the time budget stopped it.
bool run_generated_cases(const busmap_driver &driver, const CheckOptions &options,
                         const rc::Gen<GeneratedCase> &gen, const Profile &profile,
                         Clock::time_point deadline, const std::function<bool(CaseRun)> &take) {
  bool cut = false;
  auto may_start = [&] {
    cut = cut || Clock::now() >= deadline;
    return !cut;
  };
  std::vector<std::size_t> owned;
  for (std::size_t i = 0; i < options.traces; ++i)
    if (options.shard.owns(i))
      owned.push_back(i);
  if (options.fork_cases) {
    // Cases run on case hosts without a fork each.  A case that dies, hangs
    // or throws on a host runs again in a child of its own, from the
    // parent, for its report (properties/worker_pool.hpp); a violation is
    // the host's to report, as a fork per case reported the first one, and
    // the reruns in fresh processes then tell whether it repeats.
    CheckOptions in_host = options;
    in_host.fork_cases = false;
    WorkerPoolOptions pool;
    pool.workers = std::max<std::size_t>(1, options.jobs);
    pool.may_start = may_start;
    pool.rerun = [&](const std::string &i) {
      return case_json(run_generated(driver, options, gen, profile, std::stoull(i)));
    };
    pool.job_timeout = options.case_timeout;
    pool.enter_worker = [&] { enter_case_host(options.isolation()); };
    std::vector<std::string> requests;
    for (const std::size_t i : owned)
      requests.push_back(std::to_string(i));
    WorkerPool([&](const std::string &i) {
      return case_json(run_generated(driver, in_host, gen, profile, std::stoull(i)));
    }, pool).run(requests, [&](std::size_t, std::string result) {
      return take(case_from_json(result));
    });
    return cut;
  }
  for (const std::size_t i : owned)
    if (!may_start() || !take(run_generated(driver, options, gen, profile, i)))
      break;
  return cut;
}

} // namespace

CheckResult check(const busmap_driver &driver, const CheckOptions &options) {
  CheckResult result;
  result.impl = driver.name ? utf8_escaped(driver.name) : "?";
  const auto start = Clock::now();
  const auto run_deadline = options.time_budget.count() > 0 ? start + options.time_budget
                                                            : Clock::time_point::max();
  const Profile &profile = options.layouts.profile ? *options.layouts.profile : default_profile();
  result.profile = profile.name;
  const auto gen = gen_case(generator_options(options));
  auto last_progress = start;

  std::optional<CaseRun> failed;
  const bool cut = run_generated_cases(driver, options, gen, profile, run_deadline, [&](CaseRun c) {
    ++result.traces;
    result.steps += c.run.steps;
    result.stats.merge(c.run.stats);
    result.records.push_back({c.index, c.digest, !c.run.violation});
    if (options.progress && Clock::now() - last_progress > std::chrono::milliseconds(200)) {
      last_progress = Clock::now();
      options.progress(fmt::format("{}: trace {}/{}, {} steps, {:.1f} s", result.impl,
                                   c.index + 1, options.traces, result.steps,
                                   std::chrono::duration<double>(last_progress - start).count()));
    }
    if (c.run.violation)
      failed = std::move(c);
    return !failed;
  });
  if (cut && !failed)
    result.run_cut_short = fmt::format("the time budget ({} s) ran out after {} of {} traces",
                                       options.time_budget.count(), result.traces, options.traces);
  if (failed) {
    // The failing case again, with its shrink tree: shrinking runs here.
    const std::size_t i = failed->index;
    rc::Shrinkable<GeneratedCase> shrinkable =
        gen(rc::Random(trace_seed(options.seed, i)), trace_size(i));
    Failure f;
    f.trace_index = i;
    f.original = shrinkable.value().trace;
    f.shrunk = f.original;
    f.violation = *failed->run.violation;
    shrink_failure(driver, options, f, run_deadline, &shrinkable);
    result.failure = std::move(f);
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

std::optional<std::size_t> first_failure_elsewhere(const busmap_driver &driver,
                                                   const CheckOptions &options, std::size_t limit) {
  const auto gen = gen_case(generator_options(options));
  for (std::size_t i = 0; i < std::min(limit, options.traces); ++i) {
    if (options.shard.owns(i))
      continue;
    const GeneratedCase c = gen(rc::Random(trace_seed(options.seed, i)), trace_size(i)).value();
    if (run_case(driver, c.trace, options).violation)
      return i;
  }
  return std::nullopt;
}

std::optional<Failure> shrink_trace(const busmap_driver &driver, const Trace &trace,
                                    const CheckOptions &options) {
  TraceRun r = run_case(driver, trace, options);
  if (!r.violation)
    return std::nullopt;
  Failure f;
  f.original = trace;
  f.shrunk = trace;
  f.violation = *r.violation;
  shrink_failure(driver, options, f, Clock::time_point::max(), nullptr);
  return f;
}

std::string describe_failure(const CheckResult &r) {
  if (!r.failure)
    return {};
  const Failure &f = *r.failure;
  Verdict v;
  v.violation = f.violation;
  std::string s =
      f.kept_file.empty()
          ? fmt::format("{}: FAILED invariant {} on generated trace #{} ({} ops)\n", r.impl,
                        f.violation.invariant, f.trace_index, f.original.ops.size())
          : fmt::format("{}: FAILED invariant {} on kept failure {} ({} ops), replayed before "
                        "generating\n",
                        r.impl, f.violation.invariant, f.kept_file, f.original.ops.size());
  if (f.flaky)
    s += fmt::format("{}: the generated trace is reported, unshrunk (a shrunk trace must fail in "
                     "every rerun); "
                     "`busmap replay --repeat N` shows how often it fails\n",
                     f.flaky_note());
  else
    s += fmt::format("shrunk to {} ops in {} steps ({} candidates tried, {:.2f} s){}\n",
                   f.shrunk.ops.size(), f.shrinks, f.candidates, f.shrink_seconds,
                   f.shrink_cut_short.empty() ? ""
                                              : "; shrinking stopped early by the " +
                                                    f.shrink_cut_short);
  if (f.flaky_candidates)
    s += fmt::format("{} shrunk trace(s) failed the same way in some reruns only and were "
                     "dropped: this one failed in every rerun\n",
                     f.flaky_candidates);
  s += v.describe();
  for (const OtherFailure &o : f.others)
    s += fmt::format("another failure seen while shrinking: invariant {} at step {} ({}), {}; "
                     "a trace of {} ops\n",
                     o.violation.invariant, o.violation.step + 1, o.violation.op,
                     o.violation.where, o.trace.ops.size());
  return s;
}

} // namespace busmap
