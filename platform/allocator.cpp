// The accounted kernel allocator; see allocator.hpp.
#include "platform/allocator.hpp"

#include "platform/driver_heap.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace busmap {

KernelAllocator::~KernelAllocator() { release_all(); }

void *KernelAllocator::allocate(std::size_t bytes) {
  ++allocations_;
  largest_request_ = std::max<std::uint64_t>(largest_request_, bytes);
  if (fault_.take())
    return nullptr;
  if (bytes > max_alloc_bytes_)
    return nullptr;
  if (bytes > total_limit_ - std::min(live_bytes_, total_limit_)) {
    const std::uint64_t wanted = bytes > ~live_bytes_ ? ~std::uint64_t{0} : live_bytes_ + bytes;
    refused_total_ = std::max(refused_total_, wanted);
    return nullptr;
  }
  void *p = std::calloc(1, bytes == 0 ? 1 : bytes);
  if (!p)
    return nullptr;
  live_.emplace(p, bytes);
  freed_.erase(p);
  live_bytes_ += bytes;
  peak_bytes_ = std::max(peak_bytes_, live_bytes_);
  return p;
}

void KernelAllocator::release(void *p) {
  if (!p)
    return;
  auto it = live_.find(p);
  if (it == live_.end()) {
    misuse_.push_back(freed_.count(p) ? fmt::format("double free of {}", p)
                                      : fmt::format("free of {}, which the allocator never handed out", p));
    return;
  }
  const std::size_t bytes = it->second;
  live_bytes_ -= bytes;
  live_.erase(it);
  freed_.emplace(p, true);
  quarantine(p, bytes);
}

// Poisons a freed block and holds it back from reuse (see allocator.hpp).
void KernelAllocator::quarantine(void *p, std::size_t bytes) {
  if (driver_heap::asan_owns_heap()) {
    std::free(p);
    return;
  }
  std::memset(p, Poison, bytes);
  quarantine_.push_back(p);
  if (quarantine_.size() > QuarantineBlocks) {
    std::free(quarantine_.front());
    quarantine_.pop_front();
  }
}

void KernelAllocator::reset_peak() {
  peak_bytes_ = live_bytes_;
  largest_request_ = 0;
  refused_total_ = 0;
}

void KernelAllocator::release_all() {
  for (auto &[p, bytes] : live_)
    std::free(p);
  live_.clear();
  for (void *p : quarantine_)
    std::free(p);
  quarantine_.clear();
  live_bytes_ = 0;
}

} // namespace busmap
