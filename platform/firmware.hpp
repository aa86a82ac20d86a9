//===- platform/firmware.hpp - the MR firmware -------------------*- C++ -*-===//
//
// The hypervisor side of Memory Regions, with the rules the real firmware
// enforces (DESIGN.md §1-2):
//
//  * h_alloc_mr(bus_start, length): refused (H_RESOURCE) when the length
//    exceeds partition memory or the adapter's MR limit is reached; a zero,
//    unaligned or overflowing range, or one overlapping a live MR's bus
//    range, is H_PARAMETER (a bus address must name one MR).
//  * h_register_pages: positional; at most max_rpages HW-page-aligned pages
//    of partition memory outside gigantic pages per call, the whole call
//    refused otherwise; H_PAGE_REGISTERED until the declared length is
//    reached, H_SUCCESS on the completing call, H_PARAMETER past it.
//  * h_free_mr of an unknown or already freed handle is H_PARAMETER and is
//    recorded as driver misuse (an MR freed twice).
//  * an injected fault answers a call without doing it.  A free that an
//    injected error other than busy refused leaves the MR *orphaned*: live
//    in the firmware, holding its pages, but no longer the driver's to
//    free (it cannot tell what the firmware did).  A busy answer is a
//    request to retry (Linux's H_IS_LONG_BUSY): the first orphans nothing,
//    a second busy answer to the retry orphans the MR, since a driver may
//    bound its retries (eHEA tries five times) and the firmware stayed busy.
//  * reclaim of a block is refused while a live MR holds one of its pages.
//
// Registrations are stored as extents, never page by page: a terabyte
// partition has hundreds of millions of HW pages.  Pages are HW page
// numbers (physical address >> hw_page_shift).
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PLATFORM_FIRMWARE_HPP
#define BUSMAP_PLATFORM_FIRMWARE_HPP

#include "busmap/driver.h"
#include "platform/fault.hpp"
#include "platform/memory.hpp"

#include <boost/icl/interval_map.hpp>
#include <boost/icl/interval_set.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace busmap {

using PageSet = SectionSet; // the same right-open interval sets, over HW page numbers

/// `count` HW pages registered at MR positions [position, position+count),
/// holding physical HW pages [phys_page, phys_page+count).
struct RegExtent {
  std::uint64_t position = 0;
  std::uint64_t phys_page = 0;
  std::uint64_t count = 0;
};

struct MemoryRegion {
  std::uint64_t handle = 0;
  std::uint64_t bus_start = 0;
  std::uint64_t length = 0;        // declared, bytes
  std::uint64_t declared_pages = 0;
  std::uint64_t registered_pages = 0;
  std::vector<RegExtent> extents; // in position order
  PageSet pages;                  // the physical HW pages it holds

  bool complete() const { return registered_pages == declared_pages; }
  /// The physical HW page registered at `position`, if any.
  std::optional<std::uint64_t> page_at(std::uint64_t position) const;
};

/// Which firmware rule refused a call: the oracle names the invariant a
/// failed load or veto came from by the rule that caused it.
enum class FirmwareRule {
  CallShape,       // bad pointer, alignment, empty range, too many pages in one call
  LengthOverMemory, // MR length above partition memory
  MrLimit,         // no MR left
  NotPartition,    // page outside partition memory
  InGigantic,      // page inside a gigantic page
  PastDeclared,    // more pages than the MR's declared length
  UnknownHandle,   // handle never allocated or already freed
  OrphanHeld,      // an orphan (see above) holds the MR slot or the bus range asked for
};

struct Refusal {
  FirmwareRule rule;
  std::string why;
};

/// H_BUSY or a PAPR long-busy code (9900-9905): "try again", which a
/// driver must retry; Linux tests it with H_IS_LONG_BUSY.
bool hcall_is_busy(std::int64_t code);

struct HcallCounts {
  std::uint64_t alloc_mr = 0, register_pages = 0, free_mr = 0;
  std::uint64_t total() const { return alloc_mr + register_pages + free_mr; }
};

class Firmware {
public:
  explicit Firmware(const Memory &memory);

  std::int64_t alloc_mr(std::uint64_t bus_start, std::uint64_t length, std::uint64_t *handle);
  std::int64_t register_pages(std::uint64_t handle, const std::uint64_t *pages, std::uint32_t count);
  std::int64_t free_mr(std::uint64_t handle);

  /// The nth firmware call from now (1 = the next) answers `code` and does
  /// nothing, and so do the count-1 after it (FaultPlan::Sticky: all).
  void arm_fault(std::uint32_t nth, std::int64_t code, std::uint32_t count = 1);
  bool fault_armed() const { return fault_.armed(); }
  std::uint64_t faults_consumed() const { return fault_.consumed(); }
  /// Live MRs whose free an injected non-busy error refused (see above).
  const std::set<std::uint64_t> &orphans() const { return orphans_; }
  bool orphaned(std::uint64_t handle) const { return orphans_.count(handle) != 0; }

  const std::map<std::uint64_t, MemoryRegion> &live_mrs() const { return mrs_; }
  /// The live MR whose bus range contains `bus`, or null.
  const MemoryRegion *mr_at(std::uint64_t bus) const;
  /// What the adapter finds for a device access at `bus` through the live
  /// MRs as they are now: the MR whose range holds it (null: none),
  /// whether that MR is complete, and the physical address of the page it
  /// registered there (none: no page at that position).
  struct Access {
    const MemoryRegion *mr = nullptr;
    bool complete = false;
    std::optional<std::uint64_t> lands;
  };
  Access access(std::uint64_t bus) const;
  /// The physical address a device access at `bus` reaches: none when no
  /// complete MR holds a page there (the adapter refuses it).
  std::optional<std::uint64_t> reached(std::uint64_t bus) const;
  /// Live MRs holding a page of the given sections.
  std::vector<std::uint64_t> holders(const SectionSet &sections) const;
  /// Physical HW pages registered in more than one place among live MRs.
  PageSet duplicated_pages() const;

  const HcallCounts &calls() const { return calls_; }
  /// Frees of unknown or freed handles and registrations to them, in words.
  const std::vector<std::string> &misuse() const { return misuse_; }
  /// Why the last refused call was refused.
  const std::string &last_error() const { return last_error_; }
  /// Every refusal (injected faults excluded), oldest first.
  const std::vector<Refusal> &refusals() const { return refusals_; }

private:
  bool take_fault(std::int64_t *code);
  std::int64_t refuse(std::int64_t code, FirmwareRule rule, std::string why);
  std::optional<Refusal> bad_page(std::uint64_t phys) const;
  std::uint64_t page_shift_in_section() const;

  const Memory &memory_;
  const PlatformConfig &config_; // the partition's, held by Memory
  std::map<std::uint64_t, MemoryRegion> mrs_;   // by handle
  std::map<std::uint64_t, std::uint64_t> by_bus_; // bus_start -> handle
  // phys page -> registrations among live MRs
  boost::icl::interval_map<std::uint64_t, unsigned, boost::icl::partial_absorber, std::less,
                           boost::icl::inplace_plus, boost::icl::inter_section,
                           boost::icl::right_open_interval<std::uint64_t, std::less>>
      refcount_;
  std::uint64_t next_handle_ = 1;
  std::map<std::uint64_t, bool> freed_handles_;
  HcallCounts calls_;
  FaultPlan fault_;
  std::int64_t fault_code_ = 0;
  std::set<std::uint64_t> orphans_;
  std::map<std::uint64_t, unsigned> busy_frees_; // injected busy answers to a free, by MR
  std::vector<std::string> misuse_;
  std::string last_error_;
  std::vector<Refusal> refusals_;
};

} // namespace busmap

#endif // BUSMAP_PLATFORM_FIRMWARE_HPP
