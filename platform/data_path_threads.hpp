//===- platform/data_path_threads.hpp - the data path on real threads -*- C++ -*-===//
//
// The deterministic races (partition.hpp, preemption_point) run one
// translation at a time, at a platform callback, while the driver's thread
// waits: an interleaving a trace names and a replay repeats.  What they
// cannot show is a read that straddles an update: a lookup that loads a
// table pointer, is preempted, and dereferences it after the update freed
// what it pointed to.  `busmap stress` runs the data path's translations on
// N threads in real parallel with the driver's notify() for that; this is
// what the platform gives those threads, and the driver, in that mode:
//
//   - the traffic gate: a data-path thread translates only while traffic
//     runs and a driver is loaded, and stop_traffic() waits until every
//     translation in flight has returned, as netif_tx_disable() waits for
//     each queue's transmit lock and napi_disable() for the poll;
//   - lock words that really wait (a fair ticket lock spinning with
//     yields, as the kernel's spinlocks spin and serve in order);
//   - read-copy update whose synchronize_rcu() returns only once every read
//     section that began before it has ended, as the kernel's does.
//
// Each thread has a slot of its own for its read sections, so a grace
// period is one pass over the slots: a slot that is inside a section when
// the pass reads it is waited on until that section ends (its counter
// moves on), the scheme of user-space RCU's memory-barrier flavour.
//
// Everything here is sequentially consistent atomics, so ThreadSanitizer
// sees the happens-before a real kernel's primitives give, and reports
// what a driver reads or writes outside them.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PLATFORM_DATA_PATH_THREADS_HPP
#define BUSMAP_PLATFORM_DATA_PATH_THREADS_HPP

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>

namespace busmap {

class Partition;

class DataPathThreads {
public:
  /// Threads that take read sections (data-path threads, the driver's own).
  static constexpr std::size_t MaxThreads = 64;

  DataPathThreads();
  DataPathThreads(const DataPathThreads &) = delete;
  DataPathThreads &operator=(const DataPathThreads &) = delete;

  /// From a data-path thread: the partition's driver translates `phys`,
  /// or nothing when traffic is stopped or no driver is loaded.
  std::optional<std::uint64_t> translate(std::uint64_t phys);

  /// The gate alone, for a data path that is not a partition's (the
  /// racing benchmark): true when traffic runs, and then leave() after.
  bool enter();
  void leave();

  // --- The partition's side. -----------------------------------------------
  /// The partition the threads translate through (null: none, gate shut).
  void attach(Partition *p);
  /// Lets translations in (traffic runs, a driver is loaded; with a
  /// partition attached, or for enter() alone).
  void open();
  /// Shuts the gate and waits until no translation is in flight.
  void close();

  // --- The driver's primitives in this mode (any thread). -----------------
  static void lock(std::uint32_t *word);
  static void unlock(std::uint32_t *word);
  void rcu_read_lock();
  void rcu_read_unlock();
  void synchronize_rcu();

  /// Called by the partition each time the driver has answered an event
  /// (on the driver's thread, the map stable): the states between the
  /// events of one operation (GOING_OFFLINE answered, then CANCEL_OFFLINE
  /// after a failed migration) are states the threads can see.
  std::function<void()> event_answered;

  /// Translations answered so far.
  std::uint64_t answered() const { return answered_.load(); }

private:
  std::atomic<std::uint64_t> &slot(); // the calling thread's read-section counter

  const std::uint64_t serial_; // names this instance in each thread's slot
  std::atomic<Partition *> partition_{nullptr};
  std::atomic<bool> open_{false};
  std::atomic<int> inside_{0};
  std::atomic<std::uint64_t> answered_{0};
  std::atomic<std::size_t> slots_taken_{0};
  // Odd while the owning thread is inside a read section.
  std::array<std::atomic<std::uint64_t>, MaxThreads> slots_{};
};

} // namespace busmap

#endif // BUSMAP_PLATFORM_DATA_PATH_THREADS_HPP
