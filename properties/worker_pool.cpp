// Worker processes for properties/worker_pool.hpp.  Each worker holds one
// end of a Unix socket pair: requests go down it as an 8-byte length and
// the bytes, answers come back as an 8-byte length, an ok byte (0: no
// result, why follows; the worker then ends) and the bytes.  A socket rather than
// two pipes so that a write to a worker that died is an error (MSG_NOSIGNAL),
// not a SIGPIPE that would take the harness down.
#include "properties/worker_pool.hpp"

#include <fmt/format.h>

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>

namespace busmap {
namespace {

bool read_full(int fd, void *buf, std::size_t n) {
  auto *p = static_cast<char *>(buf);
  while (n) {
    const ssize_t got = ::read(fd, p, n);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      return false;
    p += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

bool write_full(int fd, const void *buf, std::size_t n) {
  const auto *p = static_cast<const char *>(buf);
  while (n) {
    const ssize_t put = ::send(fd, p, n, MSG_NOSIGNAL);
    if (put < 0 && errno == EINTR)
      continue;
    if (put <= 0)
      return false;
    p += put;
    n -= static_cast<std::size_t>(put);
  }
  return true;
}

bool send_bytes(int fd, const std::string &bytes) {
  const std::uint64_t size = bytes.size();
  return write_full(fd, &size, sizeof size) && write_full(fd, bytes.data(), bytes.size());
}

bool read_bytes(int fd, std::string &bytes) {
  std::uint64_t size = 0;
  if (!read_full(fd, &size, sizeof size))
    return false;
  bytes.resize(size);
  return read_full(fd, bytes.data(), bytes.size());
}

/// A worker's life: jobs in, results out, until the socket closes or a job
/// gives no result (the worker may be in any state after that: it ends).
[[noreturn]] void serve(int fd, const WorkerJob &work, const std::function<void()> &enter) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL); // the harness gone: nothing to work for
  ::setpgid(0, 0);                    // killed as a group, with what a driver forked
  if (enter)
    enter();
  const pid_t self = ::getpid();
  for (std::string request; read_bytes(fd, request);) {
    std::string bytes;
    std::uint8_t ok = 0;
    try {
      bytes = work(request);
      ok = 1;
    } catch (const std::exception &e) {
      bytes = e.what();
    } catch (...) {
      bytes = "an exception that is not a std::exception";
    }
    if (::getpid() != self)
      ::_exit(0); // a process driver code forked came back here: only the worker answers
    const std::uint64_t size = bytes.size();
    if (!write_full(fd, &size, sizeof size) || !write_full(fd, &ok, 1) ||
        !write_full(fd, bytes.data(), bytes.size()) || !ok)
      break;
  }
  ::_exit(0);
}

using Clock = std::chrono::steady_clock;

struct Worker {
  pid_t pid = -1;
  int fd = -1;
  std::optional<std::size_t> position; // in the requests, of the job it runs
  Clock::time_point deadline;
};

/// A worker's answer: the result, or why there is none.
struct Answer {
  bool ok = false;
  std::string bytes;
};

Answer read_answer(Worker &w) {
  std::uint64_t size = 0;
  std::uint8_t ok = 0;
  Answer a;
  bool whole = read_full(w.fd, &size, sizeof size) && read_full(w.fd, &ok, 1);
  if (whole) {
    a.bytes.resize(size);
    whole = read_full(w.fd, a.bytes.data(), a.bytes.size());
  }
  a.ok = whole && ok;
  if (!whole)
    a.bytes = "it died";
  return a;
}

} // namespace

/// The workers, killed and reaped however the pool ends.
class WorkerPool::Workers {
public:
  Workers(WorkerJob work, WorkerPoolOptions options)
      : work_(std::move(work)), options_(std::move(options)),
        all_(std::max<std::size_t>(1, options_.workers)) {}
  ~Workers() {
    for (Worker &w : all_) {
      if (w.fd >= 0)
        ::close(w.fd); // an idle worker reads EOF and exits
      if (w.position)
        ::kill(-w.pid, SIGKILL); // a busy one is not waited for
    }
    for (Worker &w : all_)
      reap(w);
  }

  void run(const std::vector<std::string> &requests, const WorkerTake &take);

private:
  /// Kills `w` with its group; the slot is empty after.
  void retire(Worker &w) {
    if (w.pid < 0)
      return;
    ::kill(-w.pid, SIGKILL);
    ::close(w.fd);
    reap(w);
    w = Worker{};
  }
  void spawn(Worker &slot);
  static void reap(Worker &w) {
    if (w.pid > 0)
      while (::waitpid(w.pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    w.pid = -1;
  }

  WorkerJob work_;
  WorkerPoolOptions options_;
  std::vector<Worker> all_;
};

void WorkerPool::Workers::spawn(Worker &slot) {
  std::fflush(nullptr); // no buffered output is written twice
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    throw std::runtime_error(fmt::format("socketpair: {}", std::strerror(errno)));
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(sv[0]);
    ::close(sv[1]);
    throw std::runtime_error(fmt::format("fork: {}", std::strerror(errno)));
  }
  if (pid == 0) {
    ::close(sv[0]);
    for (const Worker &w : all_)
      if (w.fd >= 0)
        ::close(w.fd); // the other workers' ends are not this one's
    serve(sv[1], work_, options_.enter_worker);
  }
  ::setpgid(pid, pid); // as the worker does: no window in which a kill misses the group
  ::close(sv[1]);
  slot.pid = pid;
  slot.fd = sv[0];
}

void WorkerPool::Workers::run(const std::vector<std::string> &requests, const WorkerTake &take) {
  const std::size_t used = std::min(all_.size(), requests.size());
  std::size_t next_send = 0, next_take = 0;
  bool sending = true;
  std::map<std::size_t, std::string> done; // by position, waiting for the ones before
  auto give_job = [&](Worker &w) {
    if (!sending || next_send == requests.size() || (options_.may_start && !options_.may_start())) {
      sending = false;
      return;
    }
    // A worker idle since an earlier batch may have died meanwhile: one
    // forked afresh takes the job.
    for (int attempt = 0; !(w.pid >= 0 && send_bytes(w.fd, requests[next_send])); ++attempt) {
      if (attempt == 2)
        throw std::runtime_error(fmt::format("worker process {} died", w.pid));
      retire(w);
      spawn(w);
    }
    w.position = next_send++;
    w.deadline = Clock::now() + options_.job_timeout;
  };
  // The job gets its result in the parent; the worker is forked afresh.
  auto rerun = [&](Worker &w, const std::string &why) {
    const std::size_t position = *w.position;
    if (!options_.rerun)
      throw std::runtime_error(fmt::format("worker process {}: {}", w.pid, why));
    retire(w);
    spawn(w);
    done[position] = options_.rerun(requests[position]);
  };
  // However the batch ends, no worker is left with a job of it.
  struct RetireBusy {
    Workers &pool;
    ~RetireBusy() {
      for (Worker &w : pool.all_)
        if (w.position)
          pool.retire(w);
    }
  } retire_busy{*this};
  for (;;) {
    // The results in order first, then new jobs: a result that stops the
    // run sends none (the worker that gave it is idle and stays alive).
    for (auto it = done.find(next_take); it != done.end(); it = done.find(next_take)) {
      std::string result = std::move(it->second);
      done.erase(it);
      if (!take(next_take, std::move(result)))
        return; // the workers still busy are killed with their jobs
      ++next_take;
    }
    for (std::size_t i = 0; i < used; ++i)
      if (!all_[i].position)
        give_job(all_[i]);
    std::vector<pollfd> fds;
    std::vector<Worker *> busy;
    auto first_deadline = Clock::time_point::max();
    for (Worker &w : all_)
      if (w.position) {
        fds.push_back({w.fd, POLLIN, 0});
        busy.push_back(&w);
        first_deadline = std::min(first_deadline, w.deadline);
      }
    if (busy.empty())
      return; // every result sent has been taken
    int wait_ms = -1;
    if (options_.job_timeout.count() > 0) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(first_deadline - Clock::now());
      wait_ms = static_cast<int>(std::clamp<long long>(left.count(), 0, 1000));
    }
    if (::poll(fds.data(), fds.size(), wait_ms) < 0) {
      if (errno == EINTR)
        continue;
      throw std::runtime_error(fmt::format("poll: {}", std::strerror(errno)));
    }
    const auto now = Clock::now();
    for (std::size_t i = 0; i < fds.size(); ++i) {
      Worker &w = *busy[i];
      if (!fds[i].revents) {
        if (options_.job_timeout.count() > 0 && now >= w.deadline)
          rerun(w, fmt::format("no result within {} ms", options_.job_timeout.count()));
        continue;
      }
      Answer a = read_answer(w);
      if (!a.ok) {
        rerun(w, a.bytes);
        continue;
      }
      done[*w.position] = std::move(a.bytes);
      w.position.reset();
    }
  }
}

WorkerPool::WorkerPool(WorkerJob work, WorkerPoolOptions options)
    : workers_(std::make_unique<Workers>(std::move(work), std::move(options))) {}

WorkerPool::~WorkerPool() = default;

void WorkerPool::run(const std::vector<std::string> &requests, const WorkerTake &take) {
  if (!requests.empty())
    workers_->run(requests, take);
}

} // namespace busmap
