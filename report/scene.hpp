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

/// A probed address the oracle rejected, and the driver's answer there
/// (BUSMAP_INVALID for a miss).
struct FailedProbe {
  std::uint64_t address, answer;
};

struct Scene {
  PlatformConfig config;
  std::string title;
  std::vector<PhysExtent> memory;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> gigantic; // section ranges
  std::vector<MrBox> mrs;
  std::vector<Band> bands;
  /// Sections holding a page registered in a live MR (the MR's coverage).
  std::vector<std::pair<std::uint64_t, std::uint64_t>> registered;
  bool has_bus_side = false;
  std::string status;  // "after step 3 of 7: offline 0x10000000", "layout"
  std::optional<Violation> violation;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> focus; // sections to outline
  std::optional<FailedProbe> failed_probe;
};

Scene scene_of_layout(const Layout &layout);
/// The partition as it is, probed through its loaded driver (if any).
Scene scene_of_partition(Partition &partition, Mode mode);

/// Sets the violation, and its probed address when it has one; an address
/// outside the memory drawn gets its section drawn as "absent", so an
/// exact-miss failure on memory that is not there is seen.
void mark_violation(Scene &scene, const Violation &violation);

void draw_svg(const Scene &scene, std::ostream &out);

} // namespace busmap::report

#endif // BUSMAP_REPORT_SCENE_HPP
