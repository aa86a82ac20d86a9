//===- properties/worker_pool.hpp - jobs on worker processes -----*- C++ -*-===//
//
// Runs a list of jobs on N worker processes and hands their results back in
// the list's order, as if they had run one after the other: `busmap check`
// runs its generated cases this way (one worker, or N with --jobs N), so
// that a run on N cores gives the verdict, statistics and shrunk trace of a
// one-job run.
//
// Workers, not threads: forking from a process with several threads would
// leave locks held by the other threads locked in the child.  A worker is
// forked from the parent, has one thread, and runs job after job in its own
// address space.  A job goes out as a byte string on a socket (a case's
// index, a shrink candidate's text); its result comes back the same way.
//
// A job the worker gives no result for -- it throws, dies, or passes
// `job_timeout` -- is run again by `rerun` in the parent, and the
// worker is replaced by a fresh fork of the parent.  That is what lets check
// run a case on a worker without a fork of its own: a case that crashes,
// hangs or throws (a bad_alloc) there runs again in a child process of its
// own, from the parent's pristine state, which gives its report exactly as
// a fork per case would (one fork per case was half of check's time,
// docs/PERFORMANCE.md).
//
// The caller stops the run by answering false from `take`: no job is sent
// after that, and the busy workers are killed with their process groups, so
// that a failure at job 3 does not wait for jobs 4 to 7.  Results after the
// one that stopped the run are dropped unseen, which is what makes the run
// the same as a serial one.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PROPERTIES_WORKER_POOL_HPP
#define BUSMAP_PROPERTIES_WORKER_POOL_HPP

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace busmap {

/// What a worker runs: a request's bytes in, the result's bytes out.  A job
/// that throws gives no result, and runs again in the parent.
using WorkerJob = std::function<std::string(const std::string &request)>;

/// Receives the result of the request at `position`, in the requests'
/// order, and answers whether to go on.
using WorkerTake = std::function<bool(std::size_t position, std::string result)>;

struct WorkerPoolOptions {
  std::size_t workers = 2;
  /// Asked before each job is sent: false sends no more (a time budget).
  std::function<bool()> may_start;
  /// Runs a job in the parent when its worker gave no result.  Unset: a
  /// worker that gives none is an error (std::runtime_error).
  WorkerJob rerun;
  /// How long one job may run on a worker before it is killed and the job
  /// rerun; zero: no limit.
  std::chrono::milliseconds job_timeout{0};
  /// Called first in every new worker (its limits, its quiet output).
  std::function<void()> enter_worker;
};

/// Worker processes that outlive one list of jobs: shrinking sends a
/// batch of candidates, looks at the answers, and sends the next batch to
/// the same workers (a request carries the candidate itself, which did not
/// exist when the workers were forked).  Workers are forked at the first
/// batch that needs them, from the parent's state then; the ones still
/// running a job when a batch stops are killed, and forked again when a
/// later batch needs them.
class WorkerPool {
public:
  WorkerPool(WorkerJob work, WorkerPoolOptions options);
  ~WorkerPool();
  WorkerPool(const WorkerPool &) = delete;
  WorkerPool &operator=(const WorkerPool &) = delete;

  /// Runs `work(request)` for each of `requests` on the workers; `take`
  /// receives the results in the order of `requests`.
  void run(const std::vector<std::string> &requests, const WorkerTake &take);

private:
  class Workers;
  std::unique_ptr<Workers> workers_;
};

} // namespace busmap

#endif // BUSMAP_PROPERTIES_WORKER_POOL_HPP
