//===- properties/worker_pool.hpp - jobs on worker processes -----*- C++ -*-===//
//
// Runs a list of jobs on N worker processes and hands their results back in
// the list's order, as if they had run one after the other: `busmap check
// --jobs N` runs its generated cases this way, so that a run on N cores
// gives the verdict, statistics and shrunk trace of a one-job run.
//
// Workers, not threads: every case already runs in a child process of its
// own (properties/isolation.hpp), and forking from a process with several
// threads would leave locks held by the other threads locked in the child.
// A worker is forked before any job runs, has one thread, and forks its
// cases' children itself.  Jobs go out as an index on a pipe; a result
// comes back as a length and a byte string on another.
//
// The caller stops the run by answering false from `take`: no job is sent
// after that, and the workers are killed with their cases (a case's child
// dies with its worker: PR_SET_PDEATHSIG), so that a failure at job 3 does
// not wait for jobs 4 to 7.  Results after the one that stopped the run are
// dropped unseen, which is what makes the run the same as a serial one.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PROPERTIES_WORKER_POOL_HPP
#define BUSMAP_PROPERTIES_WORKER_POOL_HPP

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace busmap {

struct WorkerPoolOptions {
  std::size_t workers = 2;
  /// Asked before each job is sent: false sends no more (a time budget).
  std::function<bool()> may_start;
};

/// Runs `work(job)` for each of `jobs` on worker processes; `take(job,
/// result)` receives the results in the order of `jobs` and answers whether
/// to go on.  A worker that dies is an error (std::runtime_error): a job's
/// driver code runs in its own child, so a dead worker is the harness's bug.
void run_on_workers(const std::vector<std::size_t> &jobs,
                    const std::function<std::string(std::size_t)> &work,
                    const std::function<bool(std::size_t, std::string)> &take,
                    const WorkerPoolOptions &options);

} // namespace busmap

#endif // BUSMAP_PROPERTIES_WORKER_POOL_HPP
