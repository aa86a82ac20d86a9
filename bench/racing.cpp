// Translations racing a map update; see racing.hpp.
#include "bench/racing.hpp"

#include "impl/bare_platform.hpp"
#include "impl/drivers.hpp"
#include "platform/data_path_threads.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

namespace busmap::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::uint32_t Shift = SectionShift;
constexpr std::size_t PollWeight = 64;  // lookups per poll, NAPI's default weight

/// radix loaded on a bare platform whose traffic callbacks drive `gate`
/// (or, for the stop-the-world design, do nothing: the writer stops the
/// data path around every event itself).
class RacingDriver {
public:
  RacingDriver(const BenchLayout &l, bool stop_the_world)
      : plat_(l.ranges, Shift), stop_the_world_(stop_the_world) {
    plat_.abi().hw_page_shift = Shift; // one HW page per section: firmware time is not measured
    if (!stop_the_world)
      plat_.on_traffic([this] { gate_.close(); }, [this] { gate_.open(); });
    gate_.open();
    inst_ = drivers::radix.load(&plat_.abi());
    block_ = ((l.ranges.back().first + l.ranges.back().second + 15) & ~std::uint64_t{15})
             << (Shift - plat_.abi().page_shift);
  }
  ~RacingDriver() {
    if (inst_)
      drivers::radix.unload(inst_);
  }
  bool loaded() const { return inst_ != nullptr; }

  /// One poll: up to PollWeight lookups from `at`, or none while stopped.
  bool poll(const std::vector<std::uint64_t> &addrs, std::size_t &at, std::uint64_t &sink) {
    if (!gate_.enter())
      return false;
    for (std::size_t k = 0; k < PollWeight; ++k, at = (at + 1) % addrs.size())
      sink += drivers::radix.translate(inst_, addrs[at]);
    gate_.leave();
    return true;
  }

  /// Hot-adds the block above the layout and removes it again.
  void update() {
    const std::uint64_t pages = std::uint64_t{16} << (Shift - plat_.abi().page_shift);
    for (const busmap_mem_action a :
         {BUSMAP_MEM_GOING_ONLINE, BUSMAP_MEM_ONLINE, BUSMAP_MEM_GOING_OFFLINE, BUSMAP_MEM_OFFLINE}) {
      if (stop_the_world_)
        gate_.close();
      drivers::radix.notify(inst_, a, block_, pages);
      if (stop_the_world_)
        gate_.open();
    }
  }

private:
  impl::BarePlatform plat_;
  const bool stop_the_world_;
  DataPathThreads gate_;
  void *inst_ = nullptr;
  std::uint64_t block_ = 0;
};

/// ns per lookup over `duration` of polls, with updates running beside
/// them when `racing`; answers the updates done too (-1, -1: radix did not
/// load).  The writer starts the next update once the reader has done
/// PollsPerUpdate polls since the last one, so every design gets the same
/// density of updates among its lookups and none starves the reader.
constexpr std::uint64_t PollsPerUpdate = 64; // 4,096 lookups per hot-add and remove

std::pair<double, double> run(const BenchLayout &l, bool stop_the_world, bool racing,
                              std::chrono::milliseconds duration) {
  RacingDriver d(l, stop_the_world);
  if (!d.loaded())
    return {-1, -1};
  const auto addrs = probe_addresses(l, 1u << 14);
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> polls{0};
  std::uint64_t updates = 0;
  std::thread writer;
  if (racing)
    writer = std::thread([&] {
      while (!done.load(std::memory_order_relaxed)) {
        d.update();
        ++updates;
        const std::uint64_t next = polls.load(std::memory_order_relaxed) + PollsPerUpdate;
        while (polls.load(std::memory_order_relaxed) < next && !done.load(std::memory_order_relaxed))
          std::this_thread::yield();
      }
    });
  std::uint64_t lookups = 0, sink = 0;
  std::size_t at = 0;
  const auto t0 = Clock::now();
  const auto until = t0 + duration;
  while (Clock::now() < until)
    for (int k = 0; k < 16; ++k) // a clock read per 16 polls
      if (d.poll(addrs, at, sink)) {
        lookups += PollWeight;
        polls.fetch_add(1, std::memory_order_relaxed);
      }
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  done = true;
  if (writer.joinable())
    writer.join();
  volatile std::uint64_t keep = sink;
  (void)keep;
  return {lookups ? seconds * 1e9 / double(lookups) : -1, double(updates) / seconds};
}

} // namespace

std::vector<RacingResult> measure_racing(const BenchLayout &l, std::chrono::milliseconds duration,
                                         int repeats) {
  std::vector<RacingResult> out;
  for (const bool stw : {false, true}) {
    RacingResult r{stw ? "stop-the-world" : "radix", l.kind, l.present_bytes, -1, -1, 0};
    const auto better = [](double ns, double best) { return ns >= 0 && (best < 0 || ns < best); };
    for (int k = 0; k < repeats; ++k) {
      if (const double quiet = run(l, stw, false, duration).first; better(quiet, r.ns_quiet))
        r.ns_quiet = quiet;
      const auto [ns, ups] = run(l, stw, true, duration);
      if (better(ns, r.ns_racing))
        r.ns_racing = ns, r.updates_per_s = ups;
    }
    out.push_back(r);
  }
  return out;
}

} // namespace busmap::bench
