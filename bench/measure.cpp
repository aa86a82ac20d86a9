// The measurements of measure.hpp.  Baselines are written plainly, as the
// structures they stand for are usually written.
#include "bench/measure.hpp"

#include "busmap/layout_arith.hpp"
#include "impl/bare_platform.hpp"
#include "impl/drivers.hpp"

#include <algorithm>
#include <chrono>
#include <random>

namespace busmap::bench {
namespace {

constexpr std::uint32_t Shift = SectionShift;
constexpr std::uint64_t BusStart = 0x8000000000000000ull, Miss = ~0ull;

std::uint64_t bus(std::uint64_t rank, std::uint64_t addr) {
  return arith::bus_address(BusStart, rank, std::uint64_t{Shift}, addr);
}

std::vector<std::uint64_t> sections_of(const BenchLayout &l) {
  std::vector<std::uint64_t> v;
  for (auto [first, count] : l.ranges)
    for (std::uint64_t i = 0; i < count; ++i)
      v.push_back(first + i);
  return v;
}

/// Sorted array of present sections; the rank is the index.
struct BinarySearch final : Variant {
  std::vector<std::uint64_t> s;
  explicit BinarySearch(const BenchLayout &l) : s(sections_of(l)) {}
  std::uint64_t translate(std::uint64_t addr) const override {
    const std::uint64_t sec = addr >> Shift;
    auto it = std::lower_bound(s.begin(), s.end(), sec);
    return it != s.end() && *it == sec ? bus(std::uint64_t(it - s.begin()), addr) : Miss;
  }
  std::uint64_t footprint_bytes() const override { return s.capacity() * sizeof s[0]; }
};

/// SPDK-style two-level table over a 48-bit address space: 4096 pointers
/// to leaves of 4096 32-bit slots.  Addresses at or above 2^48 miss, as in
/// SPDK (its map covers 256 TiB).
struct TwoLevel final : Variant {
  static constexpr unsigned Bits = 12;
  std::vector<std::unique_ptr<std::uint32_t[]>> top{1u << Bits};
  std::uint64_t leaves = 0;
  explicit TwoLevel(const BenchLayout &l) {
    std::uint32_t rank = 0;
    for (std::uint64_t sec : sections_of(l)) {
      if (sec >> (2 * Bits))
        continue;
      auto &leaf = top[sec >> Bits];
      if (!leaf) {
        leaf.reset(new std::uint32_t[1u << Bits]);
        std::fill_n(leaf.get(), 1u << Bits, ~0u);
        ++leaves;
      }
      leaf[sec & ((1u << Bits) - 1)] = rank++;
    }
  }
  std::uint64_t translate(std::uint64_t addr) const override {
    const std::uint64_t sec = addr >> Shift;
    if (sec >> (2 * Bits))
      return Miss;
    const std::uint32_t *leaf = top[sec >> Bits].get();
    const std::uint32_t slot = leaf ? leaf[sec & ((1u << Bits) - 1)] : ~0u;
    return slot == ~0u ? Miss : bus(slot, addr);
  }
  std::uint64_t footprint_bytes() const override {
    return (top.size() * sizeof(void *)) + leaves * (4u << Bits);
  }
};

/// One 32-bit slot per section up to the highest: the one-load floor.
struct Flat final : Variant {
  std::vector<std::uint32_t> t;
  explicit Flat(const BenchLayout &l) {
    const auto s = sections_of(l);
    t.assign(s.back() + 1, ~0u);
    for (std::size_t i = 0; i < s.size(); ++i)
      t[s[i]] = static_cast<std::uint32_t>(i);
  }
  std::uint64_t translate(std::uint64_t addr) const override {
    const std::uint64_t sec = addr >> Shift;
    const std::uint32_t slot = sec < t.size() ? t[sec] : ~0u;
    return slot == ~0u ? Miss : bus(slot, addr);
  }
  std::uint64_t footprint_bytes() const override { return t.capacity() * 4; }
};

/// A built-in driver loaded through the C ABI on the bare platform.  Its
/// MR uses one HW page per section, so loading measures the map build.
struct Driver final : Variant {
  const busmap_driver &d;
  impl::BarePlatform plat;
  void *inst = nullptr;
  double build_us = 0;
  Driver(const busmap_driver &drv, const BenchLayout &l) : d(drv), plat(l.ranges, Shift) {
    plat.abi().hw_page_shift = Shift;
    const auto t0 = std::chrono::steady_clock::now();
    inst = d.load(&plat.abi());
    build_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                   .count();
  }
  ~Driver() override {
    if (inst)
      d.unload(inst);
  }
  std::uint64_t translate(std::uint64_t addr) const override { return d.translate(inst, addr); }
  std::uint64_t footprint_bytes() const override { return plat.live_bytes(); }
};

template <class T> std::unique_ptr<Variant> make(const BenchLayout &l) {
  return std::make_unique<T>(l);
}
std::unique_ptr<Variant> make_flat(const BenchLayout &l) {
  if (l.ranges.back().first + l.ranges.back().second > (64ull << 20)) // > 256 MiB table
    return nullptr;
  return std::make_unique<Flat>(l);
}
template <const busmap_driver &D> std::unique_ptr<Variant> make_driver(const BenchLayout &l) {
  // eHEA renumbers its whole table after every block it adds, so loading
  // thousands of blocks is quadratic (minutes): only small block counts.
  if (&D == &drivers::ehea && l.ranges.size() > 64)
    return nullptr;
  auto v = std::make_unique<Driver>(D, l);
  return v->inst ? std::move(v) : nullptr;
}

/// Firmware calls of one hot-add of a 256 MiB block above the layout, with
/// real 4 KiB HW pages.  Measured up to 64 GiB; above, the per-event page
/// list would take seconds to generate, so the count is computed from the
/// same rule (1 free + 1 alloc + ceil(pages / 512)) and docs say so.
double hcalls_per_event(const busmap_driver &d, const BenchLayout &l) {
  const std::uint64_t add_first = (l.ranges.back().first + l.ranges.back().second + 15) & ~15ull;
  if (add_first + 16 > (1ull << (64 - Shift)))
    return -1; // a layout that ends at the top of memory leaves no room above it
  if (l.present_bytes > (64ull << 30)) {
    const std::uint64_t pages = ((l.present_bytes >> Shift) + 16) << (Shift - 12);
    return 2.0 + double((pages + 511) / 512);
  }
  impl::BarePlatform plat(l.ranges, Shift);
  void *inst = d.load(&plat.abi());
  if (!inst)
    return -1;
  plat.reset_calls();
  const std::uint32_t to_pages = Shift - plat.abi().page_shift;
  d.notify(inst, BUSMAP_MEM_GOING_ONLINE, add_first << to_pages, 16ull << to_pages);
  d.notify(inst, BUSMAP_MEM_ONLINE, add_first << to_pages, 16ull << to_pages);
  const auto &c = plat.calls();
  const double n = double(c.alloc_mr + c.register_pages + c.free_mr);
  d.unload(inst);
  return n;
}

} // namespace

BenchLayout make_layout(const std::string &kind, std::uint64_t present_bytes) {
  BenchLayout l{kind, present_bytes, {}};
  const std::uint64_t sections = present_bytes >> Shift;
  if (kind == "dense") {
    l.ranges.push_back({0, sections});
    return l;
  }
  // 256 MiB blocks, one per 64 GiB, the last section far away at 2^60.
  const std::uint64_t blocks = (sections - 1) / 16;
  for (std::uint64_t b = 0; b < blocks; ++b)
    l.ranges.push_back({b * (64ull << 30 >> Shift), 16});
  const std::uint64_t rest = sections - 1 - blocks * 16;
  if (rest)
    l.ranges.push_back({blocks * (64ull << 30 >> Shift), rest});
  l.ranges.push_back({(1ull << 60) >> Shift, 1});
  return l;
}

const std::vector<VariantInfo> &variants() {
  static const std::vector<VariantInfo> v = {
      {"radix", make_driver<drivers::radix>, true},
      {"ehea", make_driver<drivers::ehea>, true},
      {"binary-search", make<BinarySearch>, false},
      {"radix2-spdk", make<TwoLevel>, false},
      {"flat-table", make_flat, false},
  };
  return v;
}

std::vector<std::uint64_t> probe_addresses(const BenchLayout &l, std::size_t n) {
  const auto secs = sections_of(l);
  std::mt19937_64 rng(42);
  std::vector<std::uint64_t> a(n);
  for (auto &x : a)
    x = (secs[rng() % secs.size()] << Shift) | (rng() & ((1ull << Shift) - 1));
  return a;
}

double time_independent(const Variant &v, const std::vector<std::uint64_t> &addrs, int repeats) {
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    std::uint64_t sink = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (std::uint64_t a : addrs)
      sink += v.translate(a);
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0)
                          .count();
    volatile std::uint64_t keep = sink;
    (void)keep;
    best = std::min(best, ns / double(addrs.size()));
  }
  return best;
}

double time_dependent(const Variant &v, const std::vector<std::uint64_t> &addrs, int repeats) {
  const std::size_t mask = addrs.size() - 1; // a power of two
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    std::size_t j = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < addrs.size(); ++i)
      j = (j + 1 + (v.translate(addrs[j]) & 1)) & mask; // next lookup waits for this one
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0)
                          .count();
    volatile std::size_t keep = j;
    (void)keep;
    best = std::min(best, ns / double(addrs.size()));
  }
  return best;
}

namespace {

/// The row of variant `v` (built over `l`) under `name`.
Result measure(const Options &o, const BenchLayout &l, const std::vector<std::uint64_t> &addrs,
               const std::string &name, const Variant &v, const Driver *driver) {
  Result r{name, l.kind, l.present_bytes};
  r.ns_per_translate = time_independent(v, addrs, o.repeats);
  r.ns_per_translate_dependent = time_dependent(v, addrs, o.repeats);
  r.footprint_bytes = v.footprint_bytes();
  if (driver) {
    r.update_us = driver->build_us;
    r.hcalls_per_event = hcalls_per_event(driver->d, l);
  }
  return r;
}

} // namespace

std::vector<Result> run_layout(const Options &o, const BenchLayout &l,
                               void (*progress)(const std::string &)) {
  std::vector<Result> out;
  const auto addrs = probe_addresses(l, o.lookups);
  for (const auto &vi : variants()) {
    if (progress)
      progress(std::string(vi.name) + " " + l.kind + " " + std::to_string(l.present_bytes >> 30) +
               " GiB");
    auto v = vi.build(l);
    if (!v)
      continue;
    out.push_back(measure(o, l, addrs, vi.name, *v,
                          vi.is_driver ? static_cast<const Driver *>(v.get()) : nullptr));
  }
  return out;
}

std::optional<Result> measure_driver(const Options &o, const BenchLayout &l,
                                     const busmap_driver &driver, const std::string &name) {
  const Driver d(driver, l);
  if (!d.inst)
    return std::nullopt;
  return measure(o, l, probe_addresses(l, o.lookups), name, d, &d);
}

std::vector<Result> run_all(const Options &o, void (*progress)(const std::string &)) {
  std::vector<Result> out;
  for (const char *kind : {"dense", "sparse"})
    for (std::uint64_t size : o.sizes) {
      auto some = run_layout(o, make_layout(kind, size), progress);
      out.insert(out.end(), some.begin(), some.end());
    }
  return out;
}

} // namespace busmap::bench
