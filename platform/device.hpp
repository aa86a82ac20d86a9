//===- platform/device.hpp - the adapter's data path --------------*- C++ -*-===//
//
// A small model of the adapter behind the driver's data path (ABI 2): the
// transmit descriptors and receive buffers the driver posted, each entry
// with the bus address it carries and the physical address the stack asked
// for, and whether traffic is stopped.  It implements the data-path
// callbacks of busmap_platform (post_tx, post_rx, stop_traffic,
// start_traffic, rewrite_rx) with the answers driver.h documents.
//
// The device also performs the transfers, as the adapter does: through the
// firmware's live MRs as they are at that moment, one HW page at a time
// (the MR translates page by page).  A transmit completes when the device
// has read it (at `dma`, or when stop_traffic() lets in-flight transmits
// finish); a receive buffer takes one packet at `dma` and is then handed
// back to the stack (consumed).  A stopped device transfers nothing.
//
// The device only records facts; it judges nothing.  Each transfer says
// what it reached (a page, or why none), and an MR freed while traffic
// runs with entries into it is recorded; the oracle turns these into the
// violations of invariant 10 (properties/oracle.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PLATFORM_DEVICE_HPP
#define BUSMAP_PLATFORM_DEVICE_HPP

#include "platform/firmware.hpp"
#include "platform/memory.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace busmap {

/// One posted entry: where the device will DMA and what it was posted for.
struct PostedBuffer {
  std::uint64_t bus = 0;
  std::uint64_t phys = 0; // the stack's address; 0 when posted outside xmit/refill_rx
  std::uint32_t len = 0;
  bool from_stack = false; // posted inside xmit/refill_rx: `phys` is a page the stack pinned
  friend bool operator==(const PostedBuffer &, const PostedBuffer &) = default;
};

/// One HW page's part of a transfer the device performed.
struct DmaTransfer {
  enum class Reach {
    Page,         // a complete live MR has a page at that position
    NoMr,         // no live MR contains the bus address (the miss value included)
    IncompleteMr, // the MR containing it is not complete: the firmware does not use it
    NoPage,       // the MR has no page registered at that position
  };
  bool rx = false;
  /// Read when stop_traffic() let in-flight transmits finish (inside the
  /// driver's handling of an event), not at a `dma`.
  bool at_stop = false;
  PostedBuffer entry;      // the whole entry this part belongs to
  std::uint64_t bus = 0;   // this part's bus address
  std::uint64_t posted = 0; // the physical address this part was posted for
  Reach reach = Reach::NoMr;
  std::uint64_t mr = 0;     // the MR it went through (not for NoMr)
  std::uint64_t landed = 0; // the physical address the device reached (Reach::Page)
  /// The phase of the block `landed` lies in at that moment; none when it
  /// is not partition memory.
  std::optional<Phase> landed_phase;
};

/// An MR freed while traffic ran and the device held an entry into it.
struct UnquiescedFree {
  std::uint64_t mr = 0;
  bool rx = false;
  PostedBuffer entry;
};

class Device {
public:
  /// Entries per transmit descriptor (busmap_platform::max_sg).
  static constexpr std::uint32_t default_max_sg = 16;
  /// The longest entry the device takes: a 64 KiB packet (GSO's limit).
  static constexpr std::uint32_t max_entry_bytes = 65536;
  explicit Device(std::uint32_t max_sg = default_max_sg) : max_sg_(max_sg) {}

  std::uint32_t max_sg() const { return max_sg_; }
  /// The physical address the stack handed to xmit/refill_rx, while the
  /// driver handles it; later posts record it (tx entries consecutively).
  void posting_for(std::optional<std::uint64_t> phys) { posting_for_ = phys; }

  // The callbacks; each answers 0 or -1 and sets `why` on -1.
  int post_tx(const std::uint64_t *bus, const std::uint32_t *lens, std::uint32_t count,
              std::string &why);
  int post_rx(std::uint64_t bus, std::uint32_t len, std::string &why);
  void stop() { stopped_ = true; }
  void start() { stopped_ = false; }
  /// Rewrites every posted receive buffer through `xlate`; the count, or -1
  /// when traffic is not stopped.  A buffer xlate answers BUSMAP_INVALID for
  /// is taken back from the device (the driver gives it back to the stack,
  /// as a driver drops a receive buffer it can no longer map) and not counted.
  int rewrite_rx(std::uint64_t (*xlate)(void *, std::uint64_t), void *arg, std::string &why);

  // --- Transfers (see the file comment). ---------------------------------
  /// Reads every posted transmit entry and completes its descriptor; the
  /// number of entries read.  Done also while stopped: stop_traffic() lets
  /// in-flight transmits finish.
  std::size_t complete_tx(const Firmware &fw, const Memory &mem) { return read_tx(true, fw, mem); }
  /// `dma`: every posted transfer, transmits then receives, each receive
  /// buffer consumed; the number of entries transferred, 0 when stopped.
  std::size_t perform(const Firmware &fw, const Memory &mem);
  /// Called before `mr` is freed: while traffic runs, every entry the
  /// device holds into it is recorded as an UnquiescedFree.
  void before_free(const MemoryRegion &mr);
  /// Whether a page the stack handed over and the device still holds (a
  /// transmit not completed, a receive buffer) lies in sections [first, end).
  bool pins(std::uint64_t first, std::uint64_t end, std::uint32_t section_shift) const;
  /// The driver is gone and its queues with it: no entry, traffic running.
  void reset();

  bool stopped() const { return stopped_; }
  const std::vector<std::vector<PostedBuffer>> &tx() const { return tx_; }
  const std::vector<PostedBuffer> &rx() const { return rx_; }
  /// Every transfer performed and every unquiesced free, oldest first.
  const std::vector<DmaTransfer> &transfers() const { return transfers_; }
  const std::vector<UnquiescedFree> &unquiesced() const { return unquiesced_; }

private:
  std::string refuse_entry(std::uint64_t bus, std::uint32_t len) const;
  void transfer(const PostedBuffer &entry, bool rx, bool at_stop, const Firmware &fw,
                const Memory &mem);
  std::size_t read_tx(bool at_stop, const Firmware &fw, const Memory &mem);

  std::uint32_t max_sg_;
  bool stopped_ = false;
  std::optional<std::uint64_t> posting_for_;
  std::vector<std::vector<PostedBuffer>> tx_;
  std::vector<PostedBuffer> rx_;
  std::vector<DmaTransfer> transfers_;
  std::vector<UnquiescedFree> unquiesced_;
};

} // namespace busmap

#endif // BUSMAP_PLATFORM_DEVICE_HPP
