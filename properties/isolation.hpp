//===- properties/isolation.hpp - run driver code in a child process -*- C++ -*-===//
//
// A driver under test may crash, abort, exit, fork, loop forever, eat
// memory or flood its output; the harness must survive all of it and
// report it as a verdict.  run_isolated() is the one place driver code is
// run from in every command (check's cases and shrinking, replay, render,
// bench --plugin, prove --plugin, the loading of a plugin): it forks, runs
// the body in the child and collects what the child sends back.
//
// What the child gets:
//   - its own process group, killed as a whole when the child ends or its
//     deadline passes, so a driver's grandchildren die with it;
//   - an address-space limit (setrlimit RLIMIT_AS), so a driver that eats
//     memory ends as a verdict rather than taking the machine down;
//   - stdin from /dev/null, stdout and stderr into one bounded pipe whose
//     tail is kept for the report (with a note of what was dropped);
//   - a result pipe that only the child itself writes: a fork of it that
//     goes on running the harness's code sends nothing, so the parent reads
//     one well-formed answer or none;
//   - a board in shared memory naming the driver callback running
//     (platform/driver_call.hpp), so a death or a hang is reported as
//     "in notify(GOING_ONLINE)".
//
// The child reports progress as it goes (a "step done" mark per
// operation, and text for the parent to show at once), so when it dies the
// parent still knows which step killed it.  The body runs in a copy of the
// parent's address space: whatever it computes travels back through the
// payload string, nothing else.
//
// What this does not protect against: a driver that means harm.  A plugin
// is trusted code, like a kernel module: one that kills its parent, writes
// a forged answer on the result pipe's descriptor, or escapes its process
// group is out of scope (README.md, include/busmap/driver.h).
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PROPERTIES_ISOLATION_HPP
#define BUSMAP_PROPERTIES_ISOLATION_HPP

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace busmap {

/// Handed to the body: lets it mark progress and send text to the parent.
class ChildChannel {
public:
  using TextSink = std::function<void(std::string_view)>;
  /// In a child: writes to `fd` while this is process `owner`.
  ChildChannel(int fd, int owner) : fd_(fd), owner_(owner) {}
  /// Without a child: text goes to `direct`, marks nowhere.
  explicit ChildChannel(TextSink direct) : direct_(std::move(direct)) {}
  /// One more step completed.
  void step_done();
  /// Text for the parent's IsolationOptions::on_text, delivered at once.
  void send_text(std::string_view text);

private:
  bool writes() const;
  int fd_ = -1;
  int owner_ = 0;
  TextSink direct_;
};

/// The default address-space limit of a child, in MiB (`--memory-limit`).
inline constexpr std::uint64_t DefaultMemoryLimitMiB = 8192;

struct IsolationOptions {
  std::chrono::milliseconds timeout{10000};
  /// False: run the body in this process (no protection; for debuggers).
  bool fork_child = true;
  /// The child's address-space limit in MiB; 0: none.  Not applied in a
  /// sanitizer build (see memory_limit_applies()).
  std::uint64_t memory_limit_mib = DefaultMemoryLimitMiB;
  /// Receives ChildChannel::send_text's text in the parent, as it comes.
  std::function<void(std::string_view)> on_text;
};

/// False in an AddressSanitizer or ThreadSanitizer build: their shadow
/// memory needs terabytes of address space, so RLIMIT_AS would stop the
/// child before it started.
bool memory_limit_applies();

struct Isolated {
  enum class Status { Finished, Crashed, TimedOut };
  Status status = Status::Finished;
  std::string payload;        // what the body returned (Finished only)
  std::size_t steps_done = 0; // step_done() marks received
  std::string what;           // for Crashed/TimedOut: how it ended, in words
  /// The driver callback running when the child died or was killed (empty:
  /// harness code, or no driver call was marked).
  std::string driver_call;
  std::string output;             // the tail of the child's stdout and stderr
  std::uint64_t output_bytes = 0; // all the child wrote there, the dropped part too
};

using IsolatedBody = std::function<std::string(ChildChannel &)>;

/// Runs `body` in a forked child as IsolationOptions say.
Isolated run_isolated(const IsolatedBody &body, const IsolationOptions &options);

/// The same with a deadline and nothing else set.
Isolated run_isolated(const IsolatedBody &body, std::chrono::milliseconds timeout,
                      bool fork_child = true);

/// Sets up this process as a case host, a worker that runs cases without a
/// fork of its own (properties/worker_pool.hpp): the child's limits (no core
/// files, the address-space limit), stdin from /dev/null and its output
/// dropped.  A case whose output matters (one that does not hold) runs
/// again in run_isolated(), which keeps the output for its report.
void enter_case_host(const IsolationOptions &options);

} // namespace busmap

#endif // BUSMAP_PROPERTIES_ISOLATION_HPP
