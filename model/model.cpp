// The reference model; see model.hpp.
#include "model/model.hpp"

#include "busmap/layout_arith.hpp"

namespace busmap::model {

SectionSet dma_live(const Memory &memory, Mode mode) {
  return mode == Mode::Strict ? memory.in_phase({Phase::GoingOnline, Phase::Online})
                              : memory.in_phase({Phase::Online});
}

SectionSet lenient_window(const Memory &memory, Mode mode) {
  return mode == Mode::Lenient ? memory.in_phase({Phase::GoingOnline}) : SectionSet{};
}

SectionSet must_map(const Memory &memory, Mode mode) {
  return dma_live(memory, mode) - memory.gigantic();
}

SectionSet migrating(const Memory &memory) { return memory.in_phase({Phase::GoingOffline}); }

CanonicalLayout::CanonicalLayout(SectionSet mapped, const PlatformConfig &config)
    : mapped_(std::move(mapped)), config_(config) {
  for (const auto &r : mapped_)
    count_ += r.upper() - r.lower();
}

std::optional<std::uint64_t> CanonicalLayout::rank(std::uint64_t section) const {
  std::uint64_t below = 0;
  for (const auto &r : mapped_) {
    if (section < r.lower())
      return std::nullopt;
    if (section < r.upper())
      return below + (section - r.lower());
    below += r.upper() - r.lower();
  }
  return std::nullopt;
}

std::uint64_t CanonicalLayout::translate(std::uint64_t addr) const {
  const std::uint64_t shift = config_.section_shift;
  const auto slot = rank(arith::section_of(addr, shift));
  return arith::translate_slot(config_.bus_start, slot.value_or(arith::miss(addr)), shift, addr);
}

std::uint64_t CanonicalLayout::mr_length() const {
  return arith::mr_length(count_, std::uint64_t{config_.section_shift});
}

int expected_answer(std::uint32_t driver_flags, busmap_mem_action action) {
  const bool going = action == BUSMAP_MEM_GOING_ONLINE || action == BUSMAP_MEM_GOING_OFFLINE;
  return going && (driver_flags & BUSMAP_DRIVER_REJECTS_HOTPLUG) ? BUSMAP_NOTIFY_BAD
                                                                  : BUSMAP_NOTIFY_OK;
}

std::uint64_t footprint_bound(const PlatformConfig &config, std::uint64_t sections) {
  const unsigned __int128 bound =
      config.footprint_base + static_cast<unsigned __int128>(config.footprint_per_hw_page) *
                                  config.hw_pages_per_section() * sections;
  return bound >> 64 ? ~0ull : static_cast<std::uint64_t>(bound);
}

} // namespace busmap::model
