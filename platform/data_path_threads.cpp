// The data path on real threads: the gate, lock words, RCU; see the header.
#include "platform/data_path_threads.hpp"

#include "platform/partition.hpp"

#include <stdexcept>
#include <thread>

namespace busmap {

namespace {
/// The calling thread's slot and read-section nesting, for one instance
/// (by its serial number: a new instance can reuse a freed one's address).
std::atomic<std::uint64_t> next_serial{1};
struct ThreadSlot {
  std::uint64_t owner = 0;
  std::atomic<std::uint64_t> *counter = nullptr;
  int depth = 0;
};
thread_local ThreadSlot this_thread_slot;
} // namespace

// A translation enters by announcing itself and then looking at the gate;
// close() shuts the gate and then waits for the announced ones.  With both
// sides sequentially consistent, either the translation sees the gate shut
// or close() sees it inside (Dekker's handshake).
bool DataPathThreads::enter() {
  inside_.fetch_add(1);
  if (open_.load())
    return true;
  inside_.fetch_sub(1);
  return false;
}

void DataPathThreads::leave() { inside_.fetch_sub(1); }

std::optional<std::uint64_t> DataPathThreads::translate(std::uint64_t phys) {
  if (!enter())
    return std::nullopt;
  const std::uint64_t bus = partition_.load()->translate_on_data_path(phys);
  leave();
  answered_.fetch_add(1, std::memory_order_relaxed);
  return bus;
}

DataPathThreads::DataPathThreads() : serial_(next_serial.fetch_add(1)) {}

void DataPathThreads::attach(Partition *p) {
  close();
  partition_.store(p);
}

void DataPathThreads::open() { open_.store(true); }

void DataPathThreads::close() {
  open_.store(false);
  while (inside_.load() != 0)
    std::this_thread::yield();
}

// A ticket lock in the driver's word, fair as the kernel's spinlocks are
// (a waiter is served in the order it came, so lookups spinning on the
// word cannot starve the update): the high half is the next ticket, the
// low half the one being served.  The last holder to leave puts the word
// back to zero, which driver.h promises means free.
void DataPathThreads::lock(std::uint32_t *word) {
  std::atomic_ref<std::uint32_t> w(*word);
  const std::uint32_t ticket = w.fetch_add(1u << 16) >> 16;
  while ((w.load() & 0xffff) != ticket)
    std::this_thread::yield();
}

void DataPathThreads::unlock(std::uint32_t *word) {
  std::atomic_ref<std::uint32_t> w(*word);
  for (std::uint32_t v = w.load();;) {
    const std::uint32_t served = v & 0xffff, next = v >> 16;
    const std::uint32_t after = next == ((served + 1) & 0xffff) ? 0 : (v & 0xffff0000u) | ((served + 1) & 0xffff);
    if (w.compare_exchange_weak(v, after))
      return;
  }
}

std::atomic<std::uint64_t> &DataPathThreads::slot() {
  ThreadSlot &s = this_thread_slot;
  if (s.owner != serial_) {
    const std::size_t i = slots_taken_.fetch_add(1);
    if (i >= MaxThreads)
      throw std::length_error("more threads take read sections than DataPathThreads has slots");
    s = {serial_, &slots_[i], 0};
  }
  return *s.counter;
}

void DataPathThreads::rcu_read_lock() {
  std::atomic<std::uint64_t> &c = slot();
  if (this_thread_slot.depth++ == 0)
    c.fetch_add(1); // odd: inside
}

void DataPathThreads::rcu_read_unlock() {
  std::atomic<std::uint64_t> &c = slot();
  if (this_thread_slot.depth > 0 && --this_thread_slot.depth == 0)
    c.fetch_add(1); // even: outside
}

void DataPathThreads::synchronize_rcu() {
  const std::size_t n = std::min(slots_taken_.load(), MaxThreads);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t seen = slots_[i].load();
    if (seen & 1)
      while (slots_[i].load() == seen)
        std::this_thread::yield();
  }
}

} // namespace busmap
