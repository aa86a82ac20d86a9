// Translations in real parallel with generated events; see stress.hpp.
#include "properties/stress.hpp"

#include "platform/data_path_threads.hpp"
#include "platform/partition.hpp"
#include "properties/isolation.hpp"
#include "properties/trace_format.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>
#include <vector>

namespace busmap {
namespace {

using Clock = std::chrono::steady_clock;

/// The addresses the threads translate: the first, the middle and the last
/// section of every block the trace starts with or adds, at an offset
/// inside the section, at most `limit` of them.
std::vector<std::uint64_t> probe_addresses(const Trace &t, std::size_t limit) {
  const std::uint32_t shift = t.layout.config.section_shift;
  std::set<std::uint64_t> out;
  auto block = [&](std::uint64_t base, std::uint64_t sections) {
    for (std::uint64_t s : {std::uint64_t{0}, sections / 2, sections - 1})
      out.insert(base + (s << shift) + 0x1040);
  };
  for (const BlockSpec &b : t.layout.blocks)
    block(b.base, b.sections);
  for (const Op &op : t.ops)
    if (op.kind == OpKind::Add)
      block(op.addr, op.sections);
  std::vector<std::uint64_t> v(out.begin(), out.end());
  if (v.size() > limit) { // every k-th, so that each block keeps some
    std::vector<std::uint64_t> kept;
    for (std::size_t i = 0; i < limit; ++i)
      kept.push_back(v[i * v.size() / limit]);
    v = std::move(kept);
  }
  return v;
}

/// One trace's events with the data-path threads running beside them.
class TraceStress {
public:
  TraceStress(const busmap_driver &driver, const Trace &trace, const StressOptions &o,
              std::uint64_t seed)
      : driver_(driver), trace_(trace), threads_(o.threads), seed_(seed),
        probes_(probe_addresses(trace, o.probes)),
        answers_(MaxEventsPerOp * (trace.ops.size() + 4)) {}

  /// The wrong answer's report, if any; `result` gets the figures.
  std::optional<std::string> run(StressResult &result);

private:
  // A translation: the last state recorded when it began, the state being
  // built when it returned (one past the last recorded), probe, answer.
  using Answer = std::tuple<std::size_t, std::size_t, std::size_t, std::uint64_t>;

  /// Room for the states of one operation: its own and those between its
  /// events (an online is GOING_ONLINE, then ONLINE or CANCEL_ONLINE).
  static constexpr std::size_t MaxEventsPerOp = 8;

  void after_step(const StepState &s);
  void record(Partition &p); // the driver's answers now are the next state's
  void data_path_thread(unsigned index);
  void judge(std::set<Answer> &pending, bool all);
  std::string wrong(const Answer &a) const;

  const busmap_driver &driver_;
  const Trace &trace_;
  const unsigned threads_;
  const std::uint64_t seed_;
  const std::vector<std::uint64_t> probes_;
  // answers_[k][p]: the driver's answer for probe p in state k (0: the
  // start; then one after each event the driver answered and after each
  // step), written before recorded_ says it is there.
  std::vector<std::vector<std::uint64_t>> answers_;
  std::atomic<std::size_t> recorded_{0};
  std::atomic<bool> quit_{false};
  DataPathThreads data_path_;
  std::vector<std::thread> running_;
  std::mutex failure_mutex_;
  std::optional<std::string> failure_;
};

void TraceStress::after_step(const StepState &s) {
  record(s.partition); // the closing steps too: one may end a window a load waits on
  if (s.after == 0) { // the threads start once the start's answers are there
    data_path_.event_answered = [this, &p = s.partition] { record(p); };
    s.partition.run_data_path_on(&data_path_);
    for (unsigned i = 0; i < threads_ && !probes_.empty(); ++i)
      running_.emplace_back([this, i] { data_path_thread(i); });
  }
}

void TraceStress::record(Partition &p) {
  const std::size_t k = recorded_.load();
  if (k == answers_.size()) { // no room: judging stops here, the answers so far count
    quit_.store(true);
    return;
  }
  for (const std::uint64_t addr : probes_)
    answers_[k].push_back(p.translate(addr));
  recorded_.store(k + 1);
}

void TraceStress::data_path_thread(unsigned index) {
  std::uint64_t x = seed_ ^ (0x9e3779b97f4a7c15ull * (index + 1));
  std::set<Answer> pending;
  for (std::uint64_t n = 1; !quit_.load(std::memory_order_relaxed); ++n) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17; // xorshift64
    const std::size_t p = x % probes_.size();
    const std::size_t began = recorded_.load() - 1;
    const std::optional<std::uint64_t> bus = data_path_.translate(probes_[p]);
    if (!bus) {
      std::this_thread::yield(); // traffic stopped
      continue;
    }
    pending.emplace(began, recorded_.load(), p, *bus);
    if (n % 256 == 0)
      judge(pending, false);
  }
  judge(pending, true);
}

// A translation is right when some state it overlapped answers the same.
// Those whose last state is not recorded yet wait, unless `all` (the trace
// ended: its last state is the last recorded).
void TraceStress::judge(std::set<Answer> &pending, bool all) {
  const std::size_t recorded = recorded_.load();
  for (auto it = pending.begin(); it != pending.end();) {
    auto [first, last, p, bus] = *it;
    if (last >= recorded && !all) {
      ++it;
      continue;
    }
    last = std::min(last, recorded - 1);
    bool right = false;
    for (std::size_t k = first; k <= last && !right; ++k)
      right = answers_[k][p] == bus;
    if (!right) {
      const std::lock_guard lock(failure_mutex_);
      if (!failure_)
        failure_ = wrong({first, last, p, bus});
      quit_.store(true);
    }
    it = pending.erase(it);
  }
}

std::string TraceStress::wrong(const Answer &a) const {
  const auto [first, last, p, bus] = a;
  std::string states;
  for (std::size_t k = first; k <= last; ++k)
    states += fmt::format("\n    state {}: {:#x}", k, answers_[k][p]);
  return fmt::format("invariant race-answer (11. Translations racing an update)\n"
                     "  expected  translate({:#x}) on a data-path thread answers one of the "
                     "states it overlapped (0: the start, then one after each event the "
                     "driver answered and after each step):{}\n"
                     "  actual    {:#x}\n",
                     probes_[p], states, bus);
}

std::optional<std::string> TraceStress::run(StressResult &result) {
  OracleOptions o;
  o.after_step = [this](const StepState &s) { after_step(s); };
  const Verdict v = Oracle(driver_, o).run(trace_);
  // The partition is gone and with it the gate's: the threads find it shut.
  quit_.store(true);
  for (std::thread &t : running_)
    t.join();
  result.steps += v.steps_run;
  result.translations += data_path_.answered();
  if (v.violation) // check's verdict, not this one's: the trace just ends there
    result.sequential[v.violation->invariant] += 1;
  return failure_;
}

nlohmann::json to_json(const StressResult &r) {
  nlohmann::json j = {{"traces", r.traces},
                      {"steps", r.steps},
                      {"translations", r.translations},
                      {"invariant", r.invariant},
                      {"sequential", r.sequential}};
  if (r.failure)
    j["failure"] = *r.failure;
  return j;
}

StressResult from_json(const std::string &text) {
  const nlohmann::json j = nlohmann::json::parse(text);
  StressResult r;
  r.traces = j.at("traces").get<std::size_t>();
  r.steps = j.at("steps").get<std::size_t>();
  r.translations = j.at("translations").get<std::uint64_t>();
  r.invariant = j.at("invariant").get<std::string>();
  r.sequential = j.at("sequential").get<std::map<std::string, std::size_t>>();
  if (j.contains("failure"))
    r.failure = j.at("failure").get<std::string>();
  return r;
}

/// The run itself, in the child.
StressResult stress_here(const busmap_driver &driver, const StressOptions &o, ChildChannel &out) {
  StressResult r;
  const auto until = Clock::now() + o.duration;
  for (std::size_t i = 0; Clock::now() < until; ++i) {
    Trace t = o.trace ? *o.trace : generated_case(o.events, i).trace;
    for (Op &op : t.ops)
      op.races.clear(); // the threads are the races
    TraceStress run(driver, t, o, o.events.seed ^ i);
    ++r.traces;
    if (auto failure = run.run(r)) {
      r.invariant = inv::Race;
      r.failure = fmt::format("{}\nthe events that ran ({} {}):\n{}", *failure,
                              o.trace ? "run" : "generated trace", i, write_trace(t));
      break;
    }
    out.step_done();
  }
  return r;
}

} // namespace

StressResult stress(const busmap_driver &driver, const StressOptions &o) {
  IsolationOptions iso = o.events.isolation();
  iso.timeout = o.duration + o.events.case_timeout;
  const Isolated child = run_isolated(
      [&](ChildChannel &out) { return to_json(stress_here(driver, o, out)).dump(); }, iso);
  if (child.status == Isolated::Status::Finished)
    return from_json(child.payload);
  StressResult r;
  r.traces = child.steps_done + 1;
  r.invariant = child.status == Isolated::Status::Crashed ? inv::Crash : inv::Timeout;
  // The board names what the driver's own thread ran; the data-path
  // threads are not named on it (Partition::translate_on_data_path).
  r.failure = fmt::format("{}\n  in generated trace {}; the fault may also be on a data-path "
                          "thread, in translate()\n",
                          child.what, child.steps_done);
  return r;
}

} // namespace busmap
