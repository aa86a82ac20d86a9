// fork + pipes + deadline.  The child speaks a tiny protocol on its result
// pipe: one 's' byte per completed step, then 'R' or 'E', an 8-byte length
// and the payload (or the text of an exception).  Its stderr goes to a
// second pipe whose tail becomes part of a crash report (a sanitizer's
// stack trace, an assertion message).
#include "properties/isolation.hpp"

#include "platform/driver_text.hpp"

#include <fmt/format.h>

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>

namespace busmap {

namespace {

constexpr std::size_t StderrTail = 4096;

bool write_all(int fd, const void *data, std::size_t n) {
  const char *p = static_cast<const char *>(data);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

void send_block(int fd, char tag, const std::string &text) {
  const std::uint64_t len = text.size();
  write_all(fd, &tag, 1);
  write_all(fd, &len, sizeof len);
  write_all(fd, text.data(), text.size());
}

[[noreturn]] void child_main(const IsolatedBody &body, int result_fd, int err_fd) {
  ::dup2(err_fd, STDERR_FILENO);
  ::close(err_fd);
  struct rlimit no_core = {0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core); // a crashing driver should not litter cores
  ChildChannel channel(result_fd);
  try {
    send_block(result_fd, 'R', body(channel));
  } catch (const std::exception &e) {
    send_block(result_fd, 'E', e.what());
  } catch (...) {
    send_block(result_fd, 'E', "an exception that is not a std::exception");
  }
  ::_exit(0); // no atexit handlers, no flushing of the parent's buffers
}

/// What the parent has read from the child so far.
struct Received {
  std::string result; // raw bytes of the result pipe
  std::string err;    // stderr tail
};

void read_some(int fd, std::string &into, bool *eof, std::size_t keep_tail = 0) {
  char buf[8192];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (n <= 0) {
    *eof = true;
    return;
  }
  into.append(buf, static_cast<std::size_t>(n));
  if (keep_tail && into.size() > 2 * keep_tail)
    into.erase(0, into.size() - keep_tail);
}

/// Decodes the result pipe: step marks, then the final block if complete.
void decode(const std::string &raw, Isolated &out, bool *complete, char *tag) {
  std::size_t i = 0;
  while (i < raw.size() && raw[i] == 's')
    ++i, ++out.steps_done;
  *complete = false;
  if (i + 1 + sizeof(std::uint64_t) > raw.size())
    return;
  *tag = raw[i];
  std::uint64_t len;
  std::memcpy(&len, raw.data() + i + 1, sizeof len);
  const std::size_t start = i + 1 + sizeof len;
  if (raw.size() - start < len)
    return;
  out.payload = raw.substr(start, len);
  *complete = true;
}

std::string describe_status(int status) {
  if (WIFSIGNALED(status))
    return fmt::format("killed by signal {} ({})", WTERMSIG(status), ::strsignal(WTERMSIG(status)));
  if (WIFEXITED(status))
    return fmt::format("exited with status {} in the middle of the trace", WEXITSTATUS(status));
  return "ended abnormally";
}

std::string with_stderr(std::string what, const std::string &err) {
  if (err.empty())
    return what;
  std::string tail = err.size() > StderrTail ? err.substr(err.size() - StderrTail) : err;
  return what + "; its last output:\n" + utf8_escaped(tail);
}

} // namespace

void ChildChannel::step_done() {
  if (fd_ >= 0)
    write_all(fd_, "s", 1);
}

Isolated run_isolated(const IsolatedBody &body, std::chrono::milliseconds timeout,
                      bool fork_child) {
  Isolated out;
  if (!fork_child) {
    ChildChannel none(-1);
    out.payload = body(none);
    return out;
  }
  int result_pipe[2], err_pipe[2];
  if (::pipe(result_pipe) != 0)
    throw std::runtime_error(fmt::format("pipe: {}", std::strerror(errno)));
  if (::pipe(err_pipe) != 0) {
    ::close(result_pipe[0]);
    ::close(result_pipe[1]);
    throw std::runtime_error(fmt::format("pipe: {}", std::strerror(errno)));
  }
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0)
    throw std::runtime_error(fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    ::close(result_pipe[0]);
    ::close(err_pipe[0]);
    child_main(body, result_pipe[1], err_pipe[1]);
  }
  ::close(result_pipe[1]);
  ::close(err_pipe[1]);

  Received got;
  bool result_eof = false, err_eof = false, timed_out = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!result_eof || !err_eof) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    struct pollfd fds[2] = {{result_eof ? -1 : result_pipe[0], POLLIN, 0},
                            {err_eof ? -1 : err_pipe[0], POLLIN, 0}};
    int n = ::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (n < 0 && errno != EINTR)
      break;
    if (n <= 0)
      continue;
    if (fds[0].revents)
      read_some(result_pipe[0], got.result, &result_eof);
    if (fds[1].revents)
      read_some(err_pipe[0], got.err, &err_eof, StderrTail);
  }
  if (timed_out)
    ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ::close(result_pipe[0]);
  ::close(err_pipe[0]);

  bool complete = false;
  char tag = 0;
  decode(got.result, out, &complete, &tag);
  if (timed_out) {
    out.status = Isolated::Status::TimedOut;
    out.what = with_stderr(fmt::format("no answer within {} ms; killed", timeout.count()), got.err);
    out.payload.clear();
  } else if (!complete) {
    out.status = Isolated::Status::Crashed;
    out.what = with_stderr(describe_status(status), got.err);
  } else if (tag == 'E') {
    out.status = Isolated::Status::Crashed;
    out.what = "the harness threw: " + utf8_escaped(out.payload);
    out.payload.clear();
  }
  return out;
}

} // namespace busmap
