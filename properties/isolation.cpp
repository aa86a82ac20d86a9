// fork, pipes, a process group, a deadline.  The child speaks a tiny
// protocol on its result pipe: one 's' byte per completed step, 'T' with an
// 8-byte length and text for the parent to pass on, and at the end 'R' or
// 'E' with an 8-byte length and the payload (or the text of an exception).
// Its stdout and stderr go to a second pipe whose tail becomes part of a
// crash report (a sanitizer's stack trace, an assertion message).
#include "properties/isolation.hpp"

#include "platform/driver_call.hpp"
#include "platform/driver_text.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <stdexcept>

namespace busmap {

namespace {

/// How much of the child's output a report keeps: the end, where a
/// sanitizer's report or an assertion's message is.
constexpr std::size_t OutputTail = 4096;

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

void send_block(int fd, char tag, std::string_view text) {
  const std::uint64_t len = text.size();
  char head[1 + sizeof len];
  head[0] = tag;
  std::memcpy(head + 1, &len, sizeof len);
  write_all(fd, head, sizeof head);
  write_all(fd, text.data(), text.size());
}

/// The shared page the child's DriverCall marks are written to.
class SharedBoard {
public:
  SharedBoard() {
    void *p = ::mmap(nullptr, sizeof(DriverCallBoard), PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED)
      board_ = new (p) DriverCallBoard;
  }
  ~SharedBoard() {
    if (board_)
      ::munmap(board_, sizeof(DriverCallBoard));
  }
  SharedBoard(const SharedBoard &) = delete;
  SharedBoard &operator=(const SharedBoard &) = delete;
  DriverCallBoard *get() const { return board_; }
  std::string current() const {
    const char *c = board_ ? board_->current.load() : nullptr;
    return c ? c : "";
  }

private:
  DriverCallBoard *board_ = nullptr;
};

void limit_address_space(std::uint64_t mib) {
  if (mib == 0 || !memory_limit_applies())
    return;
  const rlim_t bytes = static_cast<rlim_t>(mib) << 20;
  struct rlimit as = {bytes, bytes};
  ::setrlimit(RLIMIT_AS, &as);
}

/// Everything a child sets up before the body runs: its own process group,
/// death with its parent, no core files, the memory limit, quiet stdin and
/// captured output, the shared board.
/// No core files, the memory limit, stdin from /dev/null, output to `output_fd`.
void limit_and_redirect(const IsolationOptions &o, int output_fd) {
  struct rlimit no_core = {0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core); // a crashing driver should not litter cores
  limit_address_space(o.memory_limit_mib);
  if (int null = ::open("/dev/null", O_RDONLY); null >= 0) {
    ::dup2(null, STDIN_FILENO);
    ::close(null);
  }
  ::dup2(output_fd, STDOUT_FILENO);
  ::dup2(output_fd, STDERR_FILENO);
  ::close(output_fd);
}

void enter_child(const IsolationOptions &o, pid_t parent, int output_fd, DriverCallBoard *board) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL); // a parent killed by ^C takes its cases with it
  if (::getppid() != parent)
    ::_exit(1);
  limit_and_redirect(o, output_fd);
  set_driver_call_board(board);
}

[[noreturn]] void child_main(const IsolatedBody &body, const IsolationOptions &o, pid_t parent,
                             int result_fd, int output_fd, DriverCallBoard *board) {
  enter_child(o, parent, output_fd, board);
  const pid_t self = ::getpid();
  ChildChannel channel(result_fd, self);
  char tag = 'R';
  std::string answer;
  try {
    answer = body(channel);
  } catch (const std::bad_alloc &) {
    tag = 'E';
    answer = fmt::format("out of memory: the case reached its limit of {} MiB (--memory-limit)",
                         o.memory_limit_mib);
  } catch (const std::exception &e) {
    tag = 'E';
    answer = e.what();
  } catch (...) {
    tag = 'E';
    answer = "an exception that is not a std::exception";
  }
  // A process the driver forked comes back here too: only the child itself answers.
  if (::getpid() == self) {
    std::fflush(nullptr); // the driver's buffered output belongs to the report
    send_block(result_fd, tag, answer);
  }
  ::_exit(0); // no atexit handlers, no flushing of the parent's buffers
}

enum class Read { Data, Empty, Closed };

/// Reads what is there without waiting.  With `keep_tail`, only about the
/// last `keep_tail` bytes are kept; `total` counts them all.
Read read_some(int fd, std::string &into, std::uint64_t *total = nullptr,
               std::size_t keep_tail = 0) {
  char buf[8192];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return Read::Empty;
  if (n <= 0)
    return Read::Closed;
  into.append(buf, static_cast<std::size_t>(n));
  if (total)
    *total += static_cast<std::uint64_t>(n);
  if (keep_tail && into.size() > 2 * keep_tail)
    into.erase(0, into.size() - keep_tail);
  return Read::Data;
}

/// Decodes the result pipe as it arrives: step marks and text go out at
/// once; the final block is kept.
class ResultDecoder {
public:
  ResultDecoder(Isolated &out, const IsolationOptions &o) : out_(out), options_(o) {}

  void feed(std::string_view bytes) {
    raw_.append(bytes);
    while (!done_ && pos_ < raw_.size()) {
      const char tag = raw_[pos_];
      if (tag == 's') {
        ++out_.steps_done, ++pos_;
        continue;
      }
      std::uint64_t len;
      if (raw_.size() - pos_ < 1 + sizeof len)
        break;
      std::memcpy(&len, raw_.data() + pos_ + 1, sizeof len);
      const std::size_t start = pos_ + 1 + sizeof len;
      if (raw_.size() - start < len)
        break;
      std::string_view text(raw_.data() + start, len);
      if (tag == 'T') {
        if (options_.on_text)
          options_.on_text(text);
      } else {
        tag_ = tag;
        out_.payload = std::string(text);
        done_ = true;
      }
      pos_ = start + len;
    }
    raw_.erase(0, pos_);
    pos_ = 0;
  }
  bool complete() const { return done_; }
  char tag() const { return tag_; }

private:
  Isolated &out_;
  const IsolationOptions &options_;
  std::string raw_;
  std::size_t pos_ = 0;
  bool done_ = false;
  char tag_ = 0;
};

std::string in_call(const std::string &call) { return call.empty() ? "" : " in " + call; }

std::string describe_status(int status, const std::string &call) {
  if (WIFSIGNALED(status))
    return fmt::format("killed by signal {} ({}){}", WTERMSIG(status), ::strsignal(WTERMSIG(status)),
                       call.empty() ? " outside the driver's callbacks (a thread of the driver's?)"
                                    : in_call(call));
  if (WIFEXITED(status))
    return call.empty()
               ? fmt::format("exited with status {} outside the driver's callbacks (a thread of "
                             "the driver's?)",
                             WEXITSTATUS(status))
               : fmt::format("the driver exited with status {}{}", WEXITSTATUS(status),
                             in_call(call));
  return "ended abnormally" + in_call(call);
}

std::string with_output(std::string what, const Isolated &out) {
  if (out.output.empty())
    return what;
  const std::string_view tail = out.output.size() > OutputTail
                                    ? std::string_view(out.output).substr(out.output.size() - OutputTail)
                                    : std::string_view(out.output);
  if (out.output_bytes > tail.size())
    return fmt::format("{}; the last {} of the {} bytes it wrote:\n{}", what, tail.size(),
                       out.output_bytes, utf8_escaped(tail));
  return fmt::format("{}; its last output:\n{}", what, utf8_escaped(tail));
}

/// A descriptor that becomes readable when process `pid` ends (-1 where the
/// kernel has no pidfd: then the loop polls waitpid).
int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

void close_pair(int fds[2]) {
  ::close(fds[0]);
  ::close(fds[1]);
}

} // namespace

bool memory_limit_applies() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
  return false;
#else
  return true;
#endif
#else
  return true;
#endif
}

bool ChildChannel::writes() const { return fd_ >= 0 && ::getpid() == owner_; }

void ChildChannel::step_done() {
  if (writes())
    write_all(fd_, "s", 1);
}

void ChildChannel::send_text(std::string_view text) {
  if (direct_)
    direct_(text);
  else if (writes())
    send_block(fd_, 'T', text);
}

void enter_case_host(const IsolationOptions &options) {
  const int null = ::open("/dev/null", O_WRONLY);
  if (null >= 0)
    limit_and_redirect(options, null);
}

Isolated run_isolated(const IsolatedBody &body, std::chrono::milliseconds timeout,
                      bool fork_child) {
  IsolationOptions o;
  o.timeout = timeout;
  o.fork_child = fork_child;
  return run_isolated(body, o);
}

Isolated run_isolated(const IsolatedBody &body, const IsolationOptions &options) {
  Isolated out;
  if (!options.fork_child) {
    ChildChannel direct(options.on_text ? options.on_text : [](std::string_view) {});
    out.payload = body(direct);
    return out;
  }
  int result_pipe[2], output_pipe[2];
  if (::pipe2(result_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error(fmt::format("pipe: {}", std::strerror(errno)));
  if (::pipe2(output_pipe, O_CLOEXEC) != 0) {
    close_pair(result_pipe);
    throw std::runtime_error(fmt::format("pipe: {}", std::strerror(errno)));
  }
  SharedBoard board;
  std::fflush(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    close_pair(result_pipe);
    close_pair(output_pipe);
    throw std::runtime_error(fmt::format("fork: {}", std::strerror(errno)));
  }
  if (pid == 0) {
    ::close(result_pipe[0]);
    ::close(output_pipe[0]);
    child_main(body, options, parent, result_pipe[1], output_pipe[1], board.get());
  }
  ::setpgid(pid, pid); // as the child does: no window in which a kill misses the group
  ::close(result_pipe[1]);
  ::close(output_pipe[1]);
  const int result_fd = result_pipe[0], output_fd = output_pipe[0];
  ::fcntl(result_fd, F_SETFL, O_NONBLOCK);
  ::fcntl(output_fd, F_SETFL, O_NONBLOCK);
  const int pidfd = open_pidfd(pid);

  // Read until the child itself has ended: a grandchild may hold the pipes
  // open for ever, so their end of file is no sign.
  ResultDecoder decoder(out, options);
  std::string result_bytes;
  bool result_open = true, output_open = true, exited = false, timed_out = false;
  int status = 0;
  // Everything readable now, from both pipes.
  auto drain = [&] {
    Read r;
    while (result_open && (r = read_some(result_fd, result_bytes)) != Read::Empty) {
      result_open = r != Read::Closed;
      decoder.feed(result_bytes);
      result_bytes.clear();
    }
    while (output_open &&
           (r = read_some(output_fd, out.output, &out.output_bytes, OutputTail)) != Read::Empty)
      output_open = r != Read::Closed;
  };
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  while (!exited) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    struct pollfd fds[3] = {{result_open ? result_fd : -1, POLLIN, 0},
                            {output_open ? output_fd : -1, POLLIN, 0},
                            {pidfd, POLLIN, 0}};
    const int wait_ms = static_cast<int>(std::min<long long>(left.count(), pidfd >= 0 ? 1000 : 10));
    if (::poll(fds, 3, wait_ms) < 0 && errno != EINTR)
      break;
    if (fds[0].revents || fds[1].revents)
      drain();
    exited = ::waitpid(pid, &status, WNOHANG) == pid;
  }
  drain(); // what the child wrote just before it ended
  out.driver_call = board.current();
  ::kill(-pid, SIGKILL); // the child's group: what the driver forked goes with it
  if (!exited)
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  ::close(result_fd);
  ::close(output_fd);
  if (pidfd >= 0)
    ::close(pidfd);

  if (timed_out) {
    out.status = Isolated::Status::TimedOut;
    out.what = with_output(
        fmt::format("no answer within {} ms{}; killed", options.timeout.count(), in_call(out.driver_call)),
        out);
    out.payload.clear();
  } else if (!decoder.complete()) {
    out.status = Isolated::Status::Crashed;
    out.what = with_output(describe_status(status, out.driver_call), out);
  } else if (decoder.tag() == 'E') {
    out.status = Isolated::Status::Crashed;
    out.what = "the harness threw: " + utf8_escaped(out.payload);
    out.payload.clear();
  }
  return out;
}

} // namespace busmap
