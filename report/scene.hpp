//===- report/scene.hpp - what a picture shows --------------------*- C++ -*-===//
//
// The renderer works in two steps: a Scene is collected from a Layout or a
// live Partition (plain data: extents in section units, MRs, translated
// runs), then drawn.  Keeping the collection apart keeps the SVG code free
// of platform knowledge and lets tests look at what was collected.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_REPORT_SCENE_HPP
#define BUSMAP_REPORT_SCENE_HPP

#include "platform/partition.hpp"
#include "properties/oracle.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace busmap::report {

/// Sections [first, end) of physical memory in one state.
struct PhysExtent {
  std::uint64_t first, end;
  std::string phase; // absent-registered, offline, going-online, online, going-offline
};

struct MrBox {
  std::uint64_t handle, bus_start, length;
  bool complete;
};

/// A run of sections [first, end) translated to consecutive bus addresses
/// from `bus`; `status` says whether the device sees what the driver says.
struct Band {
  std::uint64_t first, end, bus;
  std::string status; // ok, wrong (device view differs), stale (not DMA-live)
};

struct Scene {
  PlatformConfig config;
  std::string title;
  std::vector<PhysExtent> memory;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> gigantic; // section ranges
  std::vector<MrBox> mrs;
  std::vector<Band> bands;
  bool has_bus_side = false;
  std::string status;  // "after step 3 of 7: offline 0x10000000", "layout"
  std::optional<Violation> violation;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> focus; // sections to outline
};

Scene scene_of_layout(const Layout &layout);
/// The partition as it is, probed through its loaded driver (if any).
Scene scene_of_partition(Partition &partition, Mode mode);

void draw_svg(const Scene &scene, std::ostream &out);

} // namespace busmap::report

#endif // BUSMAP_REPORT_SCENE_HPP
