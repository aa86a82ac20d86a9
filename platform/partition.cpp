// The simulated partition: notifier protocol, driver hosting and the C
// callbacks of busmap_platform; see partition.hpp.
#include "platform/partition.hpp"

#include "platform/driver_call.hpp"
#include "platform/driver_heap.hpp"
#include "platform/driver_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include <utility>

namespace busmap {

const char *to_string(busmap_mem_action a) {
  switch (a) {
  case BUSMAP_MEM_GOING_ONLINE: return "GOING_ONLINE";
  case BUSMAP_MEM_ONLINE: return "ONLINE";
  case BUSMAP_MEM_CANCEL_ONLINE: return "CANCEL_ONLINE";
  case BUSMAP_MEM_GOING_OFFLINE: return "GOING_OFFLINE";
  case BUSMAP_MEM_OFFLINE: return "OFFLINE";
  case BUSMAP_MEM_CANCEL_OFFLINE: return "CANCEL_OFFLINE";
  }
  return "?";
}

const char *hcall_name(std::int64_t rc) {
  switch (rc) {
  case BUSMAP_H_SUCCESS: return "H_SUCCESS";
  case BUSMAP_H_BUSY: return "H_BUSY";
  case BUSMAP_H_PAGE_REGISTERED: return "H_PAGE_REGISTERED";
  case BUSMAP_H_HARDWARE: return "H_HARDWARE";
  case BUSMAP_H_PARAMETER: return "H_PARAMETER";
  case BUSMAP_H_RESOURCE: return "H_RESOURCE";
  }
  return nullptr;
}

namespace {

Partition &self(void *ctx) { return *static_cast<Partition *>(ctx); }

std::string hcall_label(std::int64_t rc) {
  const char *name = hcall_name(rc);
  return name ? name : fmt::format("{}", rc);
}

/// A callback's name as a template argument (a preemption point's kind).
template <std::size_t N> struct CallbackName {
  char text[N];
  constexpr CallbackName(const char (&s)[N]) { std::copy_n(s, N, text); }
};

/// Marks the return of a callback to the driver: a preemption point.
class ReturnToDriver {
public:
  ReturnToDriver(void *ctx, const char *callback) : ctx_(ctx), callback_(callback) {}
  ~ReturnToDriver() { self(ctx_).preemption_point(callback_); }
  ReturnToDriver(const ReturnToDriver &) = delete;
  ReturnToDriver &operator=(const ReturnToDriver &) = delete;

private:
  void *ctx_;
  const char *callback_;
};

template <class... Rest> void *ctx_of(void *ctx, Rest...) { return ctx; }

/// The form of a platform callback the driver is handed: the callback
/// itself, run as harness code, whatever the driver's code around it, and
/// then a preemption point (after the callback's effect, before the driver
/// goes on: the driver's thread waits inside the callback).
template <auto Callback, CallbackName Name> struct AsPlatform;
template <class R, class... Args, R (*Callback)(Args...), CallbackName Name>
struct AsPlatform<Callback, Name> {
  static R call(Args... args) {
    const ReturnToDriver point(ctx_of(args...), Name.text);
    const driver_heap::PlatformCode scope;
    return Callback(args...);
  }
};

/// rewrite_rx's translation callback is driver code called by the device.
struct DriverXlate {
  std::uint64_t (*xlate)(void *, std::uint64_t);
  void *arg;
  static std::uint64_t call(void *self, std::uint64_t phys) {
    const auto &x = *static_cast<DriverXlate *>(self);
    const DriverCall in("the xlate() given to rewrite_rx()");
    return x.xlate(x.arg, phys);
  }
};

} // namespace

Partition::Partition(const Layout &layout)
    : memory_(layout), firmware_(memory_), allocator_(layout.config.max_alloc_bytes) {
  abi_.ctx = this;
  abi_.section_shift = config().section_shift;
  abi_.page_shift = config().page_shift;
  abi_.hw_page_shift = config().hw_page_shift;
  abi_.max_rpages = config().max_rpages;
  abi_.max_mrs = config().max_mrs;
  abi_.bus_start = config().bus_start;
  abi_.alloc = AsPlatform<cb_alloc, "alloc">::call;
  abi_.free = AsPlatform<cb_free, "free">::call;
  abi_.log = AsPlatform<cb_log, "log">::call;
  abi_.walk_ram = AsPlatform<cb_walk_ram, "walk_ram">::call;
  abi_.is_gigantic = AsPlatform<cb_is_gigantic, "is_gigantic">::call;
  abi_.h_alloc_mr = AsPlatform<cb_alloc_mr, "h_alloc_mr">::call;
  abi_.h_register_pages = AsPlatform<cb_register_pages, "h_register_pages">::call;
  abi_.h_free_mr = AsPlatform<cb_free_mr, "h_free_mr">::call;
  abi_.is_online = AsPlatform<cb_is_online, "is_online">::call;
  abi_.get_online_mems = AsPlatform<cb_get_online_mems, "get_online_mems">::call;
  abi_.put_online_mems = AsPlatform<cb_put_online_mems, "put_online_mems">::call;
  abi_.max_sg = device_.max_sg();
  abi_.post_tx = AsPlatform<cb_post_tx, "post_tx">::call;
  abi_.post_rx = AsPlatform<cb_post_rx, "post_rx">::call;
  abi_.stop_traffic = AsPlatform<cb_stop_traffic, "stop_traffic">::call;
  abi_.start_traffic = AsPlatform<cb_start_traffic, "start_traffic">::call;
  abi_.rewrite_rx = AsPlatform<cb_rewrite_rx, "rewrite_rx">::call;
  abi_.lock = AsPlatform<cb_lock, "lock">::call;
  abi_.unlock = AsPlatform<cb_unlock, "unlock">::call;
  abi_.rcu_read_lock = AsPlatform<cb_rcu_read_lock, "rcu_read_lock">::call;
  abi_.rcu_read_unlock = AsPlatform<cb_rcu_read_unlock, "rcu_read_unlock">::call;
  abi_.synchronize_rcu = AsPlatform<cb_synchronize_rcu, "synchronize_rcu">::call;
}

// A run that ends early (a violation) still gives the driver its unload, so
// the driver's own memory goes back; whatever it leaks, the allocator frees.
// A load parked in get_online_mems() is let finish first (the window is
// dropped without events), so its thread ends before the partition does.
Partition::~Partition() {
  run_data_path_on(nullptr);
  abandon_waiting_race("the driver never unlocks");
  window_.reset();
  if (strand_.parked() && strand_.resume())
    finish_load();
  unload();
}

void Partition::note(JournalEntry::Kind kind, std::string text) {
  journal_.push_back({kind, std::move(text)});
}

std::size_t Partition::log_count(int max_level) const {
  std::size_t n = 0;
  for (const auto &[level, msg] : logs_)
    n += level <= max_level;
  return n;
}

// --- The driver. ---------------------------------------------------------

std::uint32_t Partition::driver_abi() const {
  return driver_ ? driver_->abi_version : BUSMAP_ABI_CURRENT;
}

// load() runs on the strand, so that get_online_mems() can park it while a
// window is open; without a window it runs to its end at once.
bool Partition::load(const busmap_driver &driver) {
  driver_ = &driver;
  note(JournalEntry::Kind::Driver,
       fmt::format("load({})", driver.name ? utf8_escaped(driver.name) : "?"));
  lock_depth_ = 0;
  // An ABI 1 driver predates the windows and has no lock to take: its load
  // runs under the hotplug lock on its behalf, so it is judged as before.
  const bool abi1 = driver.abi_version < 2;
  if (!strand_.start([this, abi1] {
        if (abi1)
          cb_get_online_mems(this);
        {
          // Only the driver's call: the put below is the harness's, on the driver's behalf.
          DriverCall in("load()");
          loaded_instance_ = driver_->load(&abi_);
        }
        if (abi1)
          cb_put_online_mems(this);
      })) {
    note(JournalEntry::Kind::Driver, "load waits in get_online_mems()");
    return false;
  }
  finish_load();
  return instance_ != nullptr;
}

void Partition::finish_load() {
  instance_ = std::exchange(loaded_instance_, nullptr);
  note(JournalEntry::Kind::Driver, instance_ ? "load -> driver instance" : "load -> NULL");
  open_data_path_gate();
  if (lock_depth_ != 0)
    misuse_.push_back(fmt::format("load() returned holding the memory hotplug lock ({} "
                                  "get_online_mems() without put_online_mems())",
                                  lock_depth_));
  lock_depth_ = 0;
}

void Partition::resume_parked_load(OpOutcome &out) {
  if (!strand_.parked())
    return;
  note(JournalEntry::Kind::Driver, "the window ended: the waiting load goes on");
  if (!strand_.resume())
    return; // parked again (no window is open, so only a later preemption point)
  finish_load();
  out.load_resumed = true;
  out.load_result = instance_ != nullptr;
}

void Partition::unload() {
  if (!instance_)
    return;
  note(JournalEntry::Kind::Driver, "unload()");
  if (threads_)
    threads_->close(); // the stack stops using a device whose driver goes
  {
    DriverCall in("unload()");
    driver_->unload(instance_);
  }
  instance_ = nullptr;
  if (!device_.tx().empty() || !device_.rx().empty() || device_.stopped())
    note(JournalEntry::Kind::Device, "the driver's queues are destroyed with it: device reset");
  device_.reset();
}

std::uint64_t Partition::translate(std::uint64_t phys_addr) {
  if (!instance_)
    return BUSMAP_INVALID;
  DriverCall in("translate()");
  return driver_->translate(instance_, phys_addr);
}

// --- The data path on real threads. ------------------------------------------

void Partition::run_data_path_on(DataPathThreads *threads) {
  if (threads_)
    threads_->attach(nullptr);
  threads_ = threads;
  if (threads_) {
    threads_->attach(this);
    open_data_path_gate();
  }
}

void Partition::open_data_path_gate() {
  if (threads_ && instance_ && has_data_path() && !device_.stopped())
    threads_->open();
}

// Driver code, but not named on the board: the board names what the
// driver's own thread runs (one name for the process), which is what a
// crash report can say for certain.
std::uint64_t Partition::translate_on_data_path(std::uint64_t phys) {
  const driver_heap::DriverCode driver;
  return driver_->translate(instance_, phys);
}

// --- Races. -------------------------------------------------------------------

void Partition::arm_races(std::vector<RacePoint> races) {
  races_ = std::move(races);
  race_answers_.clear();
  points_.clear();
}

// The racing translation runs on a strand (platform/strand.hpp) while this
// thread (the driver's) waits inside the callback: exactly one thread runs
// at a time, so the interleaving is the trace's and a replay repeats it.
// A translate() that finds a lock word held parks in lock() and this
// thread goes on; the driver's unlock() of that word resumes it, and it
// answers then, as a data path spinning on the driver's lock would (its
// answer is judged through the MRs live when it comes).  One data-path
// thread races at a time: a race at a point where the last one still
// waits does not run.
//
// Only the points at which the data path can run are numbered: between
// stop_traffic() and start_traffic() the stack hands the stopped queues no
// transmit and the disabled poll refills no receive ring (netif_tx_disable,
// napi_disable), so a real machine makes no data-path translation there.
// Counting those points would spend most generated races on no-ops (a
// re-registration's hcalls all fall inside the stop) and let them stand for
// interleavings no machine has.  A driver without a data path (ABI 1, or
// NULL xmit/refill_rx) has nothing that translates while it handles an
// event, and is never raced.  Likewise a race on an address the stack
// can hold no buffer in at that point (stack_may_hold: a block whose
// GOING_ONLINE is being handled has not handed its pages to the allocator
// yet; an offline block or a hole never has) does not run: the data path
// only translates buffers the stack owns.
void Partition::preemption_point(const char *callback) {
  // With data-path threads (busmap stress) they are the races; no
  // callback is a point, theirs or the driver's.
  if (threads_ || !in_event_ || !has_data_path() || device_.stopped())
    return;
  const driver_heap::PlatformCode harness; // the bookkeeping and the thread are not the driver's
  points_.push_back(callback);
  const auto at = static_cast<std::uint32_t>(points_.size());
  for (const RacePoint &r : races_) {
    if (r.at != at)
      continue;
    RaceAnswer a{at, r.addr, BUSMAP_INVALID, callback, stack_may_hold(r.addr, 1), std::nullopt};
    if (!a.stack_holds || racing_) {
      a.behind_lock = a.stack_holds;
      race_answers_.push_back(a);
      note(JournalEntry::Kind::Driver,
           a.behind_lock
               ? fmt::format("  race {} inside {}(): the data path still waits on a lock, "
                             "translate({:#x}) does not run",
                             at, callback, r.addr)
               : fmt::format("  race {} inside {}(): no buffer of the stack can be at {:#x}, "
                             "nothing translates it",
                             at, callback, r.addr));
      continue;
    }
    racing_ = a;
    run_race(false);
  }
}

// Hands the driver's CPU to the racer until it answers or parks in lock().
// The racer's own callbacks are not points of the step, and the board
// that names the running driver call names the driver's thread again
// when control comes back to it.
void Partition::run_race(bool resume) {
  const bool was_in_event = in_event_;
  const char *driver_thread = driver_call_board().current.load(std::memory_order_relaxed);
  in_event_ = false;
  const bool answered = resume ? racer_.resume() : racer_.start([this] {
    const DriverCall in("translate() racing an event");
    racing_->bus = driver_->translate(instance_, racing_->addr);
  });
  driver_call_board().current.store(driver_thread, std::memory_order_relaxed);
  in_event_ = was_in_event;
  RaceAnswer &a = *racing_;
  a.waited_for_lock |= resume;
  if (!answered) {
    note(JournalEntry::Kind::Driver,
         fmt::format("  race {} inside {}(): translate({:#x}) on a second thread waits in lock()",
                     a.at, a.callback, a.addr));
    return;
  }
  if (a.bus != BUSMAP_INVALID)
    a.reaches = firmware_.reached(a.bus);
  note(JournalEntry::Kind::Driver,
       fmt::format("  race {} inside {}(): translate({:#x}) on a second thread -> {:#x}{}", a.at,
                   a.callback, a.addr, a.bus,
                   a.waited_for_lock ? " (after the driver's unlock())" : ""));
  race_answers_.push_back(a);
  racing_.reset();
  racer_waits_on_ = nullptr;
}

// The word the racer waits on will not be unlocked (notify() returned, or
// the partition goes): the wait is a deadlock of the real machine, which
// is recorded; lock() then returns without the word so the racer's thread
// can end.
void Partition::abandon_waiting_race(const char *why) {
  if (!racer_.parked())
    return;
  misuse_.push_back(fmt::format("a racing translate() waits in lock() for a word {}: it "
                                "would wait forever",
                                why));
  racer_abandoned_ = true;
  run_race(true);
  racer_abandoned_ = false;
}

// --- The notifier chain. -------------------------------------------------

int Partition::notify_driver(busmap_mem_action action, const Block &b) {
  if (!instance_)
    return BUSMAP_NOTIFY_OK;
  const std::uint32_t to_pages = config().section_shift - config().page_shift;
  const std::uint64_t start_pfn = b.first_section << to_pages;
  const std::uint64_t nr_pages = b.sections << to_pages;
  note(JournalEntry::Kind::Notify, fmt::format("notify({}, start_pfn={:#x}, nr_pages={:#x})",
                                              to_string(action), start_pfn, nr_pages));
  int answer;
  {
    DriverCall in(notify_call_name(action));
    in_event_ = true;
    answer = driver_->notify(instance_, action, start_pfn, nr_pages);
    in_event_ = false;
  }
  abandon_waiting_race("notify() returned holding");
  if (threads_ && threads_->event_answered)
    threads_->event_answered();
  if (!races_.empty() && event_answered_)
    event_answered_(points_.size(), b);
  note(JournalEntry::Kind::Notify,
       fmt::format("  {} answered {}", to_string(action),
                   answer == BUSMAP_NOTIFY_OK ? "NOTIFY_OK" : "NOTIFY_BAD"));
  return answer;
}

// Sends a GOING_* event down the chain; the first NOTIFY_BAD stops it.
// Answers the chain's verdict; `out` gets whether the driver was asked and
// its own answer, which the other notifier's veto must not be blamed on.
int Partition::notify_chain(busmap_mem_action action, const Block &b, Veto veto, OpOutcome &out) {
  auto other = [&]() -> int {
    if (veto == Veto::None)
      return BUSMAP_NOTIFY_OK;
    note(JournalEntry::Kind::Kernel,
         fmt::format("another notifier answers {} with NOTIFY_BAD", to_string(action)));
    return BUSMAP_NOTIFY_BAD;
  };
  if (veto == Veto::Before && other() != BUSMAP_NOTIFY_OK)
    return BUSMAP_NOTIFY_BAD;
  out.driver_asked = instance_ != nullptr;
  out.driver_answer = notify_driver(action, b);
  if (out.driver_answer != BUSMAP_NOTIFY_OK)
    return BUSMAP_NOTIFY_BAD;
  return veto == Veto::After ? other() : BUSMAP_NOTIFY_OK;
}

void Partition::broadcast(busmap_mem_action action, const Block &b) { notify_driver(action, b); }

// --- Operations. ---------------------------------------------------------

void Partition::refuse(OpOutcome &out, std::string path, std::string text) {
  out.performed = false;
  out.path = std::move(path);
  out.note = std::move(text);
  note(JournalEntry::Kind::Kernel, out.note);
}

// add_memory, online_pages, offline_pages and remove_memory all take the
// memory hotplug lock for writing (mem_hotplug_begin), so none starts while
// a split operation holds it.
bool Partition::refuse_while_window(OpOutcome &out) {
  if (!window_)
    return false;
  refuse(out, "refused by the kernel, another hotplug operation in progress",
         fmt::format("kernel refuses: the {} of {:#x} holds the memory hotplug lock",
                     window_->offline ? "offline" : "online",
                     memory_.base_of(window_->block.first_section)));
  return true;
}

OpOutcome Partition::add_block(std::uint64_t base, std::uint64_t sections) {
  OpOutcome out;
  if (refuse_while_window(out))
    return out;
  if (auto why = memory_.assign(base, sections); !why.empty()) {
    out.performed = false;
    out.path = "refused, overlaps a block";
    out.note = "hypervisor refuses: " + why;
  } else {
    out.path = "assigned";
    out.note = fmt::format("block {:#x} assigned, offline", base);
  }
  note(JournalEntry::Kind::Kernel, out.note);
  return out;
}

// The part of online and offline that is the same: the kernel refuses a
// block in the wrong phase, sends the GOING_* event down the chain, and on a
// veto sends the CANCEL to every notifier.  Answers the block when every
// notifier accepted, else null with `out` saying why.
Block *Partition::begin_hotplug(std::uint64_t base, Phase from, busmap_mem_action going,
                                busmap_mem_action cancel, Veto veto, OpOutcome &out) {
  Block *b = memory_.find(base);
  if (!b || b->phase != from) {
    out.performed = false;
    out.path = b ? "refused by the kernel, block already in that state"
                 : "refused by the kernel, no such block";
    out.note = b ? fmt::format("kernel refuses: block {:#x} is {}", base, to_string(b->phase))
                 : fmt::format("kernel refuses: no block at {:#x}", base);
    note(JournalEntry::Kind::Kernel, out.note);
    return nullptr;
  }
  const Block block = *b;
  if (notify_chain(going, block, veto, out) == BUSMAP_NOTIFY_OK)
    return memory_.find(base);
  broadcast(cancel, block);
  out.path = !out.driver_asked ? "vetoed by another notifier before the driver"
             : out.driver_answer != BUSMAP_NOTIFY_OK ? "vetoed by the driver"
                                                     : "vetoed by another notifier after the driver";
  out.note = fmt::format("{} vetoed, {} sent", to_string(going), to_string(cancel));
  note(JournalEntry::Kind::Kernel, out.note);
  return nullptr;
}

OpOutcome Partition::begin_online(std::uint64_t base, Veto veto) {
  OpOutcome out;
  if (refuse_while_window(out))
    return out;
  Block *b = begin_hotplug(base, Phase::Offline, BUSMAP_MEM_GOING_ONLINE,
                           BUSMAP_MEM_CANCEL_ONLINE, veto, out);
  if (!b)
    return out;
  window_ = HotplugWindow{*b, false, false};
  b->phase = Phase::GoingOnline;
  note(JournalEntry::Kind::Kernel, fmt::format("pages of {:#x} handed to the allocator", base));
  out.path = "window opened";
  out.note = "going online";
  return out;
}

// Linux: offline_pages isolates the range (start_isolate_page_range) before
// it sends MEM_GOING_OFFLINE; isolation fails on an unmovable page, and a
// gigantic page cannot be migrated, so the offline fails with no event sent.
OpOutcome Partition::begin_offline(std::uint64_t base, Veto veto) {
  OpOutcome out;
  if (refuse_while_window(out))
    return out;
  const Block *b = memory_.find(base);
  if (b && b->phase == Phase::Online) {
    const SectionSet giant = memory_.gigantic() & SectionSet(b->range());
    if (!giant.empty()) {
      refuse(out, "refused by the kernel, a gigantic page cannot be isolated",
             fmt::format("kernel refuses: page isolation fails on the gigantic page at {:#x}",
                         memory_.base_of(giant.begin()->lower())));
      return out;
    }
  }
  Block *going = begin_hotplug(base, Phase::Online, BUSMAP_MEM_GOING_OFFLINE,
                               BUSMAP_MEM_CANCEL_OFFLINE, veto, out);
  if (!going)
    return out;
  window_ = HotplugWindow{*going, true, false};
  going->phase = Phase::GoingOffline;
  note(JournalEntry::Kind::Kernel, fmt::format("pages of {:#x} being migrated", base));
  out.path = "window opened";
  out.note = "going offline";
  return out;
}

OpOutcome Partition::migrate(std::uint64_t base) {
  OpOutcome out;
  if (!window_ || !window_->offline || window_->block.first_section != memory_.section_of(base) ||
      memory_.base_of(memory_.section_of(base)) != base) {
    refuse(out, "refused by the kernel, no such operation in progress",
           fmt::format("kernel refuses: no offline of {:#x} in progress", base));
    return out;
  }
  if (window_->migrated) {
    refuse(out, "refused by the kernel, migration already done",
           fmt::format("kernel refuses: the pages of {:#x} are migrated already", base));
    return out;
  }
  if (pinned_by_device(window_->block))
    return end_window(base, false); // its migration fails: CANCEL_OFFLINE
  window_->migrated = true;
  note(JournalEntry::Kind::Kernel,
       fmt::format("pages of {:#x} migrated, its sections offline", base));
  out.path = "migrated";
  out.note = "migrated";
  return out;
}

OpOutcome Partition::end_window(std::uint64_t base, bool cancel) {
  OpOutcome out;
  if (!window_ || memory_.find(base) == nullptr ||
      window_->block.first_section != memory_.section_of(base)) {
    refuse(out, "refused by the kernel, no such operation in progress",
           fmt::format("kernel refuses: no online or offline of {:#x} in progress", base));
    return out;
  }
  const HotplugWindow w = *window_;
  if (cancel && w.migrated) {
    refuse(out, "refused by the kernel, migration already done",
           fmt::format("kernel refuses: the offline of {:#x} cannot fail after migration", base));
    return out;
  }
  // Linux's offline_pages() cannot migrate a page the device holds (its
  // reference is elevated, so migrate_pages() fails): the offline fails
  // after GOING_OFFLINE and CANCEL_OFFLINE is sent.
  const bool pinned = w.offline && !cancel && !w.migrated && pinned_by_device(w.block);
  if (pinned) {
    note(JournalEntry::Kind::Kernel,
         fmt::format("page migration of {:#x} fails: the device holds pages of it", base));
    cancel = true;
  }
  window_.reset();
  Block *b = memory_.find(base);
  if (!w.offline) {
    b->phase = cancel ? Phase::Offline : Phase::Online;
    broadcast(cancel ? BUSMAP_MEM_CANCEL_ONLINE : BUSMAP_MEM_ONLINE, w.block);
    out.note = cancel ? "online failed after GOING_ONLINE, cancelled" : "online";
  } else {
    if (cancel)
      note(JournalEntry::Kind::Kernel, "page migration failed");
    b->phase = cancel ? Phase::Online : Phase::Offline;
    broadcast(cancel ? BUSMAP_MEM_CANCEL_OFFLINE : BUSMAP_MEM_OFFLINE, w.block);
    out.note = cancel ? "migration failed, offline cancelled" : "offline";
  }
  out.path = !cancel   ? "completed"
             : pinned  ? "cancelled, pages pinned by the device"
             : w.offline ? "cancelled by a migration failure"
                         : "cancelled after GOING_ONLINE";
  resume_parked_load(out);
  return out;
}

// The atomic forms: one window, opened, looked at, and ended.
OpOutcome Partition::online_block(std::uint64_t base, Veto veto, const Checkpoint &cp) {
  OpOutcome out = begin_online(base, veto);
  if (out.path != "window opened")
    return out;
  if (cp)
    cp("after GOING_ONLINE was accepted (pages in the allocator)");
  OpOutcome end = end_window(base, false);
  end.driver_asked = out.driver_asked;
  end.driver_answer = out.driver_answer;
  return end;
}

OpOutcome Partition::offline_block(std::uint64_t base, Veto veto, bool migrate_fail,
                                   const Checkpoint &cp) {
  OpOutcome out = begin_offline(base, veto);
  if (out.path != "window opened")
    return out;
  if (cp)
    cp("after GOING_OFFLINE was accepted (pages migrating)");
  OpOutcome end = end_window(base, migrate_fail);
  end.driver_asked = out.driver_asked;
  end.driver_answer = out.driver_answer;
  return end;
}

OpOutcome Partition::remove_block(std::uint64_t base) {
  OpOutcome out;
  if (refuse_while_window(out))
    return out;
  const Block *b = memory_.find(base);
  if (!b || b->phase != Phase::Offline) {
    out.performed = false;
    out.path = "refused, block not offline";
    out.note = b ? fmt::format("hypervisor does not reclaim: block {:#x} is {}", base,
                               to_string(b->phase))
                 : fmt::format("hypervisor does not reclaim: no block at {:#x}", base);
    note(JournalEntry::Kind::Kernel, out.note);
    return out;
  }
  SectionSet range;
  range += b->range();
  // [fw-reclaim-held]
  auto holders = firmware_.holders(range);
  // A driver's MR goes first in the report; an orphan is the firmware's own.
  std::stable_partition(holders.begin(), holders.end(),
                        [&](std::uint64_t h) { return !firmware_.orphaned(h); });
  if (!holders.empty()) {
    out.performed = false;
    const bool orphan = firmware_.orphaned(holders.front());
    out.held_by_orphan = orphan;
    out.path = orphan ? "refused, an orphaned MR still holds its pages"
                      : "refused, an MR still holds its pages";
    out.note = fmt::format("firmware refuses reclaim of {:#x}: MR {} still holds its pages{}", base,
                           holders.front(),
                           orphan ? " (orphaned: an injected fault refused its free, so the "
                                    "hypervisor cannot reclaim this memory)"
                                  : "");
    note(JournalEntry::Kind::Hcall, out.note);
    return out;
  }
  memory_.reclaim(base);
  out.path = "reclaimed";
  out.note = fmt::format("block {:#x} reclaimed by the hypervisor", base);
  note(JournalEntry::Kind::Kernel, out.note);
  return out;
}

// --- Callbacks handed to the driver. -------------------------------------

void *Partition::cb_alloc(void *ctx, size_t bytes) {
  Partition &p = self(ctx);
  void *ptr = p.allocator_.allocate(bytes);
  p.note(JournalEntry::Kind::Alloc, fmt::format("alloc({}) -> {}", bytes, ptr ? "ok" : "NULL"));
  return ptr;
}

void Partition::cb_free(void *ctx, void *ptr) {
  Partition &p = self(ctx);
  const std::size_t misuse = p.allocator_.misuse().size();
  p.allocator_.release(ptr);
  if (p.allocator_.misuse().size() != misuse)
    p.note(JournalEntry::Kind::Alloc, "free: " + p.allocator_.misuse().back());
}

void Partition::cb_log(void *ctx, int level, const char *msg) {
  Partition &p = self(ctx);
  std::string text = msg ? utf8_escaped(msg) : "(null)";
  p.note(JournalEntry::Kind::Log, fmt::format("log<{}> {}", level, text));
  p.logs_.emplace_back(level, std::move(text));
}

int Partition::cb_walk_ram(void *ctx, int (*cb)(void *, std::uint64_t, std::uint64_t),
                           void *arg) {
  Partition &p = self(ctx);
  const std::uint32_t to_pages = p.config().section_shift - p.config().page_shift;
  // ABI 2: walk_system_ram_range() walks the "System RAM" resources, which
  // add_memory() creates and remove_memory() drops: every assigned block.
  const SectionSet ram = p.driver_abi() >= 2 ? p.memory_.assigned()
                                             : p.memory_.in_phase({Phase::Online});
  for (const auto &r : ram) {
    int rc = cb(arg, r.lower() << to_pages, (r.upper() - r.lower()) << to_pages);
    if (rc != 0)
      return rc;
  }
  return 0;
}

int Partition::cb_is_gigantic(void *ctx, std::uint64_t pfn) {
  Partition &p = self(ctx);
  return p.memory_.is_gigantic_section(pfn >> (p.config().section_shift - p.config().page_shift));
}

std::int64_t Partition::cb_alloc_mr(void *ctx, std::uint64_t bus_start, std::uint64_t length,
                                    std::uint64_t *handle) {
  Partition &p = self(ctx);
  std::int64_t rc = p.firmware_.alloc_mr(bus_start, length, handle);
  p.note(JournalEntry::Kind::Hcall,
         fmt::format("h_alloc_mr(bus={:#x}, length={:#x}) -> {}{}", bus_start, length,
                     hcall_label(rc),
                     rc == BUSMAP_H_SUCCESS ? fmt::format(", MR {}", *handle)
                                            : " (" + p.firmware_.last_error() + ")"));
  return rc;
}

std::int64_t Partition::cb_register_pages(void *ctx, std::uint64_t handle,
                                          const std::uint64_t *pages, std::uint32_t count) {
  Partition &p = self(ctx);
  std::int64_t rc = p.firmware_.register_pages(handle, pages, count);
  // A run of accepted calls on one MR is one journal line, not thousands,
  // and it is formatted when the journal is read: formatting it on every
  // call was 7.6% of a `busmap check` run (docs/PERFORMANCE.md).
  RegisterRun &run = p.register_run_;
  const bool extends = rc == BUSMAP_H_PAGE_REGISTERED && run.rc == rc && run.handle == handle &&
                       run.journal_index + 1 == p.journal_.size();
  if (extends) {
    run.calls += 1;
    run.pages += count;
    run.stale = true;
    return rc;
  }
  p.settle_register_run();
  const std::uint64_t first = pages && count ? pages[0] : 0;
  run = {handle, rc, first, 1, count, p.journal_.size()};
  std::string text = fmt::format("h_register_pages(MR {}, first={:#x}, count={}) -> {}", handle,
                                 first, count, hcall_label(rc));
  if (rc != BUSMAP_H_SUCCESS && rc != BUSMAP_H_PAGE_REGISTERED)
    text += " (" + p.firmware_.last_error() + ")";
  p.note(JournalEntry::Kind::Hcall, std::move(text));
  return rc;
}

void Partition::settle_register_run() const {
  const RegisterRun &run = register_run_;
  if (!run.stale)
    return;
  run.stale = false;
  journal_[run.journal_index].text =
      fmt::format("h_register_pages(MR {}) x{} calls, {} pages from {:#x} -> {}", run.handle,
                  run.calls, run.pages, run.first, hcall_label(run.rc));
}

std::int64_t Partition::cb_free_mr(void *ctx, std::uint64_t handle) {
  Partition &p = self(ctx);
  const bool was_orphan = p.firmware_.orphaned(handle);
  const auto live = p.firmware_.live_mrs().find(handle);
  if (live != p.firmware_.live_mrs().end() && !was_orphan) {
    const std::size_t seen = p.device_.unquiesced().size();
    p.device_.before_free(live->second);
    if (p.device_.unquiesced().size() != seen)
      p.note(JournalEntry::Kind::Device,
             fmt::format("MR {} freed while traffic runs: the device holds {} entr{} into it",
                         handle, p.device_.unquiesced().size() - seen,
                         p.device_.unquiesced().size() - seen == 1 ? "y" : "ies"));
  }
  std::int64_t rc = p.firmware_.free_mr(handle);
  p.note(JournalEntry::Kind::Hcall,
         fmt::format("h_free_mr(MR {}) -> {}{}", handle, hcall_label(rc),
                     rc == BUSMAP_H_SUCCESS ? "" : " (" + p.firmware_.last_error() + ")"));
  if (!was_orphan && p.firmware_.orphaned(handle))
    p.note(JournalEntry::Kind::Hcall,
           fmt::format("MR {} orphaned: the firmware keeps it and its pages, which the "
                       "hypervisor cannot reclaim; no longer the driver's to free",
                       handle));
  return rc;
}

} // namespace busmap

namespace busmap {

// --- ABI 2: hotplug. ------------------------------------------------------

// pfn_to_online_page() is non-NULL while the section is online: from
// online_pages (after GOING_ONLINE) until __offline_isolated_pages, which
// runs after migration and before MEM_OFFLINE is sent.
int Partition::cb_is_online(void *ctx, std::uint64_t pfn) {
  Partition &p = self(ctx);
  const Block *b = p.memory_.containing(pfn >> (p.config().section_shift - p.config().page_shift));
  if (!b)
    return 0;
  if (b->phase == Phase::GoingOffline)
    return !(p.window_ && p.window_->migrated);
  return b->phase == Phase::Online || b->phase == Phase::GoingOnline;
}

// The read side of the memory hotplug lock: on the load's strand it parks
// while a window holds the write side; elsewhere (notify, unload) waiting
// would deadlock the run, which is recorded as misuse instead.
void Partition::cb_get_online_mems(void *ctx) {
  Partition &p = self(ctx);
  ++p.lock_depth_;
  if (!p.window_) {
    p.note(JournalEntry::Kind::Kernel, "get_online_mems()");
    return;
  }
  const std::uint64_t base = p.memory_.base_of(p.window_->block.first_section);
  const char *op = p.window_->offline ? "offline" : "online";
  if (!p.strand_.on_worker()) {
    p.misuse_.push_back(fmt::format("get_online_mems() while the {} of {:#x} holds the hotplug "
                                    "lock, outside load(): it would deadlock",
                                    op, base));
    return;
  }
  p.note(JournalEntry::Kind::Kernel,
         fmt::format("get_online_mems() waits: the {} of {:#x} holds the hotplug lock", op, base));
  while (p.window_)
    p.strand_.park();
  p.note(JournalEntry::Kind::Kernel, "get_online_mems() taken");
}

void Partition::cb_put_online_mems(void *ctx) {
  Partition &p = self(ctx);
  if (p.lock_depth_ == 0) {
    p.misuse_.push_back("put_online_mems() without get_online_mems()");
    return;
  }
  --p.lock_depth_;
  p.note(JournalEntry::Kind::Kernel, "put_online_mems()");
}

// --- ABI 2: locks and read-copy update. ------------------------------------
//
// One thread of the driver runs at a time here.  A racing translation that
// finds a word held parks until the driver's thread unlocks it (see
// preemption_point).  The driver's own thread finding a word held would
// wait for itself, or for the parked racer that holds it and waits for the
// driver: either way the real machine deadlocks, and the run records it as
// misuse instead of hanging.  Read sections only count: with one thread at
// a time every read section has ended by the time the updater runs again,
// so synchronize_rcu() has nothing to wait for.

void Partition::cb_lock(void *ctx, std::uint32_t *word) {
  Partition &p = self(ctx);
  if (p.threads_)
    return DataPathThreads::lock(word);
  if (*word != 0 && p.racer_.on_worker() && !p.racer_abandoned_) {
    p.racer_waits_on_ = word;
    const char *racer = driver_call_board().current.load(std::memory_order_relaxed);
    p.racer_.park();
    driver_call_board().current.store(racer, std::memory_order_relaxed);
    if (p.racer_abandoned_)
      return;
  }
  if (*word != 0) {
    if (!p.racer_abandoned_)
      p.misuse_.push_back("lock() of a lock word already held: it would deadlock");
    return;
  }
  *word = 1;
}

void Partition::cb_unlock(void *ctx, std::uint32_t *word) {
  Partition &p = self(ctx);
  if (p.threads_)
    return DataPathThreads::unlock(word);
  if (*word == 0) {
    p.misuse_.push_back("unlock() of a lock word not held");
    return;
  }
  *word = 0;
  if (p.racer_.parked() && p.racer_waits_on_ == word)
    p.run_race(true);
}

void Partition::cb_rcu_read_lock(void *ctx) {
  Partition &p = self(ctx);
  if (p.threads_)
    return p.threads_->rcu_read_lock();
  ++p.rcu_depth_;
}

void Partition::cb_rcu_read_unlock(void *ctx) {
  Partition &p = self(ctx);
  if (p.threads_)
    return p.threads_->rcu_read_unlock();
  if (p.rcu_depth_ == 0) {
    p.misuse_.push_back("rcu_read_unlock() without rcu_read_lock()");
    return;
  }
  --p.rcu_depth_;
}

void Partition::cb_synchronize_rcu(void *ctx) {
  Partition &p = self(ctx);
  if (p.threads_)
    return p.threads_->synchronize_rcu();
  if (p.rcu_depth_ != 0)
    p.misuse_.push_back("synchronize_rcu() inside a read section: it would deadlock");
}

// --- ABI 2: the data path (platform/device.hpp). --------------------------

namespace {
int device_answer(Partition &p, int rc, std::string what, const std::string &why) {
  p.note(JournalEntry::Kind::Device,
         fmt::format("{} -> {}{}", what, rc, rc < 0 ? " (" + why + ")" : std::string()));
  return rc;
}
} // namespace

int Partition::cb_post_tx(void *ctx, const std::uint64_t *bus, const std::uint32_t *lens,
                          std::uint32_t count) {
  Partition &p = self(ctx);
  std::string why;
  const int rc = p.device_.post_tx(bus, lens, count, why);
  return device_answer(p, rc,
                       fmt::format("post_tx({} entries, first bus {:#x})", count,
                                   bus && count ? bus[0] : 0),
                       why);
}

int Partition::cb_post_rx(void *ctx, std::uint64_t bus, std::uint32_t len) {
  Partition &p = self(ctx);
  std::string why;
  const int rc = p.device_.post_rx(bus, len, why);
  return device_answer(p, rc, fmt::format("post_rx(bus {:#x}, {} bytes)", bus, len), why);
}

// In-flight transmits finish before the queues stop (netif_tx_stop_all_queues
// and eHEA's STOP_XFER wait for the send queue to drain).
void Partition::cb_stop_traffic(void *ctx) {
  Partition &p = self(ctx);
  if (p.threads_)
    p.threads_->close(); // waits for the translations in flight
  // The stop waits for the data path in flight (netif_tx_disable takes each
  // queue's transmit lock, napi_disable waits for the poll), and a racer
  // parked in lock() waits for the driver: a deadlock on a real machine.
  if (p.racer_.parked())
    p.misuse_.push_back("stop_traffic() while a racing translate() waits for a lock word the "
                        "driver holds: the stop waits for the data path, which waits for the lock");
  const std::size_t done = p.device_.stopped() ? 0 : p.device_.complete_tx(p.firmware_, p.memory_);
  p.device_.stop();
  p.note(JournalEntry::Kind::Device,
         done ? fmt::format("stop_traffic(): {} in-flight transmit entr{} read first", done,
                            done == 1 ? "y" : "ies")
              : std::string("stop_traffic()"));
}

void Partition::cb_start_traffic(void *ctx) {
  Partition &p = self(ctx);
  p.device_.start();
  p.note(JournalEntry::Kind::Device, "start_traffic()");
  p.open_data_path_gate();
}

int Partition::cb_rewrite_rx(void *ctx, std::uint64_t (*xlate)(void *, std::uint64_t),
                             void *arg) {
  Partition &p = self(ctx);
  std::string why;
  DriverXlate driver_xlate{xlate, arg};
  const int rc = xlate ? p.device_.rewrite_rx(DriverXlate::call, &driver_xlate, why)
                       : p.device_.rewrite_rx(xlate, arg, why);
  return device_answer(p, rc, "rewrite_rx()", why);
}

} // namespace busmap

namespace busmap {

// --- The stack's side of the data path, and the device's transfers. -------

bool Partition::pinned_by_device(const Block &b) const {
  return device_.pins(b.first_section, b.first_section + b.sections, config().section_shift);
}

bool Partition::has_data_path() const {
  return driver_ && driver_->abi_version >= 2 && driver_->xmit && driver_->refill_rx;
}

// The stack's buffers come from the page allocator, which holds only pages
// of online memory: a block's pages reach it in online_pages() after
// GOING_ONLINE was answered (before ONLINE is sent), and a going-offline
// block's pages were isolated after being allocated, so buffers there still
// exist until they are migrated.  An offline block, a hole or memory that
// is not the partition's holds none.
bool Partition::stack_may_hold(std::uint64_t phys, std::uint64_t len) const {
  const std::uint32_t shift = config().section_shift;
  for (std::uint64_t s = phys >> shift; s <= (phys + (len - 1)) >> shift; ++s) {
    const Block *b = memory_.containing(s);
    if (!b || b->phase == Phase::Offline)
      return false;
  }
  return true;
}

OpOutcome Partition::hand_buffer(bool rx, std::uint64_t phys, std::uint32_t len) {
  OpOutcome out;
  const char *what = rx ? "refill_rx" : "xmit";
  if (!instance_) {
    refuse(out, "not loaded", fmt::format("stack: no driver loaded, {} not called", what));
    return out;
  }
  if (len == 0 || phys + (len - 1) < phys) {
    refuse(out, "refused, the buffer wraps past 2^64",
           fmt::format("stack: a buffer of {} bytes at {:#x} does not exist", len, phys));
    return out;
  }
  if (!stack_may_hold(phys, len)) {
    refuse(out, "refused, not the stack's memory",
           fmt::format("stack: no buffer of {} bytes at {:#x}: the page allocator hands out only "
                       "pages of online memory",
                       len, phys));
    return out;
  }
  if (!has_data_path()) {
    refuse(out, "no data path",
           fmt::format("stack: the driver has no data path (ABI {}{}): {} not called",
                       driver_->abi_version, driver_->abi_version >= 2 ? ", NULL xmit/refill_rx" : "",
                       what));
    return out;
  }
  note(JournalEntry::Kind::Driver, fmt::format("{}({:#x}, {} bytes)", what, phys, len));
  device_.posting_for(phys);
  int rc;
  {
    DriverCall in(rx ? "refill_rx()" : "xmit()");
    rc = rx ? driver_->refill_rx(instance_, phys, len) : driver_->xmit(instance_, phys, len);
  }
  device_.posting_for(std::nullopt);
  out.path = rc == 0 ? "posted" : "dropped by the driver";
  out.note = fmt::format("  {} answered {}", what, rc);
  note(JournalEntry::Kind::Driver, out.note);
  return out;
}

OpOutcome Partition::xmit(std::uint64_t phys, std::uint32_t len) { return hand_buffer(false, phys, len); }
OpOutcome Partition::refill_rx(std::uint64_t phys, std::uint32_t len) {
  return hand_buffer(true, phys, len);
}

OpOutcome Partition::dma() {
  OpOutcome out;
  const bool posted = !device_.tx().empty() || !device_.rx().empty();
  const std::size_t n = device_.perform(firmware_, memory_);
  out.path = !posted ? "nothing posted"
             : n     ? "transfers performed"
                     : "traffic stopped, nothing transferred";
  out.note = fmt::format("device: {} entr{} transferred{}", n, n == 1 ? "y" : "ies",
                         posted && !n ? " (traffic is stopped)" : "");
  note(JournalEntry::Kind::Device, out.note);
  return out;
}

} // namespace busmap
