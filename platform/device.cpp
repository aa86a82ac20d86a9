// The adapter's data path: posted descriptors and stopped traffic; see device.hpp.
#include "platform/device.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace busmap {

// An entry is malformed when it is empty, longer than the device takes, or
// its bytes wrap past 2^64 (the miss value excepted).  A miss value is not
// malformed to the hardware: posting it is the driver's
// bug, for invariant 10 to report, so it is recorded.
std::string Device::refuse_entry(std::uint64_t bus, std::uint32_t len) const {
  if (len == 0)
    return "an entry of length 0";
  if (len > max_entry_bytes)
    return fmt::format("an entry of {} bytes, the device takes at most {}", len, max_entry_bytes);
  if (bus != BUSMAP_INVALID && bus + len - 1 < bus)
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
    desc.push_back({bus[i], posting_for_ ? phys : 0, lens[i], posting_for_.has_value()});
    phys += lens[i];
  }
  // One xmit may post several descriptors: the next one goes on from here.
  if (posting_for_)
    posting_for_ = phys;
  tx_.push_back(std::move(desc));
  return 0;
}

int Device::post_rx(std::uint64_t bus, std::uint32_t len, std::string &why) {
  why = stopped_ ? "traffic is stopped" : refuse_entry(bus, len);
  if (!why.empty())
    return -1;
  rx_.push_back({bus, posting_for_.value_or(0), len, posting_for_.has_value()});
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
  std::erase_if(rx_, [](const PostedBuffer &b) { return b.bus == BUSMAP_INVALID; });
  return static_cast<int>(rx_.size());
}

} // namespace busmap

namespace busmap {

// The adapter asks the firmware for each HW page of the entry in turn: a
// transfer that crosses a page boundary inside one entry needs the next bus
// position to hold the next page too.
void Device::transfer(const PostedBuffer &entry, bool rx, bool at_stop, const Firmware &fw,
                      const Memory &mem) {
  const std::uint32_t shift = mem.config().hw_page_shift;
  const std::uint64_t mask = (std::uint64_t{1} << shift) - 1;
  std::uint64_t done = 0;
  while (done < entry.len) {
    DmaTransfer t;
    t.rx = rx;
    t.at_stop = at_stop;
    t.entry = entry;
    t.bus = entry.bus + done;
    t.posted = entry.phys + done;
    const std::uint64_t chunk = std::min<std::uint64_t>(entry.len - done, mask + 1 - (t.bus & mask));
    // The miss value is no MR's: the adapter fails the whole entry at once.
    done = entry.bus == BUSMAP_INVALID ? entry.len : done + chunk;
    const Firmware::Access a = fw.access(t.bus);
    if (a.mr) {
      t.mr = a.mr->handle;
      t.reach = !a.complete ? DmaTransfer::Reach::IncompleteMr
                : a.lands   ? DmaTransfer::Reach::Page
                            : DmaTransfer::Reach::NoPage;
      if (t.reach == DmaTransfer::Reach::Page) {
        t.landed = *a.lands;
        if (const Block *b = mem.containing(mem.section_of(t.landed)))
          t.landed_phase = b->phase;
      }
    }
    transfers_.push_back(std::move(t));
  }
}

std::size_t Device::read_tx(bool at_stop, const Firmware &fw, const Memory &mem) {
  std::size_t n = 0;
  for (const auto &desc : tx_)
    for (const auto &e : desc) {
      transfer(e, false, at_stop, fw, mem);
      ++n;
    }
  tx_.clear();
  return n;
}

std::size_t Device::perform(const Firmware &fw, const Memory &mem) {
  if (stopped_)
    return 0;
  std::size_t n = read_tx(false, fw, mem);
  for (const auto &e : rx_)
    transfer(e, true, false, fw, mem);
  n += rx_.size();
  rx_.clear();
  return n;
}

void Device::before_free(const MemoryRegion &mr) {
  if (stopped_)
    return;
  auto inside = [&](const PostedBuffer &e) {
    return e.bus >= mr.bus_start && e.bus - mr.bus_start < mr.length;
  };
  for (const auto &desc : tx_)
    for (const auto &e : desc)
      if (inside(e))
        unquiesced_.push_back({mr.handle, false, e});
  for (const auto &e : rx_)
    if (inside(e))
      unquiesced_.push_back({mr.handle, true, e});
}

bool Device::pins(std::uint64_t first, std::uint64_t end, std::uint32_t section_shift) const {
  auto in = [&](const PostedBuffer &e) {
    const std::uint64_t last = e.phys + std::min<std::uint64_t>(e.len - 1, ~e.phys);
    return e.from_stack && (e.phys >> section_shift) < end && (last >> section_shift) >= first;
  };
  for (const auto &desc : tx_)
    for (const auto &e : desc)
      if (in(e))
        return true;
  return std::any_of(rx_.begin(), rx_.end(), in);
}

void Device::reset() {
  tx_.clear();
  rx_.clear();
  stopped_ = false;
  posting_for_.reset();
}

} // namespace busmap
