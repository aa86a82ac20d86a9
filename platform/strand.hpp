//===- platform/strand.hpp - a driver call that can be parked ----*- C++ -*-===//
//
// A Strand runs one driver call (load() today) on a worker thread that can
// park in the middle of a platform callback and be resumed later, while
// the trace goes on in the main thread.  Exactly one of the two threads
// runs at any time: the main thread waits while the worker runs, and the
// worker waits while parked, so a run stays deterministic and needs no
// locking in the partition or the driver.
//
// Why: Linux's get_online_mems() blocks a loading module while an online
// or offline holds the memory hotplug lock, and the operation completes
// first.  The same hand-over is what issue 12 needs at every platform
// callback (a preemption point): park() there, run the racing operation in
// the main thread, resume().
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PLATFORM_STRAND_HPP
#define BUSMAP_PLATFORM_STRAND_HPP

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace busmap {

class Strand {
public:
  Strand() = default;
  ~Strand(); // the owner resumes a parked call to its end first
  Strand(const Strand &) = delete;
  Strand &operator=(const Strand &) = delete;

  /// Runs `call` on a new worker until it returns or parks; true when it
  /// returned.  Not while another call is parked.
  bool start(std::function<void()> call);
  /// Lets the parked call go on until it returns or parks again; true when
  /// it returned.
  bool resume();
  /// From inside the call: hands control back to the main thread and waits
  /// for resume().
  void park();

  bool parked() const { return parked_; }
  /// True when the calling thread is the worker of a running call.
  bool on_worker() const;

private:
  enum class Turn { Main, Worker };
  bool run_worker(); // main thread: hand over and wait for the worker
  void pass_to(Turn turn, std::unique_lock<std::mutex> &lock);

  std::mutex mutex_;
  std::condition_variable cv_;
  Turn turn_ = Turn::Main;
  bool parked_ = false, finished_ = true;
  std::thread worker_;
};

} // namespace busmap

#endif // BUSMAP_PLATFORM_STRAND_HPP
