//===- platform/partition.hpp - the simulated partition ----------*- C++ -*-===//
//
// A Partition is the world a driver under test lives in: the memory blocks
// the hypervisor has assigned and their hotplug state, the kernel's
// notifier chain with its veto and cancel paths, the firmware's MRs, and
// the kernel services (allocator, log, walk_system_ram_range).  It hands
// the driver a `struct busmap_platform` and hosts exactly one driver
// instance through `struct busmap_driver`.
//
// The partition is the ground truth the oracle judges against.  It never
// trusts the driver: every allocation, MR and page registration is checked
// and accounted here, and everything the driver asked and was answered is
// written to a journal so a failure report can show it.
//
// Hotplug windows (ABI 2).  An online or offline can be split into its
// phases (begin_online/begin_offline, migrate, end_window) so that other
// operations run in between, as Linux allows: the memory hotplug lock is
// held for the whole operation, the notifier chain's lock only while the
// chain runs.  While a window is open the kernel refuses another hotplug
// operation, and a load that takes get_online_mems() parks on a Strand
// until the window ends; the operation that ends it then resumes the load.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PLATFORM_PARTITION_HPP
#define BUSMAP_PLATFORM_PARTITION_HPP

#include "busmap/driver.h"
#include "platform/allocator.hpp"
#include "platform/data_path_threads.hpp"
#include "platform/device.hpp"
#include "platform/firmware.hpp"
#include "platform/memory.hpp"
#include "platform/strand.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace busmap {

/// One line of the journal: what happened, in the order it happened.
struct JournalEntry {
  enum class Kind { Kernel, Notify, Hcall, Alloc, Log, Driver, Device };
  Kind kind;
  std::string text;
};

/// The outcome of a kernel or hypervisor operation on the partition.
struct OpOutcome {
  bool performed = true; // false: the kernel refused it, no event was sent
  std::string note;      // why it was refused, or how it ended
  int driver_answer = BUSMAP_NOTIFY_OK; // the driver's answer to the GOING_* event
  bool driver_asked = false;            // the driver saw the GOING_* event
  /// The protocol path the operation took, a stable phrase for statistics:
  /// "completed", "refused by the kernel, no such block", "refused by the
  /// kernel, block already in that state", "vetoed by another notifier
  /// before the driver", "vetoed by another notifier after the driver",
  /// "vetoed by the driver", "cancelled by a migration failure", "assigned",
  /// "refused, overlaps a block", "reclaimed", "refused, block not offline",
  /// "refused, an MR still holds its pages", "refused, an orphaned MR still
  /// holds its pages"; for split operations "window
  /// opened", "migrated", "refused by the kernel, another hotplug operation
  /// in progress", "refused by the kernel, no such operation in progress",
  /// "refused by the kernel, migration already done"; "cancelled, pages pinned
  /// by the device" (an offline whose block holds pages the device holds:
  /// its migration fails); for an offline of a
  /// block with a gigantic page "refused by the kernel, a gigantic page
  /// cannot be isolated".
  std::string path = "completed";
  /// A load parked in get_online_mems() finished when this operation ended
  /// its window; `load_result` is whether it answered an instance.
  bool load_resumed = false;
  bool load_result = false;
  /// A reclaim was refused only because an orphaned MR (firmware.hpp)
  /// holds the block's pages: the firmware's doing, not the driver's.
  bool held_by_orphan = false;
};

/// A translation racing the driver's handling of a step (issue 12 section
/// 2): at the `at`-th preemption point of the step, translate `addr` on a
/// second thread while the driver's thread waits inside that callback.
/// Points while the driver has traffic stopped are not counted (no
/// data-path translation runs there on a real machine).
struct RacePoint {
  std::uint32_t at = 1;
  std::uint64_t addr = 0;
};
/// What a racing translation answered, and inside which callback.
struct RaceAnswer {
  std::uint32_t at = 1;
  std::uint64_t addr = 0, bus = 0;
  const char *callback = nullptr; // "free", "h_register_pages", ...
  /// false: ADDR was not memory the stack can hold a buffer in at that
  /// point (stack_may_hold: offline, a hole, a block whose GOING_ONLINE is
  /// being handled), so no data-path translation of it exists and the
  /// race did not run.
  bool stack_holds = true;
  /// Where a device access at `bus` lands through the MRs live at the
  /// race (none for a miss or a bus address no complete MR holds): the
  /// stack posts the answer at once, and the device reads it through
  /// those MRs (a driver that replaces them stops traffic first, and the
  /// stop completes what was posted; dma-unquiesced judges one that
  /// does not).
  std::optional<std::uint64_t> reaches;
  /// The translation waited in lock() for a word the driver's thread held,
  /// and answered once that thread unlocked it (still inside the event).
  bool waited_for_lock = false;
  /// true: another racing translation still waited on a lock at `at`, so
  /// this one did not run (one data-path thread races at a time).
  bool behind_lock = false;
};

/// An online or offline between its GOING_* event and its final one.
struct HotplugWindow {
  Block block;            // as it was when the operation began
  bool offline = false;   // false: an online
  bool migrated = false;  // offline: pages migrated, sections offline
};

/// The kernel's name of a notifier event ("GOING_ONLINE", ...).
const char *to_string(busmap_mem_action action);
/// The name of a firmware return code ("H_BUSY", ...), or null if it has none.
const char *hcall_name(std::int64_t code);

class Partition {
public:
  /// Called at the points inside an operation where the oracle must look:
  /// after GOING_ONLINE is accepted (pages reach the allocator) and after
  /// GOING_OFFLINE is accepted (pages are being migrated).
  using Checkpoint = std::function<void(std::string_view where)>;

  explicit Partition(const Layout &layout);
  ~Partition();
  Partition(const Partition &) = delete;
  Partition &operator=(const Partition &) = delete;

  const PlatformConfig &config() const { return memory_.config(); }
  const busmap_platform &abi() const { return abi_; }

  // --- The driver. -------------------------------------------------------
  /// Loads `driver`; false when its load() answered NULL or is parked in
  /// get_online_mems() (then loading() is true until a window ends).
  bool load(const busmap_driver &driver);
  void unload();
  bool loaded() const { return instance_ != nullptr; }
  bool loading() const { return strand_.parked(); }
  /// The ABI the hosted driver was built against (2 when none is hosted).
  std::uint32_t driver_abi() const;
  const busmap_driver *driver() const { return driver_; }
  std::uint64_t translate(std::uint64_t phys_addr);

  // --- Hypervisor and kernel operations. ----------------------------------
  OpOutcome add_block(std::uint64_t base, std::uint64_t sections);
  OpOutcome online_block(std::uint64_t base, Veto veto, const Checkpoint &cp);
  OpOutcome offline_block(std::uint64_t base, Veto veto, bool migrate_fail,
                          const Checkpoint &cp);
  OpOutcome remove_block(std::uint64_t base);

  // The phases of a split online or offline (see the file comment).
  OpOutcome begin_online(std::uint64_t base, Veto veto);
  OpOutcome begin_offline(std::uint64_t base, Veto veto);
  /// The open offline's migration succeeded: its sections go offline.
  OpOutcome migrate(std::uint64_t base);
  /// Ends the open window: ONLINE / OFFLINE, or CANCEL_ONLINE /
  /// CANCEL_OFFLINE when `cancel`; then resumes a parked load.
  OpOutcome end_window(std::uint64_t base, bool cancel);
  const std::optional<HotplugWindow> &window() const { return window_; }

  // --- The data path (ABI 2; platform/device.hpp). --------------------------
  /// The stack hands the driver a buffer to send (xmit) or to receive into
  /// (refill_rx).  Path "posted", "dropped by the driver", "no data path"
  /// (NULL xmit/refill_rx or an ABI 1 driver: nothing is called), "not
  /// loaded", "refused, the buffer wraps past 2^64".
  OpOutcome xmit(std::uint64_t phys, std::uint32_t len);
  OpOutcome refill_rx(std::uint64_t phys, std::uint32_t len);
  /// The device performs every posted transfer (Device::perform).  Path
  /// "transfers performed", "traffic stopped, nothing transferred",
  /// "nothing posted".
  OpOutcome dma();
  /// The hosted driver has a data path (ABI 2, xmit and refill_rx set).
  bool has_data_path() const;

  // --- State, for the oracle. ----------------------------------------------
  Memory &memory() { return memory_; }
  const Memory &memory() const { return memory_; }
  Firmware &firmware() { return firmware_; }
  const Firmware &firmware() const { return firmware_; }
  KernelAllocator &allocator() { return allocator_; }
  const KernelAllocator &allocator() const { return allocator_; }

  /// Misuse of the hotplug lock (put without get, load returning with it
  /// held, taking it where it would deadlock), in the order seen.
  const std::vector<std::string> &misuse() const { return misuse_; }
  Device &device() { return device_; }
  const Device &device() const { return device_; }

  // --- Races (issue 12 section 2). -------------------------------------------
  /// The translations that race the driver's notify() calls from now until
  /// the next arm_races(); also restarts the count of preemption points.
  void arm_races(std::vector<RacePoint> races);
  /// The races that ran since arm_races(), in the order they ran.
  const std::vector<RaceAnswer> &race_answers() const { return race_answers_; }
  /// Preemption points the driver passed since arm_races(), by callback.
  const std::vector<const char *> &preemption_points() const { return points_; }
  /// Every platform callback calls this as it returns to the driver (see
  /// AsPlatform in partition.cpp); while the driver handles an event it is a
  /// numbered preemption point, where the armed races run.
  void preemption_point(const char *callback);
  /// Called after the driver answers each event while races are armed,
  /// with the preemption points passed so far and the event's block: the
  /// states between the
  /// events of one step (GOING_ONLINE accepted, then CANCEL_ONLINE after
  /// another notifier's veto) are states a racing reader can see.
  void on_event_answered(std::function<void(std::size_t points, const Block &block)> hook) {
    event_answered_ = std::move(hook);
  }

  // --- The data path on real threads (busmap stress). ------------------------
  /// From now on the driver's data path may translate on `threads` in real
  /// parallel with its notify(), and its lock words and RCU are
  /// `threads`' (platform/data_path_threads.hpp); null goes back to one
  /// thread at a time.  Not with races armed.
  void run_data_path_on(DataPathThreads *threads);
  /// A data-path thread's translation, inside the open gate.
  std::uint64_t translate_on_data_path(std::uint64_t phys);

  const std::vector<JournalEntry> &journal() const {
    settle_register_run();
    return journal_;
  }
  void note(JournalEntry::Kind kind, std::string text);
  /// Log messages of the driver at or below `level` (BUSMAP_LOG_*).
  std::size_t log_count(int max_level) const;

private:
  Block *begin_hotplug(std::uint64_t base, Phase from, busmap_mem_action going,
                       busmap_mem_action cancel, Veto veto, OpOutcome &out);
  bool refuse_while_window(OpOutcome &out);
  void refuse(OpOutcome &out, std::string path, std::string note);
  bool pinned_by_device(const Block &b) const;
  /// Whether the stack can hand over a buffer of `len` bytes at `phys`.
  bool stack_may_hold(std::uint64_t phys, std::uint64_t len) const;
  OpOutcome hand_buffer(bool rx, std::uint64_t phys, std::uint32_t len);
  void finish_load(); // after load() returned on the strand
  void run_race(bool resume); // start or resume the racer, then record its answer if it gave one
  void abandon_waiting_race(const char *why);
  void open_data_path_gate(); // when traffic runs for a loaded driver with a data path
  void resume_parked_load(OpOutcome &out);
  int notify_chain(busmap_mem_action action, const Block &b, Veto veto, OpOutcome &out);
  void broadcast(busmap_mem_action action, const Block &b);
  int notify_driver(busmap_mem_action action, const Block &b);

  // The C callbacks of busmap_platform; ctx is the Partition.
  static void *cb_alloc(void *ctx, size_t bytes);
  static void cb_free(void *ctx, void *p);
  static void cb_log(void *ctx, int level, const char *msg);
  static int cb_walk_ram(void *ctx, int (*cb)(void *, std::uint64_t, std::uint64_t), void *arg);
  static int cb_is_gigantic(void *ctx, std::uint64_t pfn);
  static std::int64_t cb_alloc_mr(void *ctx, std::uint64_t bus_start, std::uint64_t length,
                                  std::uint64_t *handle);
  static std::int64_t cb_register_pages(void *ctx, std::uint64_t handle,
                                        const std::uint64_t *pages, std::uint32_t count);
  static std::int64_t cb_free_mr(void *ctx, std::uint64_t handle);
  static int cb_is_online(void *ctx, std::uint64_t pfn);
  static void cb_get_online_mems(void *ctx);
  static void cb_put_online_mems(void *ctx);
  static int cb_post_tx(void *ctx, const std::uint64_t *bus, const std::uint32_t *lens,
                        std::uint32_t count);
  static int cb_post_rx(void *ctx, std::uint64_t bus, std::uint32_t len);
  static void cb_stop_traffic(void *ctx);
  static void cb_start_traffic(void *ctx);
  static int cb_rewrite_rx(void *ctx, std::uint64_t (*xlate)(void *, std::uint64_t), void *arg);
  static void cb_lock(void *ctx, std::uint32_t *word);
  static void cb_unlock(void *ctx, std::uint32_t *word);
  static void cb_rcu_read_lock(void *ctx);
  static void cb_rcu_read_unlock(void *ctx);
  static void cb_synchronize_rcu(void *ctx);

  Memory memory_;
  Firmware firmware_;
  KernelAllocator allocator_;
  busmap_platform abi_{};
  const busmap_driver *driver_ = nullptr;
  void *instance_ = nullptr;
  void *loaded_instance_ = nullptr; // what the strand's load() answered
  Strand strand_;
  std::optional<HotplugWindow> window_;
  int lock_depth_ = 0; // get_online_mems() minus put_online_mems()
  int rcu_depth_ = 0;  // rcu_read_lock() minus rcu_read_unlock()
  std::vector<std::string> misuse_;
  Device device_;
  // mutable: the line of a run of h_register_pages calls is written when the
  // journal is read (settle_register_run), not once per call of the run.
  mutable std::vector<JournalEntry> journal_;
  bool in_event_ = false; // the driver's notify() runs: callbacks are preemption points
  std::vector<RacePoint> races_;
  std::vector<RaceAnswer> race_answers_;
  std::vector<const char *> points_;
  // The racing translation runs on a strand of its own, so that a lock()
  // the driver's thread holds parks it until that thread's unlock().
  Strand racer_;
  std::optional<RaceAnswer> racing_;        // the race on racer_, until it answers
  const std::uint32_t *racer_waits_on_ = nullptr; // the lock word it is parked on
  bool racer_abandoned_ = false;            // its word is never unlocked: lock() gives up
  DataPathThreads *threads_ = nullptr;      // busmap stress: translations on real threads
  std::function<void(std::size_t, const Block &)> event_answered_;
  std::vector<std::pair<int, std::string>> logs_;
  struct RegisterRun {
    std::uint64_t handle = 0;
    std::int64_t rc = 0;
    std::uint64_t first = 0, calls = 0, pages = 0;
    std::size_t journal_index = ~std::size_t{0};
    mutable bool stale = false; // calls joined the run since its line was written
  } register_run_;
  void settle_register_run() const;
};

} // namespace busmap

#endif // BUSMAP_PLATFORM_PARTITION_HPP
