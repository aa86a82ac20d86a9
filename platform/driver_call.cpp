// The board of platform/driver_call.hpp: a private one until the isolation
// layer hands over one in shared memory.
#include "platform/driver_call.hpp"

namespace busmap {

namespace {
DriverCallBoard private_board;
std::atomic<DriverCallBoard *> board{&private_board};
} // namespace

DriverCallBoard &driver_call_board() { return *board.load(std::memory_order_relaxed); }

void set_driver_call_board(DriverCallBoard *b) {
  board.store(b ? b : &private_board, std::memory_order_relaxed);
}

const char *notify_call_name(busmap_mem_action action) {
  switch (action) {
  case BUSMAP_MEM_GOING_ONLINE: return "notify(GOING_ONLINE)";
  case BUSMAP_MEM_ONLINE: return "notify(ONLINE)";
  case BUSMAP_MEM_CANCEL_ONLINE: return "notify(CANCEL_ONLINE)";
  case BUSMAP_MEM_GOING_OFFLINE: return "notify(GOING_OFFLINE)";
  case BUSMAP_MEM_OFFLINE: return "notify(OFFLINE)";
  case BUSMAP_MEM_CANCEL_OFFLINE: return "notify(CANCEL_OFFLINE)";
  }
  return "notify()";
}

} // namespace busmap
