//===- properties/oracle.cpp - the step oracle ------------------------------===//
//
// One Run executes one trace in a fresh Partition.  Each operation is
// performed through the platform; the partition calls back at its
// checkpoints, and after the operation the oracle looks again.  A look
// checks the invariants in DESIGN.md order and throws the first violation,
// which Run::execute turns into the verdict.  docs/ORACLE.md is the prose
// version of every rule here.
//
//===----------------------------------------------------------------------===//
#include "properties/oracle.hpp"

#include "model/model.hpp"
#include "platform/driver_heap.hpp"
#include "platform/partition.hpp"
#include "properties/hotplug_op.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace busmap {

const std::vector<Invariant> &invariants() {
  static const std::vector<Invariant> list = {
      {inv::DeviceView, "1. Device view = driver view",
       "translate(p) of DMA-live memory lies in a complete live MR whose page at that position is "
       "p's page, with p's offset"},
      {inv::NoHoles, "2. No holes",
       "every page registered in a live MR is partition memory outside gigantic pages, none twice"},
      {inv::Coverage, "3. Coverage", "every DMA-live page outside gigantic pages is registered"},
      {inv::MrLength, "4. MR length <= partition memory",
       "live MRs are complete, their total length is at most partition memory, their count at most "
       "the limit"},
      {inv::ExactMiss, "5. Misses are exact",
       "memory that is not DMA-live, or in a gigantic page, translates to exactly the miss value"},
      {inv::Reclaimable, "6. Migration-safe and reclaimable",
       "once GOING_OFFLINE is accepted no live MR holds a page of the block; reclaim succeeds"},
      {inv::Footprint, "7. Footprint proportional to present memory",
       "live and peak allocations within base + per-section bound; zero after unload"},
      {inv::CleanFailure, "8. Clean failure",
       "faults give NOTIFY_BAD or a logged inoperable state; no MR or pointer freed twice, nothing "
       "leaked; no veto or failed load without a fault"},
      {inv::VetoPolicy, "9. Veto policy",
       "a driver that rejects hotplug leaves its state unchanged and logs why"},
      {inv::DmaMiss, "10. Device safety: every transfer reaches a page",
       "every entry the device transfers carries a bus address a complete live MR has a page at, "
       "never the miss value"},
      {inv::DmaMisdirected, "10. Device safety: the page it was posted for",
       "every transfer lands on the page (and offset) the stack handed over: the layout did not "
       "change under a posted entry"},
      {inv::DmaNotLive, "10. Device safety: into DMA-live memory",
       "a transfer at dma reaches only memory that is online or going online"},
      {inv::DmaUnquiesced, "10. Device safety: quiesce first",
       "no MR the device holds entries into is freed while traffic runs"},
      {inv::TrafficStopped, "10. Device safety: traffic restarted",
       "after a step outside a hotplug window, a driver that holds a complete live MR has traffic "
       "running"},
      {inv::Race, "11. Race safety",
       "a translation racing an event, at any callback the driver makes while handling it, "
       "answers right for the map before or after the event (or a miss where either allows one)"},
      {inv::Canonical, "Canonical layout",
       "translate(p) equals the rank-based address over the mapped sections; one MR at the bus "
       "start of their total size"},
      {inv::Crash, "Driver crash", "the driver killed the process running it"},
      {inv::Timeout, "Driver hang", "the driver did not finish a step in time"},
  };
  return list;
}

std::string Verdict::describe() const {
  std::string orphaned;
  for (const auto &o : orphans)
    orphaned += fmt::format("  MR {} at bus {:#x} is orphaned: an injected fault refused its free; "
                            "its {} registered pages stay with the firmware and cannot be "
                            "reclaimed\n",
                            o.handle, o.bus_start, o.registered_pages);
  if (!violation)
    return fmt::format("holds ({} steps)\n", steps_run) + orphaned;
  const Violation &v = *violation;
  std::string title = v.invariant;
  for (const auto &i : invariants())
    if (v.invariant == i.id)
      title = fmt::format("{} ({})", i.id, i.title);
  std::string s = fmt::format("violated at step {}: {}\n", v.step + 1, v.op);
  s += fmt::format("  checked   {}\n  invariant {}\n  expected  {}\n  actual    {}\n", v.where, title,
                   v.expected, v.actual);
  if (!v.journal.empty())
    s += "  journal of the step:\n" + v.journal;
  return s + orphaned;
}

namespace {

/// Thrown by a check; carries the invariant and the two sides.
struct Found {
  std::string invariant, expected, actual;
  std::optional<std::uint64_t> address = std::nullopt, answer = std::nullopt;
};

std::string hex(std::uint64_t v) { return fmt::format("{:#x}", v); }

/// The journal's words for an armed fault.
std::string describe_fault(const Op &op) {
  const std::string what = op.kind == OpKind::FaultAlloc
                               ? std::string("allocation")
                               : std::string("firmware call");
  const std::string answer =
      op.kind == OpKind::FaultAlloc ? std::string("fail")
      : hcall_name(op.code)         ? fmt::format("answer {}", hcall_name(op.code))
                                    : fmt::format("answer {}", op.code);
  if (op.count == FaultPlan::Sticky)
    return fmt::format("{} {} from now and every one after it will {}", what, op.nth, answer);
  if (op.count == 1)
    return fmt::format("{} {} from now will {}", what, op.nth, answer);
  return fmt::format("{}s {} to {} from now will {}", what, op.nth, op.nth + op.count - 1,
                     answer);
}

class Run {
public:
  Run(const busmap_driver &driver, const Trace &trace, Mode mode, const OracleOptions &options)
      : driver_(driver), trace_(trace), mode_(mode), options_(options), part_(trace.layout),
        config_(part_.config()), heap_mark_(driver_heap::balance()) {
    part_.on_event_answered(
        [this](std::size_t points, const Block &b) { bound_between_events(points, b); });
  }

  Verdict execute();
  Verdict execute_steps();

private:
  std::string perform(const Op &op); // answers the protocol path taken
  void look(std::string_view where);
  std::optional<Violation> finish(Verdict &verdict);
  Violation violation(std::size_t step, const Op &op, std::string_view where, Found &f) const;
  /// Shows the partition to OracleOptions::after_step, if set.
  void observe(std::size_t after, const Op *op, const std::string &path, const Violation *v) {
    if (!options_.after_step)
      return;
    const auto &journal = part_.journal();
    options_.after_step(StepState{
        .after = after, .op = op, .path = path,
        .journal = std::span(journal).subspan(std::min(journal_mark_, journal.size())),
        .violation = v, .mode = mode_, .partition = part_});
  }
  /// The start of a step: what the step's judgements count from.
  void mark_step() {
    journal_mark_ = part_.journal().size();
    faults_mark_ = faults();
    errors_mark_ = part_.log_count(BUSMAP_LOG_ERR);
    refusals_mark_ = part_.firmware().refusals().size();
  }
  /// The journal lines of the step so far, indented, for reports.
  std::string step_journal() const {
    std::string text;
    for (std::size_t j = journal_mark_; j < part_.journal().size(); ++j)
      text += "    " + part_.journal()[j].text + "\n";
    return text;
  }

  // Steps.
  std::string do_load();
  std::string do_unload();
  OpOutcome do_hotplug(const Op &op);
  std::string judge_load(bool ok);
  void arm_races(const Op &op);
  void judge_races(const Op &op, StepRecord &record);
  /// The answer the oracle's probe logic accepts at `addr` now, and whether
  /// a miss is also right there.
  struct RaceBound {
    std::uint64_t bus = BUSMAP_INVALID;
    bool may_miss = true;
  };
  RaceBound race_bound(std::uint64_t addr, bool inoperable, const Block *in_window = nullptr);
  void bound_between_events(std::size_t points, const Block &block);
  std::vector<RaceBound> bounds_around(const Race &r, std::size_t i) const;
  std::string loaded_after_window(const OpOutcome &out);
  void judge_answer(const Op &op);

  // Checks, in invariant order.
  void check_misuse();
  void check_device();
  void judge_transfer(const DmaTransfer &t) const;
  void check_traffic();
  void check_unloaded();
  void check_mrs();
  void check_registered_pages();
  PageSet driver_duplicates() const;
  void check_migrating();
  void check_coverage();
  void check_probes();
  void judge_after_fault();
  void check_canonical_mr(const model::CanonicalLayout &layout);
  std::uint64_t footprint_bound() const;
  void check_footprint();
  /// Live bytes driver code took with plain malloc during this run.
  std::uint64_t driver_heap_bytes() const {
    return static_cast<std::uint64_t>(std::max<std::int64_t>(driver_heap::balance() - heap_mark_, 0));
  }
  void check_refusals();
  void check_translation(std::uint64_t addr, std::uint64_t bus, bool may_miss);
  /// Judges the driver's translation of `addr` and answers it.
  std::uint64_t probe(std::uint64_t addr, bool inoperable = false);
  void judge_probe(std::uint64_t addr, std::uint64_t bus, bool live, bool window, bool inoperable);

  bool excused() const;
  bool fault_in_step() const;
  std::size_t driver_mrs() const;
  std::uint64_t faults() const {
    return part_.allocator().faults_consumed() + part_.firmware().faults_consumed();
  }
  std::uint64_t hw_page(std::uint64_t addr) const { return addr >> config_.hw_page_shift; }
  /// Below 2^MAX_PHYSMEM_BITS of the trace's profile (PlatformConfig::phys_bits).
  bool in_phys_space(std::uint64_t addr) const {
    return config_.phys_bits == 64 || addr >> config_.phys_bits == 0;
  }
  PageSet pages_of(const SectionSet &sections) const;

  struct Snapshot {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> mrs; // bus start, length
    std::uint64_t live_bytes = 0;
    std::vector<std::uint64_t> translations;
  };
  Snapshot snapshot();
  std::vector<std::uint64_t> snapshot_addresses() const;

  const busmap_driver &driver_;
  const Trace &trace_;
  Mode mode_;
  const OracleOptions &options_;
  Partition part_;
  const PlatformConfig &config_; // the partition's
  std::int64_t heap_mark_;       // driver_heap::balance() when the run began

  // Per step.
  std::size_t journal_mark_ = 0;
  std::uint64_t faults_mark_ = 0;
  std::size_t errors_mark_ = 0;
  std::uint64_t sections_mark_ = 0;
  // Across steps.
  bool inoperable_ = false; // after a logged fault: no MR, no translation; until load
  std::size_t logs_at_load_ = 0;
  std::size_t misuse_seen_ = 0;
  std::size_t transfers_seen_ = 0, unquiesced_seen_ = 0; // the device's facts judged
  std::size_t refusals_mark_ = 0;
  std::string current_where_; // the look in progress, for the report
  std::vector<RaceBound> races_before_; // per race of the step, as the step began
  /// The state after each event of the step the driver answered: the
  /// preemption points passed by then, and per race its bound there (none
  /// when the oracle's probe rejects that state's answer).
  struct EventEnd {
    std::size_t points = 0;
    std::vector<std::optional<RaceBound>> bounds;
  };
  std::vector<EventEnd> event_ends_;
  const Op *racing_op_ = nullptr; // the step whose races are armed
  // The model's sets for the partition as it is now; see refresh().
  SectionSet must_map_, window_;
  /// The addresses every look probes (see check_probes).
  struct ProbePlan {
    SectionSet mapped; // must-map, and window sections the driver maps
    SectionSet edges;  // all partition memory and the sections around every run
    std::vector<std::uint64_t> fixed; // top and middle of the physical space, bus_start
    std::uint64_t inner = 0;          // the in-section offset probed besides first and last
  };
  ProbePlan probe_plan();
  /// check_probes' answers, (address, bus), kept between looks for their storage.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> answers_;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> first_translation();
  void refresh() {
    must_map_ = model::must_map(part_.memory(), mode_);
    window_ = model::lenient_window(part_.memory(), mode_) - part_.memory().gigantic();
  }
};

Verdict Run::execute() {
  Verdict verdict = execute_steps();
  const Firmware &fw = part_.firmware();
  for (auto h : fw.orphans()) {
    const MemoryRegion &mr = fw.live_mrs().at(h);
    verdict.orphans.push_back({h, mr.bus_start, mr.registered_pages});
  }
  return verdict;
}

Verdict Run::execute_steps() {
  Verdict verdict;
  observe(0, nullptr, "", nullptr);
  for (std::size_t i = 0; i < trace_.ops.size(); ++i) {
    const Op &op = trace_.ops[i];
    mark_step();
    sections_mark_ = part_.memory().assigned_sections();
    part_.allocator().reset_peak();
    part_.allocator().set_total_limit(footprint_bound());
    std::string where = "after the step";
    const std::uint64_t alloc_faults = part_.allocator().faults_consumed();
    const std::uint64_t hcall_faults = part_.firmware().faults_consumed();
    std::string path;
    StepRecord record;
    try {
      arm_races(op);
      path = perform(op);
      look(where);
      check_traffic();
      current_where_.clear();
      judge_races(op, record);
    } catch (Found &f) {
      verdict.violation = violation(i, op, where, f);
      verdict.steps_run = i + 1;
      if (options_.trace_out)
        options_.trace_out(verdict.describe());
      observe(i + 1, &op, path, &*verdict.violation);
      return verdict;
    }
    if (options_.on_step) {
      StepRecord &r = record;
      r.index = i;
      r.op = &op;
      if (!path.empty())
        r.path = fmt::format("{}: {}", to_string(op.kind), path);
      r.alloc_faults = part_.allocator().faults_consumed() - alloc_faults;
      r.hcall_faults = part_.firmware().faults_consumed() - hcall_faults;
      options_.on_step(r);
    }
    if (options_.trace_out) {
      options_.trace_out(fmt::format("[{}] {}\n", i + 1, format_op(op)) + step_journal());
    }
    observe(i + 1, &op, path, nullptr);
    current_where_.clear();
  }
  verdict.steps_run = trace_.ops.size();
  if (auto v = finish(verdict)) {
    verdict.violation = std::move(v);
    if (options_.trace_out)
      options_.trace_out(verdict.describe());
  }
  return verdict;
}

Violation Run::violation(std::size_t step, const Op &op, std::string_view where, Found &f) const {
  Violation v;
  v.step = step;
  v.op = format_op(op);
  v.where = current_where_.empty() ? std::string(where) : current_where_;
  v.invariant = std::move(f.invariant);
  v.expected = std::move(f.expected);
  v.actual = std::move(f.actual);
  v.journal = step_journal();
  v.address = f.address;
  v.answer = f.answer;
  return v;
}

// The end of a trace is not the end of the machine: the kernel finishes a
// hotplug operation the trace left inside its window (phase=done, which
// also completes a parked load), and the driver is unloaded, as at module
// removal or shutdown.  Each is performed and judged like a step of its own;
// the verdict names them step ops.size() ("after the trace").  An implicit
// unload finds a leak the trace never asked about.
std::optional<Violation> Run::finish(Verdict &verdict) {
  while (auto close = closing_op(part_)) {
    const bool window = close->kind != OpKind::Unload;
    const std::string where =
        window ? "after the trace, which ended inside a window: closed with phase=done"
               : "after the trace, which ended with the driver loaded: unloaded";
    const std::string label =
        window ? " (the trace ended inside its window)" : " (implicit: the trace ended loaded)";
    mark_step();
    ++verdict.steps_run;
    std::string path;
    try {
      path = perform(*close);
      look(where);
      check_traffic();
    } catch (Found &f) {
      Violation v = violation(trace_.ops.size(), *close, where, f);
      v.op += label;
      observe(verdict.steps_run, &*close, path, &v);
      return v;
    }
    if (options_.trace_out) {
      options_.trace_out(fmt::format("[end] {}{}\n", format_op(*close), label) + step_journal());
    }
    observe(verdict.steps_run, &*close, path, nullptr);
  }
  return std::nullopt;
}

// --- Steps. -------------------------------------------------------------------

std::string Run::perform(const Op &op) {
  switch (op.kind) {
  case OpKind::Load:
    return do_load();
  case OpKind::Unload:
    return do_unload();
  case OpKind::Add:
    return part_.add_block(op.addr, op.sections).path;
  case OpKind::Online:
  case OpKind::Offline:
    return do_hotplug(op).path;
  case OpKind::Remove: {
    const Block *b = part_.memory().find(op.addr);
    const bool reclaimable = b && b->phase == Phase::Offline && !part_.window();
    OpOutcome out = part_.remove_block(op.addr);
    // Only an orphan holding its pages is not the driver's doing (firmware.hpp).
    if (reclaimable && !out.performed && !out.held_by_orphan)
      throw Found{inv::Reclaimable,
                  fmt::format("the hypervisor reclaims the offline block {}", hex(op.addr)),
                  out.note};
    return out.path;
  }
  case OpKind::Translate:
    current_where_ = "the translation the step asked for";
    refresh();
    if (part_.loaded())
      probe(op.addr, inoperable_); // an inoperable driver misses everywhere
    current_where_.clear();
    return {};
  case OpKind::FaultAlloc:
  case OpKind::FaultHcall:
    arm_fault(part_, op);
    part_.note(JournalEntry::Kind::Kernel, describe_fault(op));
    return {};
  case OpKind::Xmit:
  case OpKind::Rx:
  case OpKind::Dma:
    return perform_data_path(part_, op).path;
  }
  return {};
}

std::string Run::do_load() {
  if (part_.loaded() || part_.loading()) {
    part_.note(JournalEntry::Kind::Kernel, "already loaded: load ignored");
    return part_.loaded() ? "ignored, already loaded" : "ignored, already loading";
  }
  inoperable_ = false;
  logs_at_load_ = part_.log_count(BUSMAP_LOG_DEBUG);
  const auto &w = part_.window();
  const std::string in_window =
      w ? fmt::format(" inside a {} window", w->offline ? "GOING_OFFLINE" : "GOING_ONLINE") : "";
  const bool ok = part_.load(driver_);
  if (part_.loading())
    return "waits for the hotplug lock" + in_window;
  return judge_load(ok) + in_window;
}

// The end of a load, at once or after the window it waited for.
std::string Run::judge_load(bool ok) {
  if (ok)
    return "loaded";
  // A request beyond the footprint bound, or a firmware rule the driver
  // broke, is the cause to report, not the failed load.
  check_footprint();
  check_refusals();
  if (!fault_in_step())
    throw Found{inv::CleanFailure, "load() succeeds when no fault is injected",
                "load() answered NULL"};
  return "failed";
}

std::string Run::do_unload() {
  if (part_.loading()) {
    part_.note(JournalEntry::Kind::Kernel, "the load waits for the hotplug lock: unload ignored");
    return "ignored, the load waits for the hotplug lock";
  }
  if (!part_.loaded()) {
    part_.note(JournalEntry::Kind::Kernel, "not loaded: unload ignored");
    return "ignored, not loaded";
  }
  part_.unload();
  return "unloaded";
}

OpOutcome Run::do_hotplug(const Op &op) {
  const bool rejects = driver_.flags & BUSMAP_DRIVER_REJECTS_HOTPLUG;
  std::optional<Snapshot> before;
  if (rejects && part_.loaded())
    before = snapshot();
  auto checkpoint = [this](std::string_view where) {
    look(where);
    current_where_.clear();
  };
  OpOutcome out = perform_hotplug(part_, op, checkpoint);
  if (out.load_resumed)
    out.path += ", " + loaded_after_window(out);
  if (!out.driver_asked || out.driver_answer == BUSMAP_NOTIFY_OK)
    return out;
  if (!rejects) {
    judge_answer(op);
    return out;
  }
  current_where_ = "the driver's veto";
  Snapshot after = snapshot();
  if (after.mrs != before->mrs || after.live_bytes != before->live_bytes)
    throw Found{inv::VetoPolicy, "a veto leaves the MRs and allocations unchanged",
                fmt::format("MRs {} -> {}, live bytes {} -> {}", before->mrs.size(),
                            after.mrs.size(), before->live_bytes, after.live_bytes)};
  const auto addrs = snapshot_addresses();
  for (std::size_t i = 0; i < addrs.size(); ++i)
    if (after.translations[i] != before->translations[i])
      throw Found{inv::VetoPolicy,
                  fmt::format("translate({}) unchanged by a veto: {}", hex(addrs[i]),
                              hex(before->translations[i])),
                  hex(after.translations[i])};
  if (part_.log_count(BUSMAP_LOG_DEBUG) == logs_at_load_)
    throw Found{inv::VetoPolicy, "the driver logs why it vetoes hotplug",
                "no log message since load"};
  return out;
}

// --- Races (issue 12 section 2). -------------------------------------------------

// The driver's answer at `addr` in the state it is in, judged by the
// oracle's own probe (so a wrong before or after answer is that state's
// violation, not the race's), and whether the probe would accept a miss.
Run::RaceBound Run::race_bound(std::uint64_t addr, bool inoperable, const Block *in_window) {
  refresh();
  if (in_window) {
    const SectionSet::interval_type sections(in_window->first_section,
                                             in_window->first_section + in_window->sections);
    must_map_ -= sections;
    window_ += sections;
  }
  current_where_ = fmt::format("the translation of {}, which a race of the step reads", hex(addr));
  probe(addr, inoperable);
  current_where_.clear();
  const std::uint64_t section = addr >> config_.section_shift;
  return {part_.translate(addr), inoperable || !boost::icl::contains(must_map_, section)};
}

// Before the step: what each race's address translates to in the map
// before the event; then the races go to the partition.
void Run::arm_races(const Op &op) {
  races_before_.clear();
  event_ends_.clear();
  racing_op_ = &op;
  std::vector<RacePoint> points;
  for (const Race &r : op.races) {
    races_before_.push_back(part_.loaded() ? race_bound(r.addr, inoperable_) : RaceBound{});
    points.push_back({r.at, r.addr});
  }
  part_.arm_races(std::move(points));
}

// Between two events of a step (GOING_ONLINE accepted, CANCEL_ONLINE to
// come after another notifier's veto) the driver's map is one a racing
// reader may see: each race's address is probed in that state too, with
// the event's block in its hotplug window (the driver has seen its
// GOING_* event: online_pages() and offline_pages() send the chain before
// they change the sections' state, so the partition still shows the
// block's old phase here).  A state the probe rejects gives no bound (a
// race that answers it is wrong in every state); the probe's alarm itself
// is not raised here, since the same state is judged as a window by
// `phase=going` traces.
void Run::bound_between_events(std::size_t points, const Block &block) {
  if (!racing_op_ || racing_op_->races.empty() || !part_.loaded())
    return;
  const std::string where = current_where_;
  EventEnd end{points, {}};
  for (const Race &r : racing_op_->races) {
    try {
      end.bounds.push_back(race_bound(r.addr, excused(), &block));
    } catch (const Found &) {
      end.bounds.push_back(std::nullopt);
    }
  }
  current_where_ = where;
  event_ends_.push_back(std::move(end));
}

// The states a race at its preemption point may read: the one before the
// event it fell in and the one after it (the step's start and end at the
// ends of the list).  A translation that waited on a lock answers later in
// the same event: the platform ends every wait when notify() returns.
std::vector<Run::RaceBound> Run::bounds_around(const Race &r, std::size_t i) const {
  std::vector<RaceBound> out;
  std::optional<RaceBound> before_event = races_before_[i];
  for (const EventEnd &end : event_ends_) {
    if (end.points >= r.at) { // the event the race fell in
      if (before_event)
        out.push_back(*before_event);
      if (end.bounds[i])
        out.push_back(*end.bounds[i]);
      return out;
    }
    before_event = end.bounds[i];
  }
  if (before_event)
    out.push_back(*before_event);
  return out;
}

// After the step held: every racing answer is the answer of a state the
// race can see (before or after the event it fell in), or a miss where
// one of them allows one.
void Run::judge_races(const Op &op, StepRecord &record) {
  racing_op_ = nullptr;
  const auto &answers = part_.race_answers();
  for (std::size_t i = 0; i < op.races.size(); ++i) {
    const Race &r = op.races[i];
    auto ran = std::find_if(answers.begin(), answers.end(),
                            [&](const RaceAnswer &a) { return a.at == r.at && a.addr == r.addr; });
    if (ran == answers.end()) {
      record.race_paths.push_back("race past the step's preemption points: no-op");
      continue;
    }
    if (ran->behind_lock) {
      record.race_paths.push_back("race while another waits on a lock: no translation (no-op)");
      continue;
    }
    if (!ran->stack_holds) {
      record.race_paths.push_back("race on memory the stack cannot hold: no translation (no-op)");
      continue;
    }
    record.race_paths.push_back(!ran->waited_for_lock
                                    ? fmt::format("race inside {}()", ran->callback)
                                    : fmt::format("race inside {}(), waiting on a lock",
                                                  ran->callback));
    std::vector<RaceBound> seen = bounds_around(r, i);
    const RaceBound before = races_before_[i];
    const RaceBound after =
        part_.loaded() ? race_bound(r.addr, excused()) : RaceBound{};
    seen.push_back(after);
    // A hit is posted at once and read through the MRs live at the race,
    // so it is right when it reaches ADDR through them; a miss drops the
    // packet, right where a state the race can see allows a miss.
    const bool right =
        ran->bus == BUSMAP_INVALID
            ? std::any_of(seen.begin(), seen.end(), [](const RaceBound &b) { return b.may_miss; })
            : ran->reaches == r.addr;
    if (right)
      continue;
    current_where_ = fmt::format("race {} inside {}() of the step", r.at, ran->callback);
    const std::string reached = ran->bus == BUSMAP_INVALID ? std::string()
                                : ran->reaches ? fmt::format(", which reaches {} through the live MRs",
                                                             hex(*ran->reaches))
                                               : std::string(", which no live MR holds");
    throw Found{inv::Race,
                fmt::format("translate({}) on a second thread answers a bus address that reaches "
                            "it through the MRs live at the race, or a miss where the map before "
                            "({}) or after ({}) the event allows one",
                            hex(r.addr), hex(before.bus), hex(after.bus)),
                hex(ran->bus) + reached, r.addr, ran->bus};
  }
}

// A load parked in get_online_mems() ended with the window: judged as a
// load of this step.
std::string Run::loaded_after_window(const OpOutcome &out) {
  inoperable_ = false;
  logs_at_load_ = part_.log_count(BUSMAP_LOG_DEBUG);
  return "then the waiting load " + judge_load(out.load_result);
}

void Run::judge_answer(const Op &op) {
  if (fault_in_step())
    return;
  current_where_ = "the driver's answer";
  check_footprint(); // a veto caused by an absurd allocation is a footprint failure
  check_refusals();
  throw Found{inv::CleanFailure,
              fmt::format("NOTIFY_OK to {} (no fault was injected)",
                          op.kind == OpKind::Online ? "GOING_ONLINE" : "GOING_OFFLINE"),
              "NOTIFY_BAD"};
}

Run::Snapshot Run::snapshot() {
  Snapshot s;
  for (const auto &[h, mr] : part_.firmware().live_mrs())
    s.mrs.emplace_back(mr.bus_start, mr.length);
  s.live_bytes = part_.allocator().live_bytes();
  for (auto a : snapshot_addresses())
    s.translations.push_back(part_.translate(a));
  return s;
}

std::vector<std::uint64_t> Run::snapshot_addresses() const {
  std::vector<std::uint64_t> out;
  for (const auto &[first, b] : part_.memory().blocks())
    for (std::uint64_t s = b.first_section; s - b.first_section < b.sections; ++s)
      out.push_back((s << config_.section_shift) + 0x1040);
  return out;
}

// --- Looking. ------------------------------------------------------------------

// A fault of this step, or its consequence: the firmware refused an MR
// because an orphan (firmware.hpp) an earlier fault left holds its slot or
// its bus range.
bool Run::fault_in_step() const {
  if (faults() > faults_mark_)
    return true;
  const auto &r = part_.firmware().refusals();
  return std::any_of(r.begin() + static_cast<std::ptrdiff_t>(refusals_mark_), r.end(),
                     [](const Refusal &x) { return x.rule == FirmwareRule::OrphanHeld; });
}

// The driver may be inoperable: it logged an error after a fault of this
// step, or it was inoperable after an earlier one.
bool Run::excused() const {
  return inoperable_ || (fault_in_step() && part_.log_count(BUSMAP_LOG_ERR) > errors_mark_);
}

/// Live MRs that are the driver's: all but the orphans (firmware.hpp).
std::size_t Run::driver_mrs() const {
  return part_.firmware().live_mrs().size() - part_.firmware().orphans().size();
}

void Run::look(std::string_view where) {
  current_where_ = std::string(where);
  refresh();
  check_misuse();
  check_device();
  if (part_.loading()) { // mid-load: only what the firmware holds is judged
    check_mrs();
    check_registered_pages();
    check_migrating();
    return;
  }
  if (!part_.loaded()) {
    check_unloaded();
    return;
  }
  check_mrs();
  check_registered_pages();
  check_migrating();
  if (excused()) {
    judge_after_fault();
  } else {
    check_coverage();
    check_probes();
  }
  check_footprint();
}

// After a fault it logged, a driver is restored (every invariant holds, as
// before the fault; a veto restores too) or inoperable: it holds no live MR
// and every translation misses, until the next load.  eHEA's "register MR
// failed - driver inoperable!" is the second.  Anything in between (some
// memory translated, other DMA-live memory silently unmapped) is a
// clean-failure of its own.  A driver that recovers on a later event is
// restored again.
void Run::judge_after_fault() {
  const std::size_t mrs = driver_mrs();
  const auto translated = mrs == 0 ? first_translation() : std::nullopt;
  // Inoperable first: with nothing DMA-live an inoperable driver also
  // looks restored, and must stay excused when memory comes online.
  inoperable_ = mrs == 0 && !translated;
  if (inoperable_)
    return;
  try {
    check_coverage();
    check_probes();
  } catch (Found &restored) {
    const std::string state =
        mrs ? fmt::format("the driver holds {} live MR(s)", mrs)
            : fmt::format("translate({}) = {}", hex(translated->first), hex(translated->second));
    throw Found{inv::CleanFailure,
                "after the fault it logged, the driver is restored (every invariant as before the "
                "fault) or inoperable (no live MR, every translation BUSMAP_INVALID)",
                fmt::format("neither: {}, but {} fails: expected {}; actual {}", state,
                            restored.invariant, restored.expected, restored.actual)};
  }
}

void Run::check_misuse() {
  std::vector<std::string> all = part_.allocator().misuse();
  const auto &fw = part_.firmware().misuse();
  all.insert(all.end(), fw.begin(), fw.end());
  const auto &lock = part_.misuse();
  all.insert(all.end(), lock.begin(), lock.end());
  if (all.size() > misuse_seen_) {
    const std::string what = all[misuse_seen_];
    misuse_seen_ = all.size();
    throw Found{inv::CleanFailure, "every free and MR call names something live", what};
  }
}

// --- Invariant 10: the device's data path (platform/device.hpp). -----------

/// "transmit entry posted for 0x1000 (bus 0x8000000000001000, 1514 bytes)".
static std::string describe_entry(bool rx, const PostedBuffer &e) {
  return fmt::format("{} entry {}(bus {}, {} bytes)", rx ? "receive" : "transmit",
                     e.from_stack ? fmt::format("posted for {} ", hex(e.phys)) : std::string(),
                     e.bus == BUSMAP_INVALID ? std::string("BUSMAP_INVALID") : hex(e.bus), e.len);
}

// The facts the device recorded since the last look, oldest first: an MR
// freed under running traffic is the cause of what its entries then reach,
// so it is judged first.
void Run::check_device() {
  const Device &d = part_.device();
  if (unquiesced_seen_ < d.unquiesced().size()) {
    const UnquiescedFree &u = d.unquiesced()[unquiesced_seen_];
    unquiesced_seen_ = d.unquiesced().size();
    transfers_seen_ = d.transfers().size();
    throw Found{inv::DmaUnquiesced,
                fmt::format("traffic stopped before MR {} is freed: the device holds entries into it",
                            u.mr),
                fmt::format("MR {} freed while traffic runs; the device holds the {}", u.mr,
                            describe_entry(u.rx, u.entry)),
                u.entry.from_stack ? std::optional(u.entry.phys) : std::nullopt, u.entry.bus};
  }
  while (transfers_seen_ < d.transfers().size())
    judge_transfer(d.transfers()[transfers_seen_++]);
}

void Run::judge_transfer(const DmaTransfer &t) const {
  const std::string entry = describe_entry(t.rx, t.entry);
  const std::string expected =
      fmt::format("the device reaches {} through bus {} in a complete live MR",
                  t.entry.from_stack ? hex(t.posted) : std::string("a page"), hex(t.bus));
  // The report (and the picture) point at the stack's buffer, or at the
  // page the device reached for an entry the driver posted on its own.
  const std::optional<std::uint64_t> at =
      t.entry.from_stack ? std::optional(t.posted)
      : t.reach == DmaTransfer::Reach::Page ? std::optional(t.landed)
                                            : std::nullopt;
  auto fail = [&](const char *invariant, std::string want, std::string got) {
    return Found{invariant, std::move(want), std::move(got), at, t.bus};
  };
  switch (t.reach) {
  case DmaTransfer::Reach::NoMr:
    if (t.entry.bus == BUSMAP_INVALID)
      throw fail(inv::DmaMiss,
                 "no entry carries the miss value: a buffer the map misses is dropped, not posted",
                 fmt::format("the {} carries the miss value", entry));
    throw fail(inv::DmaMiss, expected,
               fmt::format("no live MR contains bus {} ({})", hex(t.bus), entry));
  case DmaTransfer::Reach::IncompleteMr:
    throw fail(inv::DmaMiss, expected,
               fmt::format("MR {} holding bus {} is incomplete ({})", t.mr, hex(t.bus), entry));
  case DmaTransfer::Reach::NoPage:
    throw fail(inv::DmaMiss, expected,
               fmt::format("MR {} has no page at bus {} ({})", t.mr, hex(t.bus), entry));
  case DmaTransfer::Reach::Page:
    break;
  }
  if (t.entry.from_stack && t.landed != t.posted)
    throw fail(inv::DmaMisdirected, expected,
               fmt::format("it reaches {} through MR {}: the {} points at another page now",
                           hex(t.landed), t.mr, entry));
  // The stack's page, reached where it was posted, is pinned by the device:
  // migrate_pages() leaves a page with an elevated count where it is, so its
  // block cannot complete an offline and the transfer is safe in any phase
  // (a going-offline block's buffers were allocated before isolation).
  if (t.entry.from_stack)
    return;
  // In-flight transmits read at stop_traffic() are read inside the event
  // being delivered, whose phase change the kernel has already made; the
  // stack's buffer was live when posted (docs/ORACLE.md).
  const bool live = t.landed_phase &&
                    (*t.landed_phase == Phase::Online || *t.landed_phase == Phase::GoingOnline);
  if (!live && !t.at_stop)
    throw fail(inv::DmaNotLive,
               fmt::format("the device reaches only DMA-live memory ({})", entry),
               fmt::format("it reaches {}, {}", hex(t.landed),
                           t.landed_phase ? fmt::format("in a block that is {}",
                                                        to_string(*t.landed_phase))
                                          : std::string("not partition memory")));
}

// A liveness rule, judged after a step with no hotplug window open: a
// driver that stopped the device and is operational again (it holds a
// complete live MR) has restarted it.  Linux's dev_watchdog reports such a
// queue as a transmit timeout; nothing else ever restarts it.
void Run::check_traffic() {
  if (!part_.loaded() || part_.window() || !part_.device().stopped() || !part_.has_data_path())
    return;
  const Firmware &fw = part_.firmware();
  for (const auto &[h, mr] : fw.live_mrs())
    if (!fw.orphaned(h) && mr.complete()) {
      current_where_ = "after the step, with no hotplug operation in progress";
      throw Found{inv::TrafficStopped,
                  "traffic running: the driver is operational (a complete live MR) and no hotplug "
                  "operation is in progress",
                  fmt::format("the device is stopped while the driver holds MR {}", h)};
    }
}

void Run::check_unloaded() {
  const Firmware &fw = part_.firmware();
  for (const auto &[h, mr] : fw.live_mrs())
    if (!fw.orphaned(h))
      throw Found{inv::CleanFailure, "no live MR once the driver is unloaded (or failed to load)",
                  fmt::format("{} live MR(s), the first at bus {}", driver_mrs(),
                              hex(mr.bus_start))};
  const auto &a = part_.allocator();
  if (a.live_bytes() != 0)
    throw Found{inv::Footprint, "0 live bytes once the driver is unloaded (or failed to load)",
                fmt::format("{} bytes in {} allocation(s)", a.live_bytes(), a.live_allocations())};
  if (const std::uint64_t heap = driver_heap_bytes(); heap != 0)
    throw Found{inv::Footprint, "0 live bytes once the driver is unloaded (or failed to load)",
                fmt::format("{} bytes driver code took with plain malloc and did not free "
                            "(memory outside the platform allocator)",
                            heap)};
}

PageSet Run::pages_of(const SectionSet &sections) const {
  const std::uint32_t shift = config_.section_shift - config_.hw_page_shift;
  PageSet pages;
  for (const auto &r : sections)
    pages += PageSet::interval_type(r.lower() << shift, r.upper() << shift);
  return pages;
}

void Run::check_mrs() {
  const Firmware &fw = part_.firmware();
  unsigned __int128 total = 0;
  for (const auto &[h, mr] : fw.live_mrs()) {
    if (fw.orphaned(h))
      continue; // the firmware's now: neither complete nor freed is required
    if (!mr.complete())
      throw Found{inv::MrLength,
                  fmt::format("MR {} complete: {} pages registered as declared", h, mr.declared_pages),
                  fmt::format("{} pages registered", mr.registered_pages)};
    total += mr.length;
  }
  const unsigned __int128 partition =
      static_cast<unsigned __int128>(part_.memory().assigned_sections()) << config_.section_shift;
  if (total > partition)
    throw Found{inv::MrLength,
                fmt::format("MR length at most partition memory ({} sections)",
                            part_.memory().assigned_sections()),
                fmt::format("{:#x} bytes in {} MR(s)", static_cast<std::uint64_t>(total),
                            driver_mrs())};
  if (driver_mrs() > config_.max_mrs)
    throw Found{inv::MrLength, fmt::format("at most {} MRs", config_.max_mrs),
                fmt::format("{}", driver_mrs())};
}

void Run::check_registered_pages() {
  const PageSet partition = pages_of(part_.memory().assigned());
  const PageSet gigantic = pages_of(part_.memory().gigantic());
  for (const auto &[h, mr] : part_.firmware().live_mrs()) {
    const PageSet outside = mr.pages - partition;
    if (!outside.empty())
      throw Found{inv::NoHoles, fmt::format("MR {} holds only partition memory", h),
                  fmt::format("it holds page {}, which is not partition memory",
                              hex(outside.begin()->lower() << config_.hw_page_shift))};
    const PageSet giant = mr.pages & gigantic;
    if (!giant.empty())
      throw Found{inv::NoHoles, fmt::format("MR {} holds no page of a gigantic page", h),
                  fmt::format("it holds page {}",
                              hex(giant.begin()->lower() << config_.hw_page_shift))};
  }
  const PageSet dup = driver_duplicates();
  if (!dup.empty())
    throw Found{inv::NoHoles, "no page registered twice",
                fmt::format("page {} is registered more than once",
                            hex(dup.begin()->lower() << config_.hw_page_shift))};
}

// Pages registered twice, not counting an orphan's: a driver that cannot
// free an orphan can stay operable only by registering its memory again.
PageSet Run::driver_duplicates() const {
  const Firmware &fw = part_.firmware();
  if (fw.orphans().empty())
    return fw.duplicated_pages();
  PageSet seen, dup;
  for (const auto &[h, mr] : fw.live_mrs())
    if (!fw.orphaned(h)) {
      dup += seen & mr.pages;
      seen += mr.pages;
    }
  return dup;
}

void Run::check_migrating() {
  for (const auto &r : model::migrating(part_.memory())) {
    SectionSet one;
    one += r;
    auto holders = part_.firmware().holders(one);
    std::erase_if(holders, [&](std::uint64_t h) { return part_.firmware().orphaned(h); });
    if (!holders.empty())
      throw Found{inv::Reclaimable,
                  fmt::format("no live MR holds a page of [{}, {}) once GOING_OFFLINE is accepted",
                              hex(r.lower() << config_.section_shift),
                              hex(r.upper() << config_.section_shift)),
                  fmt::format("MR {} holds pages of it", holders.front())};
  }
}

void Run::check_coverage() {
  PageSet registered;
  for (const auto &[h, mr] : part_.firmware().live_mrs())
    registered += mr.pages;
  const PageSet missing = pages_of(must_map_) - registered;
  if (!missing.empty())
    throw Found{inv::Coverage, "every DMA-live page outside gigantic pages is registered",
                fmt::format("page {} is DMA-live but in no live MR",
                            hex(missing.begin()->lower() << config_.hw_page_shift))};
}

// Judges one translation the driver gave (a miss is right for an inoperable
// driver, judge_after_fault): right (invariant 1) or an exact
// miss where memory must miss (invariant 5), and the canonical address.
std::uint64_t Run::probe(std::uint64_t addr, bool inoperable) {
  const std::uint64_t section = addr >> config_.section_shift;
  const bool live = boost::icl::contains(must_map_, section);
  const bool window = boost::icl::contains(window_, section);
  const std::uint64_t bus = part_.translate(addr);
  try {
    judge_probe(addr, bus, live, window, inoperable);
  } catch (Found &f) {
    f.address = addr;
    f.answer = bus;
    throw;
  }
  return bus;
}

void Run::judge_probe(std::uint64_t addr, std::uint64_t bus, bool live, bool window,
                      bool inoperable) {
  const std::uint64_t section = addr >> config_.section_shift;
  const Memory &mem = part_.memory();
  if (!live && !window) {
    // No machine of the profile has memory at or above 2^phys_bits: a
    // translation of such an address is not judged (invariant 5).
    if (bus != BUSMAP_INVALID && in_phys_space(addr)) {
      const Block *b = mem.containing(section);
      std::string state = !b ? "not partition memory"
                          : mem.is_gigantic_section(section)
                              ? "in a gigantic page"
                              : fmt::format("in a block that is {}", to_string(b->phase));
      throw Found{inv::ExactMiss, fmt::format("translate({}) = BUSMAP_INVALID ({})", hex(addr), state),
                  hex(bus)};
    }
    return;
  }
  check_translation(addr, bus, window || inoperable);
}

void Run::check_translation(std::uint64_t addr, std::uint64_t bus, bool may_miss) {
  if (bus == BUSMAP_INVALID) {
    if (may_miss)
      return;
    throw Found{inv::DeviceView,
                fmt::format("translate({}) lies in a live MR: the address is DMA-live", hex(addr)),
                "BUSMAP_INVALID"};
  }
  const MemoryRegion *mr = part_.firmware().mr_at(bus);
  if (!mr)
    throw Found{inv::DeviceView,
                fmt::format("translate({}) lies in a live MR", hex(addr)),
                fmt::format("{}, which no live MR contains", hex(bus))};
  if (!mr->complete())
    throw Found{inv::DeviceView, fmt::format("translate({}) lies in a complete MR", hex(addr)),
                fmt::format("{} in MR {}, which is incomplete", hex(bus), mr->handle)};
  const auto page = mr->page_at((bus - mr->bus_start) >> config_.hw_page_shift);
  const std::uint64_t hw_mask = (1ull << config_.hw_page_shift) - 1;
  if (!page || *page != hw_page(addr) || (bus & hw_mask) != (addr & hw_mask))
    throw Found{inv::DeviceView,
                fmt::format("the device reaches {} at the bus address translate({}) answers",
                            hex(addr), hex(addr)),
                page ? fmt::format("driver answered {}, device reaches {} there (MR {}, offset {:#x})",
                                   hex(bus), hex((*page << config_.hw_page_shift) | (bus & hw_mask)),
                                   mr->handle, bus & hw_mask)
                     : fmt::format("driver answered {}, device reaches nothing there (MR {} has no "
                                   "page registered at that position)",
                                   hex(bus), mr->handle)};
}

Run::ProbePlan Run::probe_plan() {
  const Memory &mem = part_.memory();
  ProbePlan plan;
  plan.mapped = must_map_;
  for (const auto &r : window_)
    for (std::uint64_t s = r.lower(); s < r.upper(); ++s)
      if (part_.translate(s << config_.section_shift) != BUSMAP_INVALID)
        plan.mapped += s;
  // Every section of partition memory (an offline block between online
  // ones must miss in every section, not only at the run's edges) and of
  // mapped or must-map memory, and the edges of everything else.
  plan.edges = mem.assigned();
  for (const auto &r : mem.assigned() + plan.mapped) {
    plan.edges += r.lower();
    plan.edges += r.upper() - 1;
    if (r.lower() > 0)
      plan.edges += r.lower() - 1;
    if (r.upper() < config_.section_limit())
      plan.edges += r.upper();
  }
  for (const auto &r : mem.gigantic() & mem.assigned()) {
    plan.edges += r.lower();
    plan.edges += r.upper() - 1;
  }
  // The top and the middle of the physical space (2^64 - 1 and 2^63 in
  // `portable`), and bus_start, read as a physical address when it is one.
  const std::uint32_t bits = config_.phys_bits;
  plan.fixed = {0, bits == 64 ? ~0ull : (1ull << bits) - 1, 1ull << (bits - 1)};
  if (in_phys_space(config_.bus_start))
    plan.fixed.push_back(config_.bus_start);
  plan.inner = 0x5a5a5a5a5a5a5a5aull & (config_.section_size() - 1);
  return plan;
}

/// Calls `fn` on the first, inner and last address of every section in `sections`.
template <class F>
static void for_each_probe(const SectionSet &sections, const PlatformConfig &config,
                           std::uint64_t inner, F fn) {
  for (const auto &r : sections)
    for (std::uint64_t s = r.lower(); s < r.upper(); ++s) {
      const std::uint64_t base = s << config.section_shift;
      fn(base);
      fn(base + inner);
      fn(base + (config.section_size() - 1));
    }
}

/// The first probed address the driver translates, and its bus address.
std::optional<std::pair<std::uint64_t, std::uint64_t>> Run::first_translation() {
  const ProbePlan plan = probe_plan();
  std::optional<std::pair<std::uint64_t, std::uint64_t>> found;
  auto look_at = [&](std::uint64_t a) {
    if (!found)
      if (const std::uint64_t bus = part_.translate(a); bus != BUSMAP_INVALID)
        found.emplace(a, bus);
  };
  for_each_probe(plan.mapped + plan.edges, config_, plan.inner, look_at);
  for (auto a : plan.fixed)
    look_at(a);
  return found;
}

// Each address is translated once per look.  The edges pass leaves out the
// mapped sections, whose addresses the first pass judged already (the
// judgement depends on the address and the answer alone, so a second
// probe could only repeat it), and the canonical pass compares the answers
// the probes got, in address order, instead of asking the driver again:
// the three passes translated most addresses three times.
void Run::check_probes() {
  const ProbePlan plan = probe_plan();
  answers_.clear();
  auto one = [this](std::uint64_t a) { answers_.emplace_back(a, probe(a)); };
  for_each_probe(plan.mapped, config_, plan.inner, one);
  const auto edges = static_cast<std::ptrdiff_t>(answers_.size());
  for_each_probe(plan.edges - plan.mapped, config_, plan.inner, one);
  const auto fixed = static_cast<std::ptrdiff_t>(answers_.size());
  for (auto a : plan.fixed)
    one(a);
  if (!(driver_.flags & BUSMAP_DRIVER_CANONICAL))
    return;
  const model::CanonicalLayout layout(plan.mapped, config_);
  check_canonical_mr(layout);
  auto exact = [&](std::uint64_t addr, std::uint64_t got) {
    const std::uint64_t want = layout.translate(addr);
    if (want != got)
      throw Found{inv::Canonical, fmt::format("translate({}) = {} (rank layout)", hex(addr), hex(want)),
                  hex(got), addr, got};
  };
  // The mapped and the edge probes, each ascending, into one address order
  // (the order the canonical pass always judged in); the fixed ones last.
  std::inplace_merge(answers_.begin(), answers_.begin() + edges, answers_.begin() + fixed);
  for (const auto &[addr, got] : answers_)
    exact(addr, got);
}

void Run::check_canonical_mr(const model::CanonicalLayout &layout) {
  const Firmware &fw = part_.firmware();
  const std::uint64_t want = layout.mr_length();
  // The driver's MRs: an orphan counts only where it is the canonical MR,
  // which a driver may keep using when its free failed and nothing changed.
  std::vector<const MemoryRegion *> mrs;
  for (const auto &[h, mr] : fw.live_mrs())
    if (!fw.orphaned(h) || (mr.bus_start == config_.bus_start && mr.length == want))
      mrs.push_back(&mr);
  const std::string expected =
      want ? fmt::format("one MR at bus {} of length {:#x} ({} sections)", hex(config_.bus_start),
                         want, layout.sections())
           : std::string("no MR (no section mapped)");
  const bool ok = want == 0 ? mrs.empty()
                            : mrs.size() == 1 && mrs.front()->bus_start == config_.bus_start &&
                                  mrs.front()->length == want;
  if (ok)
    return;
  std::string actual = fmt::format("{} MR(s)", mrs.size());
  for (const MemoryRegion *mr : mrs)
    actual += fmt::format("; MR {} at {} length {:#x}", mr->handle, hex(mr->bus_start), mr->length);
  throw Found{inv::Canonical, expected, actual};
}

// The firmware refused a call of this step for breaking one of the rules an
// invariant stands for (MR length, no holes): that invariant is violated.
void Run::check_refusals() {
  const auto &refusals = part_.firmware().refusals();
  for (std::size_t i = refusals_mark_; i < refusals.size(); ++i) {
    const Refusal &r = refusals[i];
    switch (r.rule) {
    case FirmwareRule::MrLimit:
    case FirmwareRule::LengthOverMemory:
    case FirmwareRule::PastDeclared:
      throw Found{inv::MrLength, "MRs within partition memory, the MR limit and their declared length",
                  "the firmware refused: " + r.why};
    case FirmwareRule::NotPartition:
    case FirmwareRule::InGigantic:
      throw Found{inv::NoHoles, "only partition memory outside gigantic pages is registered",
                  "the firmware refused: " + r.why};
    case FirmwareRule::CallShape:
    case FirmwareRule::UnknownHandle:
    case FirmwareRule::OrphanHeld: // an earlier fault's consequence (fault_in_step)
      break; // a malformed call: clean-failure judges the failed load or veto
    }
  }
}

// Memory assigned during the step counts from the step's start: a driver
// may size for a block before it is removed.
std::uint64_t Run::footprint_bound() const {
  const std::uint64_t sections = std::max(sections_mark_, part_.memory().assigned_sections());
  return model::footprint_bound(config_, sections);
}

// The platform allocator's live, peak and largest request, a request it
// refused for the running total, and the plain malloc of driver code
// (driver_heap.hpp), which a real kernel would count the same.
void Run::check_footprint() {
  const auto &a = part_.allocator();
  const std::uint64_t sections = std::max(sections_mark_, part_.memory().assigned_sections());
  const std::uint64_t bound = footprint_bound();
  const std::uint64_t heap = driver_heap_bytes();
  const std::uint64_t live = a.live_bytes() + std::min(heap, ~a.live_bytes());
  const std::uint64_t worst = std::max({live, a.peak_bytes(), a.largest_request(), a.refused_total()});
  if (worst <= bound)
    return;
  std::string actual = fmt::format("live {} bytes, peak {} bytes, largest request {} bytes",
                                   a.live_bytes(), a.peak_bytes(), a.largest_request());
  if (a.refused_total() > bound)
    actual += fmt::format("; a request refused (NULL) that would have taken the live total to "
                          "{} bytes",
                          a.refused_total());
  if (heap > 0)
    actual += fmt::format("; plus {} bytes driver code took with plain malloc (memory outside the "
                          "platform allocator)",
                          heap);
  throw Found{inv::Footprint, fmt::format("at most {} bytes for {} present sections", bound, sections),
              std::move(actual)};
}

} // namespace

Oracle::Oracle(const busmap_driver &driver, OracleOptions options)
    : driver_(driver), options_(std::move(options)) {}

Verdict Oracle::run(const Trace &trace) const { return run(trace, trace.mode); }

Verdict Oracle::run(const Trace &trace, Mode mode) const {
  return Run(driver_, trace, mode, options_).execute();
}

} // namespace busmap
