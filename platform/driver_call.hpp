//===- platform/driver_call.hpp - which driver callback is running -*- C++ -*-===//
//
// When driver code kills its process (a signal, exit(), a stack overflow)
// or never returns, the harness wants to say where: "the driver exited
// with status 0 in notify(GOING_ONLINE)".  A DriverCall marks the span of
// one call into the driver and names it on a board.  The isolation layer
// (properties/isolation.cpp) puts the board in memory shared across fork,
// so the parent still reads it after its child died; without a child the
// board is ordinary memory that nothing reads.
//
// The same span is what driver_heap.hpp counts plain malloc in: a
// DriverCall also marks the thread as running driver code.
//
// translate() runs millions of times per check, so marking costs two
// pointer stores and a thread-local increment.  The names are string
// literals of the harness: after fork the parent has the same image at the
// same address, so a pointer written by the child means the same text in
// the parent.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PLATFORM_DRIVER_CALL_HPP
#define BUSMAP_PLATFORM_DRIVER_CALL_HPP

#include "busmap/driver.h"
#include "platform/driver_heap.hpp"

#include <atomic>

namespace busmap {

/// The driver callback running now, or null while harness code runs.
struct DriverCallBoard {
  std::atomic<const char *> current{nullptr};
};

/// The board DriverCall writes to; `board` replaces it (null: a private one).
DriverCallBoard &driver_call_board();
void set_driver_call_board(DriverCallBoard *board);

/// Names the driver callback running for as long as it lives.  `what`
/// must be a string literal (see the file comment).
class DriverCall {
public:
  explicit DriverCall(const char *what)
      : board_(driver_call_board()),
        outer_(board_.current.exchange(what, std::memory_order_relaxed)) {}
  ~DriverCall() { board_.current.store(outer_, std::memory_order_relaxed); }
  DriverCall(const DriverCall &) = delete;
  DriverCall &operator=(const DriverCall &) = delete;

private:
  DriverCallBoard &board_;
  const char *outer_;
  driver_heap::DriverCode heap_;
};

/// "notify(GOING_ONLINE)" and so on: a literal per memory action.
const char *notify_call_name(busmap_mem_action action);

} // namespace busmap

#endif // BUSMAP_PLATFORM_DRIVER_CALL_HPP
