//===- platform/device.hpp - the adapter's data path --------------*- C++ -*-===//
//
// A small model of the adapter behind the driver's data path (ABI 2): the
// transmit descriptors and receive buffers the driver posted, each entry
// with the bus address it carries and the physical address the stack asked
// for, and whether traffic is stopped.  It implements the data-path
// callbacks of busmap_platform (post_tx, post_rx, stop_traffic,
// start_traffic, rewrite_rx) with the answers driver.h documents.
//
// The device only records; it judges nothing.  Invariant 10 (device
// safety) will read these records when the oracle drives the data path
// (issue 12); the built-in drivers have no data path yet.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PLATFORM_DEVICE_HPP
#define BUSMAP_PLATFORM_DEVICE_HPP

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
  friend bool operator==(const PostedBuffer &, const PostedBuffer &) = default;
};

class Device {
public:
  /// Entries per transmit descriptor (busmap_platform::max_sg).
  static constexpr std::uint32_t default_max_sg = 16;
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
  /// when traffic is not stopped.
  int rewrite_rx(std::uint64_t (*xlate)(void *, std::uint64_t), void *arg, std::string &why);

  bool stopped() const { return stopped_; }
  const std::vector<std::vector<PostedBuffer>> &tx() const { return tx_; }
  const std::vector<PostedBuffer> &rx() const { return rx_; }

private:
  std::string refuse_entry(std::uint64_t bus, std::uint32_t len) const;

  std::uint32_t max_sg_;
  bool stopped_ = false;
  std::optional<std::uint64_t> posting_for_;
  std::vector<std::vector<PostedBuffer>> tx_;
  std::vector<PostedBuffer> rx_;
};

} // namespace busmap

#endif // BUSMAP_PLATFORM_DEVICE_HPP
