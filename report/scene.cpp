// Collecting a Scene: the blocks, gigantic pages, MRs and translated runs
// of a layout or a live partition (see scene.hpp).
#include "report/scene.hpp"

#include "model/model.hpp"

#include <algorithm>

namespace busmap::report {
namespace {

/// Where the device ends up for a translation of `addr` to `bus`.
std::string device_view(const Firmware &fw, const PlatformConfig &c, std::uint64_t addr,
                        std::uint64_t bus) {
  const MemoryRegion *mr = fw.mr_at(bus);
  if (!mr || !mr->complete())
    return "wrong";
  const auto page = mr->page_at((bus - mr->bus_start) >> c.hw_page_shift);
  return page && *page == (addr >> c.hw_page_shift) ? "ok" : "wrong";
}

/// Sections holding a page registered in a live MR.
SectionSet registered_sections(const Firmware &fw, const PlatformConfig &c) {
  const std::uint32_t shift = c.section_shift - c.hw_page_shift;
  SectionSet s;
  for (const auto &[handle, mr] : fw.live_mrs())
    for (const auto &pages : mr.pages)
      s += SectionRange(pages.lower() >> shift, ((pages.upper() - 1) >> shift) + 1);
  return s;
}

void add_band(std::vector<Band> &bands, std::uint64_t section, std::uint64_t bus,
              std::string status, std::uint64_t section_size) {
  if (!bands.empty()) {
    Band &b = bands.back();
    if (b.end == section && b.status == status && b.bus + (b.end - b.first) * section_size == bus) {
      ++b.end;
      return;
    }
  }
  bands.push_back({section, section + 1, bus, std::move(status)});
}

} // namespace

Scene scene_of_layout(const Layout &layout) {
  Scene s;
  s.config = layout.config;
  s.status = "layout";
  for (const auto &b : layout.blocks) {
    const std::uint64_t first = b.base >> layout.config.section_shift;
    s.memory.push_back({first, first + b.sections, to_string(b.state)});
  }
  const std::uint32_t g = layout.config.gigantic_shift - layout.config.section_shift;
  for (auto base : layout.gigantic)
    s.gigantic.emplace_back(base >> layout.config.section_shift,
                            (base >> layout.config.section_shift) + (1ull << g));
  return s;
}

Scene scene_of_partition(Partition &part, Mode mode) {
  const PlatformConfig &c = part.config();
  const Memory &memory = part.memory();
  Scene s;
  s.config = c;
  s.has_bus_side = true;
  for (const auto &[first, block] : memory.blocks())
    s.memory.push_back({first, first + block.sections, to_string(block.phase)});
  for (const auto &g : memory.gigantic())
    s.gigantic.emplace_back(g.lower(), g.upper());
  for (const auto &[handle, mr] : part.firmware().live_mrs())
    s.mrs.push_back({handle, mr.bus_start, mr.length, mr.complete()});

  // Pages registered outside partition memory still get a place to be seen.
  SectionSet present = memory.assigned();
  const SectionSet registered = registered_sections(part.firmware(), c);
  for (const auto &r : registered)
    s.registered.emplace_back(r.lower(), r.upper());
  for (const auto &r : registered - present)
    s.memory.push_back({r.lower(), r.upper(), "absent-registered"});
  std::sort(s.memory.begin(), s.memory.end(),
            [](const PhysExtent &a, const PhysExtent &b) { return a.first < b.first; });
  if (!part.loaded())
    return s;

  const SectionSet live = model::dma_live(memory, mode) + model::lenient_window(memory, mode);
  for (const auto &extent : s.memory)
    for (std::uint64_t sec = extent.first; sec < extent.end; ++sec) {
      const std::uint64_t addr = memory.base_of(sec);
      const std::uint64_t bus = part.translate(addr);
      if (bus == BUSMAP_INVALID)
        continue;
      std::string status = device_view(part.firmware(), c, addr, bus);
      if (status == "ok" && !boost::icl::contains(live, sec))
        status = "stale";
      add_band(s.bands, sec, bus, std::move(status), c.section_size());
    }
  return s;
}

void mark_violation(Scene &scene, const Violation &violation) {
  scene.violation = violation;
  if (!violation.address)
    return;
  scene.failed_probe = FailedProbe{*violation.address, violation.answer.value_or(BUSMAP_INVALID)};
  const std::uint64_t section = *violation.address >> scene.config.section_shift;
  const bool drawn = std::any_of(scene.memory.begin(), scene.memory.end(), [&](const PhysExtent &m) {
    return m.first <= section && section < m.end;
  });
  if (drawn)
    return;
  scene.memory.push_back({section, section + 1, "absent"});
  std::sort(scene.memory.begin(), scene.memory.end(),
            [](const PhysExtent &a, const PhysExtent &b) { return a.first < b.first; });
}

} // namespace busmap::report
