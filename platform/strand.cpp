// A driver call on a worker thread that parks and resumes; see strand.hpp.
#include "platform/strand.hpp"

#include <cassert>

namespace busmap {

Strand::~Strand() {
  assert(!parked_ && "a parked call must be resumed to its end before the strand goes");
  if (worker_.joinable())
    worker_.join();
}

bool Strand::on_worker() const {
  return worker_.joinable() && std::this_thread::get_id() == worker_.get_id();
}

void Strand::pass_to(Turn turn, std::unique_lock<std::mutex> &lock) {
  turn_ = turn;
  cv_.notify_all();
  cv_.wait(lock, [&] { return turn_ != turn; });
}

bool Strand::start(std::function<void()> call) {
  assert(finished_ && !parked_);
  if (worker_.joinable())
    worker_.join();
  finished_ = false;
  worker_ = std::thread([this, call = std::move(call)] {
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return turn_ == Turn::Worker; });
    }
    call();
    std::lock_guard lock(mutex_);
    finished_ = true;
    turn_ = Turn::Main;
    cv_.notify_all();
  });
  return run_worker();
}

bool Strand::resume() {
  assert(parked_);
  parked_ = false;
  return run_worker();
}

bool Strand::run_worker() {
  std::unique_lock lock(mutex_);
  pass_to(Turn::Worker, lock);
  if (!finished_)
    return false;
  lock.unlock();
  worker_.join();
  return true;
}

void Strand::park() {
  assert(on_worker());
  std::unique_lock lock(mutex_);
  parked_ = true;
  pass_to(Turn::Main, lock);
}

} // namespace busmap
