//===- tests/platform/data_path_threads_test.cpp - the real-thread primitives -===//
//
// What busmap stress leans on (platform/data_path_threads.hpp): a shut gate
// lets no lookup in and waits for the one inside, lock words exclude each
// other, and synchronize_rcu() returns only after every read section that
// began before it.  Each test orders its threads with flags, not time: a
// broken primitive fails it whatever the scheduling.
//
//===----------------------------------------------------------------------===//
#include "platform/data_path_threads.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace busmap {
namespace {

void wait_for(const std::atomic<bool> &flag) {
  while (!flag.load())
    std::this_thread::yield();
}

TEST(DataPathThreads, AShutGateLetsNoneInAndCloseWaitsForTheOneInside) {
  DataPathThreads gate;
  EXPECT_FALSE(gate.enter()); // shut until opened
  gate.open();
  ASSERT_TRUE(gate.enter());
  std::atomic<bool> closing{false}, closed{false}, left{false};
  std::thread stopper([&] {
    closing = true;
    gate.close();
    closed = true;
    EXPECT_TRUE(left.load()); // close() returned only after the lookup left
  });
  wait_for(closing);
  for (int i = 0; i < 1000; ++i)
    std::this_thread::yield();
  EXPECT_FALSE(closed.load()); // still inside: close() waits
  left = true;
  gate.leave();
  stopper.join();
  EXPECT_FALSE(gate.enter());
}

TEST(DataPathThreads, LockWordsExcludeEachOther) {
  std::uint32_t word = 0;
  std::uint64_t count = 0; // only under the word
  auto add = [&] {
    for (int i = 0; i < 20000; ++i) {
      DataPathThreads::lock(&word);
      ++count;
      DataPathThreads::unlock(&word);
    }
  };
  std::thread a(add), b(add);
  a.join();
  b.join();
  EXPECT_EQ(count, 40000u);
  EXPECT_EQ(word, 0u);
}

TEST(DataPathThreads, SynchronizeRcuWaitsForTheReadSectionThatBeganBefore) {
  DataPathThreads rcu;
  std::atomic<bool> reading{false}, ended{false}, synchronized{false};
  std::thread reader([&] {
    rcu.rcu_read_lock();
    rcu.rcu_read_lock(); // nested: one section
    reading = true;
    for (int i = 0; i < 1000; ++i)
      std::this_thread::yield();
    rcu.rcu_read_unlock();
    EXPECT_FALSE(synchronized.load()); // the outer section still runs
    ended = true;
    rcu.rcu_read_unlock();
  });
  wait_for(reading);
  rcu.synchronize_rcu();
  synchronized = true;
  EXPECT_TRUE(ended.load());
  reader.join();
  rcu.synchronize_rcu(); // no section runs: returns at once
}

} // namespace
} // namespace busmap
