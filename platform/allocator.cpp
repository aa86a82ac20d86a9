// The accounted kernel allocator; see allocator.hpp.
#include "platform/allocator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

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
  live_bytes_ -= it->second;
  live_.erase(it);
  freed_.emplace(p, true);
  std::free(p);
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
  live_bytes_ = 0;
}

} // namespace busmap
