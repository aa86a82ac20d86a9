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
// address space.  Jobs go out as an index on a socket; a result comes back
// as a length and a byte string.
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
#include <string>
#include <vector>

namespace busmap {

/// A job's result from a worker; a job that throws gives none, and runs
/// again in the parent.
using WorkerJob = std::function<std::string(std::size_t)>;

struct WorkerPoolOptions {
  std::size_t workers = 2;
  /// Asked before each job is sent: false sends no more (a time budget).
  std::function<bool()> may_start;
  /// Runs a job in the parent when its worker gave no result.  Unset: a
  /// worker that gives none is an error (std::runtime_error).
  std::function<std::string(std::size_t)> rerun;
  /// How long one job may run on a worker before it is killed and the job
  /// rerun; zero: no limit.
  std::chrono::milliseconds job_timeout{0};
  /// Called first in every new worker (its limits, its quiet output).
  std::function<void()> enter_worker;
};

/// Runs `work(job)` for each of `jobs` on worker processes; `take(job,
/// result)` receives the results in the order of `jobs` and answers whether
/// to go on.
void run_on_workers(const std::vector<std::size_t> &jobs, const WorkerJob &work,
                    const std::function<bool(std::size_t, std::string)> &take,
                    const WorkerPoolOptions &options);

} // namespace busmap

#endif // BUSMAP_PROPERTIES_WORKER_POOL_HPP
