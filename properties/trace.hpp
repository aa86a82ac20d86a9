//===- properties/trace.hpp - hotplug traces ----------------------*- C++ -*-===//
//
// A trace is what the oracle runs: a starting layout and a sequence of
// operations, each one thing that happens to a partition (the hypervisor
// assigns or reclaims a block, the kernel onlines or offlines one with its
// veto and cancel paths, a device translates an address, the stack sends or
// posts a buffer and the device transfers it, a fault is armed, the driver
// is loaded or unloaded).  The same structure is generated and
// shrunk by RapidCheck, written to and read from .trace files, and built by
// hand in tests, so a shrunk counterexample maps one to one onto a file.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PROPERTIES_TRACE_HPP
#define BUSMAP_PROPERTIES_TRACE_HPP

#include "platform/config.hpp"
#include "platform/fault.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace busmap {

enum class OpKind {
  Load,       // driver load(): builds its map from walk_ram
  Unload,     // driver unload(): must free everything
  Add,        // hypervisor assigns block [addr, +sections) to the partition
  Online,     // kernel onlines the block at addr
  Offline,    // kernel offlines the block at addr
  Remove,     // hypervisor reclaims the (offline) block at addr
  Translate,  // a device asks for the bus address of addr
  FaultAlloc, // the nth allocation from now fails (and `count`-1 after it)
  FaultHcall, // the nth firmware call from now answers `code` (and `count`-1 after it)
  // The data path (ABI 2; a no-op noted in the journal for a driver without one).
  Xmit, // the stack sends `len` bytes at addr: driver->xmit()
  Rx,   // the stack posts a receive buffer of `len` bytes at addr: driver->refill_rx()
  Dma,  // the device performs every posted transfer (platform/device.hpp)
};

/// The default `len` of xmit and rx: an Ethernet frame of a 1500-byte MTU
/// with its 14-byte header (the FCS is the adapter's).
inline constexpr std::uint32_t DefaultFrameBytes = 1514;
/// The longest buffer the stack hands over: a 64 KiB GSO packet.
inline constexpr std::uint32_t MaxFrameBytes = 65536;

/// Which part of an online or offline an op is.  Atomic is the whole
/// operation (the short spelling); the others split it into a window that
/// other operations can fall into (docs/TRACE_FORMAT.md).
enum class HotplugPhase {
  Atomic,   // GOING_*, then at once the final event
  Going,    // GOING_ONLINE / GOING_OFFLINE: opens the window
  Migrated, // offline only: the pages are migrated, the sections go offline
  Done,     // ONLINE / OFFLINE: closes the window
  Cancel,   // CANCEL_ONLINE / CANCEL_OFFLINE (online failed, migration failed)
};
const char *to_string(HotplugPhase p);

/// A translation racing the driver's handling of a step (issue 12 section 2):
/// at the `at`-th platform callback the driver makes while it handles the
/// step (a preemption point, counted from 1), the data path translates
/// `addr` on a second thread while the driver's thread waits inside that
/// callback.  Written `race=AT:ADDR`, any number per online/offline op.
struct Race {
  std::uint32_t at = 1;
  std::uint64_t addr = 0;
  friend bool operator==(const Race &, const Race &) = default;
};

struct Op {
  OpKind kind = OpKind::Load;
  std::uint64_t addr = 0;     // block base or translated address
  std::uint64_t sections = 0; // Add: block length in sections
  Veto veto = Veto::None;     // Online, Offline
  bool migrate_fail = false;  // Offline: page migration fails after GOING_OFFLINE
  std::uint32_t nth = 1;      // FaultAlloc, FaultHcall: 1 = the next one
  std::int64_t code = 0;      // FaultHcall: the firmware's answer
  std::uint32_t count = 1;    // FaultAlloc, FaultHcall: calls that fail in a row;
                              // FaultPlan::Sticky (0): every one from the nth on
  HotplugPhase phase = HotplugPhase::Atomic; // Online, Offline
  std::uint32_t len = DefaultFrameBytes;     // Xmit, Rx: buffer length in bytes
  std::vector<Race> races{};                 // Online, Offline: in the order written

  friend bool operator==(const Op &, const Op &) = default;
};

struct Trace {
  Layout layout;
  Mode mode = Mode::Strict;
  std::vector<Op> ops;
  // What the trace's header expects: empty = pass; else the invariant that fails.
  std::string expect_fail;
  // The machine profile (platform/profile.hpp) the trace is for; its
  // MAX_PHYSMEM_BITS is layout.config.phys_bits.
  std::string profile = "portable";
};

const char *to_string(OpKind k);

} // namespace busmap

#endif // BUSMAP_PROPERTIES_TRACE_HPP
