// Worker processes for properties/worker_pool.hpp.  Each worker holds one
// end of a Unix socket pair: jobs (8-byte indices) go down it, results come
// back as an 8-byte length, an ok byte and the bytes.  A socket rather than
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

#include <cerrno>
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

/// A worker's life: jobs in, results out, until the socket closes.
[[noreturn]] void serve(int fd, const std::function<std::string(std::size_t)> &work) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL); // the harness gone: nothing to work for
  for (std::uint64_t job; read_full(fd, &job, sizeof job);) {
    std::string out;
    std::uint8_t ok = 1;
    try {
      out = work(static_cast<std::size_t>(job));
    } catch (const std::exception &e) {
      ok = 0;
      out = e.what();
    }
    const std::uint64_t size = out.size();
    if (!write_full(fd, &size, sizeof size) || !write_full(fd, &ok, 1) ||
        !write_full(fd, out.data(), out.size()))
      break;
  }
  ::_exit(0);
}

struct Worker {
  pid_t pid = -1;
  int fd = -1;
  std::optional<std::size_t> position; // in `jobs`, of the job it runs
};

/// The workers, killed and reaped however the run ends.
class Workers {
public:
  Workers(std::size_t n, const std::function<std::string(std::size_t)> &work) {
    std::fflush(nullptr); // no buffered output is written twice
    for (std::size_t i = 0; i < n; ++i) {
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
          ::close(w.fd); // the other workers' ends are not this one's
        serve(sv[1], work);
      }
      ::close(sv[1]);
      all_.push_back({pid, sv[0], std::nullopt});
    }
  }
  ~Workers() {
    for (Worker &w : all_) {
      ::close(w.fd); // an idle worker reads EOF and exits
      if (w.position)
        ::kill(w.pid, SIGKILL); // a busy one is not waited for
    }
    for (Worker &w : all_)
      while (::waitpid(w.pid, nullptr, 0) < 0 && errno == EINTR) {
      }
  }
  Workers(const Workers &) = delete;
  Workers &operator=(const Workers &) = delete;

  std::vector<Worker> &all() { return all_; }

private:
  std::vector<Worker> all_;
};

std::string read_result(Worker &w) {
  std::uint64_t size = 0;
  std::uint8_t ok = 0;
  std::string out;
  bool whole = read_full(w.fd, &size, sizeof size) && read_full(w.fd, &ok, 1);
  if (whole) {
    out.resize(size);
    whole = read_full(w.fd, out.data(), out.size());
  }
  if (!whole)
    throw std::runtime_error(fmt::format("worker process {} died", w.pid));
  if (!ok)
    throw std::runtime_error(fmt::format("worker process {}: {}", w.pid, out));
  return out;
}

} // namespace

void run_on_workers(const std::vector<std::size_t> &jobs,
                    const std::function<std::string(std::size_t)> &work,
                    const std::function<bool(std::size_t, std::string)> &take,
                    const WorkerPoolOptions &options) {
  if (jobs.empty())
    return;
  Workers workers(std::max<std::size_t>(1, std::min(options.workers, jobs.size())), work);
  std::size_t next_send = 0, next_take = 0;
  bool sending = true;
  std::map<std::size_t, std::string> done; // by position, waiting for the ones before
  auto give_job = [&](Worker &w) {
    if (!sending || next_send == jobs.size() || (options.may_start && !options.may_start())) {
      sending = false;
      return;
    }
    const std::uint64_t job = jobs[next_send];
    if (!write_full(w.fd, &job, sizeof job))
      throw std::runtime_error(fmt::format("worker process {} died", w.pid));
    w.position = next_send++;
  };
  for (Worker &w : workers.all())
    give_job(w);
  while (next_take < next_send) {
    for (auto it = done.find(next_take); it != done.end(); it = done.find(next_take)) {
      std::string result = std::move(it->second);
      done.erase(it);
      if (!take(jobs[next_take], std::move(result)))
        return; // the workers still busy are killed with their cases
      ++next_take;
    }
    if (next_take == next_send)
      break;
    std::vector<pollfd> fds;
    std::vector<Worker *> busy;
    for (Worker &w : workers.all())
      if (w.position) {
        fds.push_back({w.fd, POLLIN, 0});
        busy.push_back(&w);
      }
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR)
        continue;
      throw std::runtime_error(fmt::format("poll: {}", std::strerror(errno)));
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!fds[i].revents)
        continue;
      Worker &w = *busy[i];
      done[*w.position] = read_result(w);
      w.position.reset();
      give_job(w);
    }
  }
}

} // namespace busmap
