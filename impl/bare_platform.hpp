//===- impl/bare_platform.hpp - a platform without the oracle ----*- C++ -*-===//
//
// A minimal `struct busmap_platform` for measuring a driver rather than
// judging it: calloc with a byte count, walk_ram over a fixed list of
// section ranges, and a firmware that only counts calls and answers
// H_PAGE_REGISTERED / H_SUCCESS by the declared length.  The benchmarks use
// it so that firmware time is excluded, and the radix driver's tests use it
// for layouts (1 TiB) whose page-exact simulation would be needlessly slow.
// It checks nothing: correctness is the oracle's job (platform/).
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_IMPL_BARE_PLATFORM_HPP
#define BUSMAP_IMPL_BARE_PLATFORM_HPP

#include "busmap/driver.h"

#include <cstdint>
#include <cstdlib>
#include <unordered_map>
#include <functional>
#include <utility>
#include <vector>

namespace busmap::impl {

class BarePlatform {
public:
  struct Calls {
    std::uint64_t alloc_mr = 0, register_pages = 0, free_mr = 0;
  };

  /// Online memory as [first section, first + count) ranges, ascending.
  BarePlatform(std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges,
               std::uint32_t section_shift = 24, std::uint32_t page_shift = 16)
      : ranges_(std::move(ranges)) {
    abi_.ctx = this;
    abi_.section_shift = section_shift;
    abi_.page_shift = page_shift;
    abi_.hw_page_shift = 12;
    abi_.max_rpages = 512;
    abi_.max_mrs = 2;
    abi_.bus_start = 0x8000000000000000ull;
    abi_.alloc = [](void *ctx, size_t bytes) -> void * {
      auto &self = *static_cast<BarePlatform *>(ctx);
      void *p = std::calloc(1, bytes);
      if (p) {
        self.sizes_[p] = bytes;
        self.live_bytes_ += bytes;
      }
      return p;
    };
    abi_.free = [](void *ctx, void *p) {
      auto &self = *static_cast<BarePlatform *>(ctx);
      self.live_bytes_ -= self.sizes_[p];
      self.sizes_.erase(p);
      std::free(p);
    };
    abi_.log = [](void *, int, const char *) {};
    abi_.walk_ram = [](void *ctx, int (*cb)(void *, std::uint64_t, std::uint64_t), void *arg) {
      auto &self = *static_cast<BarePlatform *>(ctx);
      const std::uint32_t to_pages = self.abi_.section_shift - self.abi_.page_shift;
      for (auto [first, count] : self.ranges_)
        if (int rc = cb(arg, first << to_pages, count << to_pages))
          return rc;
      return 0;
    };
    abi_.is_gigantic = [](void *, std::uint64_t) { return 0; };
    // ABI 2: every listed range is online, no hotplug runs, no data path.
    abi_.is_online = [](void *, std::uint64_t) { return 1; };
    abi_.get_online_mems = [](void *) {};
    abi_.put_online_mems = [](void *) {};
    // A device with no traffic: nothing is ever posted, so quiescing is free.
    abi_.max_sg = 16;
    abi_.post_tx = [](void *, const std::uint64_t *, const std::uint32_t *, std::uint32_t) {
      return -1;
    };
    abi_.post_rx = [](void *, std::uint64_t, std::uint32_t) { return -1; };
    abi_.stop_traffic = [](void *ctx) {
      if (auto &stop = static_cast<BarePlatform *>(ctx)->stop_traffic_)
        stop();
    };
    abi_.start_traffic = [](void *ctx) {
      if (auto &start = static_cast<BarePlatform *>(ctx)->start_traffic_)
        start();
    };
    abi_.rewrite_rx = [](void *, std::uint64_t (*)(void *, std::uint64_t), void *) { return 0; };
    // One thread, no hotplug: a lock is a flag, a read section ends before
    // any update could wait for it.
    abi_.lock = [](void *, std::uint32_t *word) { *word = 1; };
    abi_.unlock = [](void *, std::uint32_t *word) { *word = 0; };
    abi_.rcu_read_lock = [](void *) {};
    abi_.rcu_read_unlock = [](void *) {};
    abi_.synchronize_rcu = [](void *) {};
    abi_.h_alloc_mr = [](void *ctx, std::uint64_t, std::uint64_t length, std::uint64_t *handle) {
      auto &self = *static_cast<BarePlatform *>(ctx);
      ++self.calls_.alloc_mr;
      self.declared_pages_ = length >> self.abi_.hw_page_shift;
      self.registered_pages_ = 0;
      *handle = 1;
      return std::int64_t{BUSMAP_H_SUCCESS};
    };
    abi_.h_register_pages = [](void *ctx, std::uint64_t, const std::uint64_t *, std::uint32_t n) {
      auto &self = *static_cast<BarePlatform *>(ctx);
      ++self.calls_.register_pages;
      self.registered_pages_ += n;
      return std::int64_t{self.registered_pages_ >= self.declared_pages_
                              ? BUSMAP_H_SUCCESS
                              : BUSMAP_H_PAGE_REGISTERED};
    };
    abi_.h_free_mr = [](void *ctx, std::uint64_t) {
      ++static_cast<BarePlatform *>(ctx)->calls_.free_mr;
      return std::int64_t{BUSMAP_H_SUCCESS};
    };
  }
  BarePlatform(const BarePlatform &) = delete;
  BarePlatform &operator=(const BarePlatform &) = delete;

  const busmap_platform &abi() const { return abi_; }
  busmap_platform &abi() { return abi_; }
  std::uint64_t live_bytes() const { return live_bytes_; }
  const Calls &calls() const { return calls_; }
  void reset_calls() { calls_ = {}; }
  /// What stop_traffic() and start_traffic() do (nothing by default: no
  /// traffic); the racing benchmark gates its reader thread with them.
  void on_traffic(std::function<void()> stop, std::function<void()> start) {
    stop_traffic_ = std::move(stop);
    start_traffic_ = std::move(start);
  }

private:
  busmap_platform abi_{};
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges_;
  std::unordered_map<void *, std::size_t> sizes_;
  std::uint64_t live_bytes_ = 0;
  Calls calls_;
  std::uint64_t declared_pages_ = 0, registered_pages_ = 0;
  std::function<void()> stop_traffic_, start_traffic_;
};

} // namespace busmap::impl

#endif // BUSMAP_IMPL_BARE_PLATFORM_HPP
