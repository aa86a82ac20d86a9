// The MR firmware; see firmware.hpp for the rules it enforces.  Each rule
// carries its [fw-...] tag of include/busmap/driver.h's firmware contract
// where it is enforced: tests/platform/firmware_contract_test.cpp fails
// when a refusal here has no tag, or a tag is missing from driver.h or
// docs/ORACLE.md.
#include "platform/firmware.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace busmap {

namespace icl = boost::icl;
using PageRange = PageSet::interval_type;

bool hcall_is_busy(std::int64_t code) {
  return code == BUSMAP_H_BUSY || (code >= 9900 && code <= 9905); // H_LONG_BUSY_ORDER_*
}

std::optional<std::uint64_t> MemoryRegion::page_at(std::uint64_t position) const {
  auto it = std::upper_bound(extents.begin(), extents.end(), position,
                             [](std::uint64_t p, const RegExtent &e) { return p < e.position; });
  if (it == extents.begin())
    return std::nullopt;
  --it;
  if (position - it->position >= it->count)
    return std::nullopt;
  return it->phys_page + (position - it->position);
}

Firmware::Firmware(const Memory &memory) : memory_(memory), config_(memory.config()) {}

std::uint64_t Firmware::page_shift_in_section() const {
  return config_.section_shift - config_.hw_page_shift;
}

bool Firmware::take_fault(std::int64_t *code) {
  if (!fault_.take())
    return false;
  *code = fault_code_;
  last_error_ = fmt::format("injected fault: answered {}", fault_code_);
  return true;
}

std::int64_t Firmware::refuse(std::int64_t code, FirmwareRule rule, std::string why) {
  last_error_ = why;
  refusals_.push_back({rule, std::move(why)});
  return code;
}

void Firmware::arm_fault(std::uint32_t nth, std::int64_t code, std::uint32_t count) {
  fault_.arm(nth, count);
  fault_code_ = code;
}

std::int64_t Firmware::alloc_mr(std::uint64_t bus_start, std::uint64_t length,
                                std::uint64_t *handle) {
  ++calls_.alloc_mr;
  // [fw-fault]
  if (std::int64_t code; take_fault(&code))
    return code;
  const std::uint64_t hw_mask = (1ull << config_.hw_page_shift) - 1;
  // [fw-alloc-shape]
  if (!handle)
    return refuse(BUSMAP_H_PARAMETER, FirmwareRule::CallShape, "alloc_mr: handle pointer is NULL");
  // [fw-alloc-shape]
  if (length == 0 || (length & hw_mask) || (bus_start & hw_mask))
    return refuse(BUSMAP_H_PARAMETER, FirmwareRule::CallShape,
                  fmt::format("alloc_mr: bus start {:#x} / length {:#x} not HW-page aligned or empty",
                              bus_start, length));
  // [fw-alloc-shape]
  if (length - 1 > ~0ull - bus_start)
    return refuse(BUSMAP_H_PARAMETER, FirmwareRule::CallShape,
                  fmt::format("alloc_mr: [{:#x}, +{:#x}) runs past the bus space", bus_start, length));
  const unsigned __int128 partition =
      static_cast<unsigned __int128>(memory_.assigned_sections()) << config_.section_shift;
  // [fw-alloc-length]
  if (length > partition)
    return refuse(BUSMAP_H_RESOURCE, FirmwareRule::LengthOverMemory,
                  fmt::format("alloc_mr: length {:#x} exceeds partition memory of {} sections",
                              length, memory_.assigned_sections()));
  // [fw-alloc-limit]
  if (mrs_.size() >= config_.max_mrs)
    return refuse(BUSMAP_H_RESOURCE,
                  orphans_.empty() ? FirmwareRule::MrLimit : FirmwareRule::OrphanHeld,
                  fmt::format("alloc_mr: the limit of {} MRs is reached{}", config_.max_mrs,
                              orphans_.empty() ? "" : ", orphans included"));
  const std::uint64_t last = bus_start + (length - 1);
  for (const auto &[h, mr] : mrs_)
    // [fw-alloc-overlap]
    if (bus_start <= mr.bus_start + (mr.length - 1) && mr.bus_start <= last)
      return refuse(BUSMAP_H_PARAMETER, orphaned(h) ? FirmwareRule::OrphanHeld : FirmwareRule::CallShape,
                    fmt::format("alloc_mr: bus range overlaps live {}MR {}",
                                orphaned(h) ? "orphaned " : "", h));
  MemoryRegion mr;
  mr.handle = next_handle_++;
  mr.bus_start = bus_start;
  mr.length = length;
  mr.declared_pages = length >> config_.hw_page_shift;
  by_bus_[bus_start] = mr.handle;
  *handle = mr.handle;
  mrs_.emplace(mr.handle, std::move(mr));
  return BUSMAP_H_SUCCESS;
}

std::optional<Refusal> Firmware::bad_page(std::uint64_t phys) const {
  // [fw-page-aligned]
  if (phys & ((1ull << config_.hw_page_shift) - 1))
    return Refusal{FirmwareRule::CallShape, fmt::format("page {:#x} is not HW-page aligned", phys)};
  const std::uint64_t section = phys >> config_.section_shift;
  // [fw-page-partition]
  if (!memory_.containing(section))
    return Refusal{FirmwareRule::NotPartition,
                   fmt::format("page {:#x} is not partition memory", phys)};
  // [fw-page-gigantic]
  if (memory_.is_gigantic_section(section))
    return Refusal{FirmwareRule::InGigantic, fmt::format("page {:#x} lies in a gigantic page", phys)};
  return std::nullopt;
}

std::int64_t Firmware::register_pages(std::uint64_t handle, const std::uint64_t *pages,
                                      std::uint32_t count) {
  ++calls_.register_pages;
  // [fw-fault]
  if (std::int64_t code; take_fault(&code))
    return code;
  auto it = mrs_.find(handle);
  if (it == mrs_.end()) {
    misuse_.push_back(fmt::format("h_register_pages on {} MR handle {}",
                                  freed_handles_.count(handle) ? "freed" : "unknown", handle));
    // [fw-reg-handle]
    return refuse(BUSMAP_H_PARAMETER, FirmwareRule::UnknownHandle, misuse_.back());
  }
  MemoryRegion &mr = it->second;
  // [fw-reg-shape]
  if (count == 0 || count > config_.max_rpages || !pages)
    return refuse(BUSMAP_H_PARAMETER, FirmwareRule::CallShape,
                  fmt::format("h_register_pages: {} pages (1..{} allowed)", count, config_.max_rpages));
  // [fw-reg-past-declared]
  if (count > mr.declared_pages - mr.registered_pages)
    return refuse(BUSMAP_H_PARAMETER, FirmwareRule::PastDeclared,
                  fmt::format("h_register_pages: {} pages past the declared length of MR {} "
                              "({} of {} registered)",
                              count, handle, mr.registered_pages, mr.declared_pages));
  // Validate per run of consecutive pages, then commit the whole call.  A
  // page that follows the one before it within a section is as valid as the
  // run's first: only the first of each run is looked up (a registration is
  // millions of pages, and this loop is most of the time of a big case).
  const std::uint32_t page_shift = config_.hw_page_shift;
  const std::uint64_t page_bytes = 1ull << page_shift;
  const std::uint64_t in_section = (1ull << config_.section_shift) - 1;
  std::vector<RegExtent> runs;
  for (std::uint32_t i = 0; i < count;) {
    // [fw-page-aligned] [fw-page-partition] [fw-page-gigantic], in bad_page()
    if (auto bad = bad_page(pages[i]))
      return refuse(BUSMAP_H_PARAMETER, bad->rule, "h_register_pages: " + bad->why);
    std::uint32_t end = i + 1;
    while (end < count && pages[end] == pages[end - 1] + page_bytes && (pages[end] & in_section) != 0)
      ++end;
    runs.push_back({mr.registered_pages + i, pages[i] >> page_shift, end - i});
    i = end;
  }
  for (const auto &r : runs) {
    auto &last = mr.extents;
    if (!last.empty() && last.back().position + last.back().count == r.position &&
        last.back().phys_page + last.back().count == r.phys_page)
      last.back().count += r.count;
    else
      last.push_back(r);
    const auto range = PageRange(r.phys_page, r.phys_page + r.count);
    mr.pages += range;
    refcount_ += std::make_pair(range, 1u);
  }
  mr.registered_pages += count;
  // [fw-reg-positional]
  return mr.complete() ? BUSMAP_H_SUCCESS : BUSMAP_H_PAGE_REGISTERED;
}

std::int64_t Firmware::free_mr(std::uint64_t handle) {
  ++calls_.free_mr;
  // [fw-fault] [fw-free-busy] [fw-free-error]
  if (std::int64_t code; take_fault(&code)) {
    // Busy: the driver's to retry; once it has retried and heard busy again,
    // giving up is a bounded retry's right.  Any other error orphans at once.
    if (mrs_.count(handle) && (!hcall_is_busy(code) || ++busy_frees_[handle] >= 2))
      orphans_.insert(handle);
    return code;
  }
  auto it = mrs_.find(handle);
  if (it == mrs_.end()) {
    misuse_.push_back(freed_handles_.count(handle)
                          ? fmt::format("MR {} freed twice", handle)
                          : fmt::format("h_free_mr of MR handle {}, which was never allocated", handle));
    // [fw-free-handle]
    return refuse(BUSMAP_H_PARAMETER, FirmwareRule::UnknownHandle, misuse_.back());
  }
  for (const auto &e : it->second.extents)
    refcount_ -= std::make_pair(
        PageRange(e.phys_page, e.phys_page + e.count), 1u);
  by_bus_.erase(it->second.bus_start);
  freed_handles_[handle] = true;
  orphans_.erase(handle); // a later free that went through: the driver's after all
  busy_frees_.erase(handle);
  mrs_.erase(it);
  return BUSMAP_H_SUCCESS;
}

const MemoryRegion *Firmware::mr_at(std::uint64_t bus) const {
  auto it = by_bus_.upper_bound(bus);
  if (it == by_bus_.begin())
    return nullptr;
  --it;
  const MemoryRegion &mr = mrs_.at(it->second);
  return bus - mr.bus_start < mr.length ? &mr : nullptr;
}

Firmware::Access Firmware::access(std::uint64_t bus) const {
  Access a;
  a.mr = mr_at(bus);
  if (!a.mr)
    return a;
  a.complete = a.mr->complete();
  const std::uint32_t shift = config_.hw_page_shift;
  if (const auto page = a.mr->page_at((bus - a.mr->bus_start) >> shift))
    a.lands = (*page << shift) | (bus & ((std::uint64_t{1} << shift) - 1));
  return a;
}

std::optional<std::uint64_t> Firmware::reached(std::uint64_t bus) const {
  const Access a = access(bus);
  return a.complete ? a.lands : std::nullopt;
}

std::vector<std::uint64_t> Firmware::holders(const SectionSet &sections) const {
  const std::uint64_t shift = page_shift_in_section();
  PageSet pages;
  for (const auto &r : sections)
    pages += PageRange(r.lower() << shift, r.upper() << shift);
  std::vector<std::uint64_t> out;
  for (const auto &[h, mr] : mrs_)
    if (icl::intersects(mr.pages, pages))
      out.push_back(h);
  return out;
}

PageSet Firmware::duplicated_pages() const {
  PageSet dup;
  for (const auto &[range, n] : refcount_)
    if (n > 1)
      dup += PageRange(range.lower(), range.upper());
  return dup;
}

} // namespace busmap
