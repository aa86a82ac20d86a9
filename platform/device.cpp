// The adapter's data path: posted descriptors and stopped traffic; see device.hpp.
#include "platform/device.hpp"

#include <fmt/format.h>

namespace busmap {

// An entry is malformed when it is empty or its bytes wrap past 2^64.  A
// miss value is not malformed to the hardware: posting it is the driver's
// bug, for invariant 10 to report, so it is recorded.
std::string Device::refuse_entry(std::uint64_t bus, std::uint32_t len) const {
  if (len == 0)
    return "an entry of length 0";
  if (bus + len - 1 < bus)
    return fmt::format("entry {:#x}+{} wraps past 2^64", bus, len);
  return {};
}

int Device::post_tx(const std::uint64_t *bus, const std::uint32_t *lens, std::uint32_t count,
                    std::string &why) {
  if (stopped_)
    why = "traffic is stopped";
  else if (!bus || !lens)
    why = "NULL entry arrays";
  else if (count == 0 || count > max_sg_)
    why = fmt::format("{} entries, the device takes 1..{}", count, max_sg_);
  for (std::uint32_t i = 0; why.empty() && i < count; ++i)
    why = refuse_entry(bus[i], lens[i]);
  if (!why.empty())
    return -1;
  std::vector<PostedBuffer> desc;
  std::uint64_t phys = posting_for_.value_or(0);
  for (std::uint32_t i = 0; i < count; ++i) {
    desc.push_back({bus[i], posting_for_ ? phys : 0, lens[i]});
    phys += lens[i];
  }
  tx_.push_back(std::move(desc));
  return 0;
}

int Device::post_rx(std::uint64_t bus, std::uint32_t len, std::string &why) {
  why = stopped_ ? "traffic is stopped" : refuse_entry(bus, len);
  if (!why.empty())
    return -1;
  rx_.push_back({bus, posting_for_.value_or(0), len});
  return 0;
}

int Device::rewrite_rx(std::uint64_t (*xlate)(void *, std::uint64_t), void *arg,
                       std::string &why) {
  if (!stopped_) {
    why = "traffic is not stopped";
    return -1;
  }
  if (!xlate) {
    why = "a NULL xlate";
    return -1;
  }
  for (auto &buf : rx_)
    buf.bus = xlate(arg, buf.phys);
  return static_cast<int>(rx_.size());
}

} // namespace busmap
