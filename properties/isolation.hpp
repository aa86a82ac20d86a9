//===- properties/isolation.hpp - run a case in a child process --*- C++ -*-===//
//
// A driver under test may crash, abort or loop forever; the harness must
// survive all three and report them as verdicts.  run_isolated() forks,
// runs the body in the child and collects what it sends back through a
// pipe, killing the child when the deadline passes.
//
// The child reports progress as it goes (a "step done" mark per operation),
// so when it dies the parent still knows which step killed it, and a crash
// becomes a violation at that step like any other.
//
// The body runs in a copy of the parent's address space: whatever it
// computes must travel back through the payload string, nothing else.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PROPERTIES_ISOLATION_HPP
#define BUSMAP_PROPERTIES_ISOLATION_HPP

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace busmap {

/// Handed to the body: lets it mark progress for the parent.
class ChildChannel {
public:
  explicit ChildChannel(int fd) : fd_(fd) {}
  /// One more step completed (a no-op when not isolated).
  void step_done();

private:
  int fd_;
};

struct Isolated {
  enum class Status { Finished, Crashed, TimedOut };
  Status status = Status::Finished;
  std::string payload;     // what the body returned (Finished only)
  std::size_t steps_done = 0; // step_done() marks received
  std::string what;        // for Crashed/TimedOut: how it ended, in words
};

using IsolatedBody = std::function<std::string(ChildChannel &)>;

/// Runs `body` in a forked child with a deadline.  With `fork_child` false
/// it runs in this process (no protection; for debuggers and profilers).
Isolated run_isolated(const IsolatedBody &body, std::chrono::milliseconds timeout,
                      bool fork_child = true);

} // namespace busmap

#endif // BUSMAP_PROPERTIES_ISOLATION_HPP
