// The generators of properties/generators.hpp: layout classes drawn from
// run descriptions (a run is a stretch of equal memory blocks), step genes,
// and the concretizer that turns intents into operations on real addresses.
#include "properties/generators.hpp"

#include "busmap/driver.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <stdexcept>

namespace busmap {

namespace {

//===--------------------------------------------------------------------===//
// Small generator combinators.
//===--------------------------------------------------------------------===//

/// An index drawn by weight that shrinks toward 0, the simplest choice
/// (RapidCheck's weightedElement does not shrink at all).
rc::Gen<std::size_t> weighted_index(std::vector<unsigned> weights) {
  return [weights](const rc::Random &random, int) {
    unsigned total = 0;
    for (auto w : weights)
      total += w;
    auto roll = rc::Random(random).next() % total;
    std::size_t i = 0;
    while (roll >= weights[i])
      roll -= weights[i++];
    return rc::shrinkable::shrinkRecur(
        i, [](std::size_t x) { return rc::shrink::towards<std::size_t>(x, 0); });
  };
}

template <class T> rc::Gen<T> weighted(std::vector<std::pair<unsigned, T>> choices) {
  std::vector<unsigned> weights;
  for (auto &c : choices)
    weights.push_back(c.first);
  return rc::gen::map(weighted_index(weights), [choices](std::size_t i) { return choices[i].second; });
}

template <class T> rc::Gen<T> weighted_gen(std::vector<std::pair<unsigned, rc::Gen<T>>> choices) {
  std::vector<unsigned> weights;
  for (auto &c : choices)
    weights.push_back(c.first);
  return rc::gen::mapcat(weighted_index(weights),
                         [choices](std::size_t i) { return choices[i].second; });
}

/// Integers in [lo, hi], whatever the generation size (RapidCheck scales
/// ranges by size; a layout or a fault distance should not depend on it).
template <class T> rc::Gen<T> between(T lo, T hi) {
  return rc::gen::resize(rc::kNominalSize, rc::gen::inRange<T>(lo, hi + 1));
}

/// A list of [lo, hi] elements that shrinks by removing elements.
template <class T> rc::Gen<std::vector<T>> list_of(std::size_t lo, std::size_t hi, rc::Gen<T> g) {
  auto elems = rc::gen::resize(rc::kNominalSize, std::move(g));
  return rc::gen::suchThat(
      rc::gen::resize(static_cast<int>(hi), rc::gen::container<std::vector<T>>(elems)),
      [lo](const std::vector<T> &v) { return v.size() >= lo; });
}

//===--------------------------------------------------------------------===//
// Configurations: a geometry of the profile and the firmware's settings.
//===--------------------------------------------------------------------===//

/// One of `values`, most often the first (the common one), shrinking to it.
template <class T> rc::Gen<T> common_first(const std::vector<T> &values) {
  std::vector<std::pair<unsigned, T>> choices;
  for (std::size_t i = 0; i < values.size(); ++i)
    choices.emplace_back(i == 0 ? 6u : 1u, values[i]);
  return weighted(std::move(choices));
}

/// A setting of SettingRange: mostly the common value; else the lowest,
/// half the common value (a different chunking), or anything in range
/// (aligned); shrinks toward the common value.
rc::Gen<std::uint64_t> setting_gen(const SettingRange &r) {
  const std::uint64_t lo = r.generated_lo();
  const std::uint64_t steps = (r.hi - lo) / r.align;
  auto any = rc::gen::map(between<std::uint64_t>(0, steps),
                          [lo, r](std::uint64_t k) { return lo + k * r.align; });
  const std::uint64_t half = std::max(lo, r.common / 2 / r.align * r.align);
  return weighted_gen<std::uint64_t>({{12, rc::gen::just(r.common)},
                                      {2, rc::gen::just(half)},
                                      {1, rc::gen::just(lo)},
                                      {3, std::move(any)}});
}

/// Overrides are PlatformConfig settings (profile.hpp get/set_setting).
PlatformConfig with_overrides(PlatformConfig c, const std::vector<ConfigOverride> &overrides) {
  for (const auto &o : overrides)
    set_setting(c, o.key, o.value);
  return c;
}

/// The profile's configurations for a class of `family` ("" any), with
/// every setting varied and `overrides` applied; nullopt when no geometry
/// of the profile fits both.
std::optional<rc::Gen<PlatformConfig>> gen_config(const Profile &profile, std::string_view family,
                                                  const std::vector<ConfigOverride> &overrides) {
  std::vector<std::pair<unsigned, rc::Gen<PlatformConfig>>> per_geometry;
  for (const auto &g : profile.geometries) {
    if (!family.empty() && family != g.family)
      continue;
    if (!profile.admits(with_overrides(common_config(profile, g), overrides)).empty())
      continue;
    std::vector<rc::Gen<std::uint64_t>> settings;
    for (const auto &r : profile.settings)
      settings.push_back(setting_gen(r));
    auto gen = rc::gen::map(
        rc::gen::tuple(common_first(g.hw_page_shifts), common_first(g.phys_bits),
                       rc::gen::exec([settings] {
                         std::vector<std::uint64_t> v;
                         for (const auto &s : settings)
                           v.push_back(*s);
                         return v;
                       })),
        [profile, g, overrides](
            const std::tuple<std::uint32_t, std::uint32_t, std::vector<std::uint64_t>> &t) {
          PlatformConfig c = common_config(profile, g);
          c.phys_bits = std::get<1>(t);
          c.hw_page_shift = std::get<0>(t);
          for (std::size_t i = 0; i < profile.settings.size(); ++i)
            set_setting(c, profile.settings[i].key, std::get<2>(t)[i]);
          c.bus_start &= ~((1ull << c.hw_page_shift) - 1); // on a HW page boundary
          c = with_overrides(c, overrides);
          if (!profile.admits(c).empty()) // a varied value the others rule out
            c = with_overrides(common_config(profile, g), overrides);
          return c;
        });
    per_geometry.emplace_back(per_geometry.empty() ? 3u : 1u, std::move(gen));
  }
  if (per_geometry.empty())
    return std::nullopt;
  return weighted_gen(std::move(per_geometry));
}

//===--------------------------------------------------------------------===//
// Layouts.
//===--------------------------------------------------------------------===//

/// A stretch of `blocks` consecutive memory blocks, `gap` blocks after the
/// previous run; block k is offline when bit k % 32 of offline_mask is set.
struct Run {
  std::uint64_t gap = 0;
  std::uint64_t blocks = 1;
  std::uint32_t offline_mask = 0;
};

std::uint64_t section_limit(const PlatformConfig &c) { return c.section_limit(); }
std::uint64_t block_sections(const PlatformConfig &c) {
  return 1ull << (c.block_shift - c.section_shift);
}

/// Lays the runs out left to right from section `origin`; a run that would
/// pass the top of the physical space (2^phys_bits) is dropped, so the
/// result is valid.  With `top_run`, the last run is moved to end `top_gap`
/// blocks below the top.
std::vector<BlockSpec> lay_out(const PlatformConfig &c, std::uint64_t origin,
                               const std::vector<Run> &runs, bool top_run = false,
                               std::uint64_t top_gap = 0) {
  const std::uint64_t bs = block_sections(c), limit = section_limit(c);
  std::vector<BlockSpec> out;
  std::uint64_t cursor = origin;
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const Run &run = runs[r];
    std::uint64_t first;
    if (top_run && r + 1 == runs.size()) {
      const std::uint64_t need = (run.blocks + top_gap) * bs;
      if (need > limit - cursor)
        break;
      first = limit - need;
    } else {
      if (run.gap > (limit - cursor) / bs)
        break;
      first = cursor + run.gap * bs;
    }
    if (run.blocks > (limit - first) / bs)
      break;
    for (std::uint64_t k = 0; k < run.blocks; ++k) {
      const bool offline = (run.offline_mask >> (k % 32)) & 1;
      out.push_back({(first + k * bs) << c.section_shift, bs,
                     offline ? BlockState::Offline : BlockState::Online});
    }
    cursor = first + run.blocks * bs;
  }
  return out;
}

Layout make_layout(PlatformConfig c, std::vector<BlockSpec> blocks,
                   std::vector<std::uint64_t> gigantic = {}) {
  Layout l;
  l.config = c;
  l.blocks = std::move(blocks);
  l.gigantic = std::move(gigantic);
  return l;
}

/// Mostly online: a sparse mask of offline blocks.
rc::Gen<std::uint32_t> offline_mask() {
  return weighted<std::uint32_t>({{5, 0u}, {3, 0x4u}, {2, 0x12u}, {1, 0xAAAAAAAAu}});
}

rc::Gen<Run> run_gen(std::uint64_t max_gap, std::uint64_t min_blocks, std::uint64_t max_blocks) {
  return rc::gen::build<Run>(rc::gen::set(&Run::gap, between<std::uint64_t>(0, max_gap)),
                             rc::gen::set(&Run::blocks, between(min_blocks, max_blocks)),
                             rc::gen::set(&Run::offline_mask, offline_mask()));
}

ClassedLayout classed(const char *name, Layout l) { return {name, std::move(l)}; }

// Each class lays blocks out over a configuration the profile allows
// (gen_config below): the class decides where memory is, the profile what
// the machine is.

rc::Gen<ClassedLayout> tiny(PlatformConfig c) {
  c.block_shift = c.section_shift; // one-section blocks
  return rc::gen::map(rc::gen::tuple(between<std::uint64_t>(0, 64), rc::gen::element(true, false)),
                      [c](const std::tuple<std::uint64_t, bool> &t) {
                        BlockSpec b{std::get<0>(t) << c.section_shift, 1,
                                    std::get<1>(t) ? BlockState::Online : BlockState::Offline};
                        return classed("tiny", make_layout(c, {b}));
                      });
}

rc::Gen<ClassedLayout> dense(PlatformConfig c) {
  return rc::gen::map(rc::gen::tuple(between<std::uint64_t>(1, 32), offline_mask()),
                      [c](const std::tuple<std::uint64_t, std::uint32_t> &t) {
                        return classed("dense",
                                       make_layout(c, lay_out(c, 0, {{0, std::get<0>(t), std::get<1>(t)}})));
                      });
}

rc::Gen<ClassedLayout> ppc64_lmb(PlatformConfig c) {
  return rc::gen::map(list_of(1, 6, run_gen(4, 1, 8)), [c](const std::vector<Run> &runs) {
    return classed("ppc64-lmb", make_layout(c, lay_out(c, 0, runs)));
  });
}

rc::Gen<ClassedLayout> x86(PlatformConfig c) {
  // Low memory below the 3-4 GiB PCI hole, then memory from 4 GiB up.
  const std::uint64_t low_blocks = (3ull << 30) >> c.block_shift;
  return rc::gen::map(rc::gen::tuple(run_gen(0, 1, low_blocks), list_of(0, 3, run_gen(8, 1, 16))),
                      [c](const std::tuple<Run, std::vector<Run>> &t) {
                        auto blocks = lay_out(c, 0, {std::get<0>(t)});
                        auto high = lay_out(c, (4ull << 30) >> c.section_shift, std::get<1>(t));
                        blocks.insert(blocks.end(), high.begin(), high.end());
                        return classed("x86-64", make_layout(c, blocks));
                      });
}

rc::Gen<ClassedLayout> numa(PlatformConfig c) {
  // Nodes 2^stride bytes apart, each a run of blocks with interleaved holes;
  // up to 4 nodes, so the widest stride leaves 2 bits below the top.
  const std::uint32_t widest = std::min<std::uint32_t>(46, c.phys_bits - 2);
  return rc::gen::map(rc::gen::tuple(between<std::uint32_t>(36, widest), list_of(2, 4, run_gen(0, 2, 8))),
                      [c](const std::tuple<std::uint32_t, std::vector<Run>> &t) {
                        const std::uint32_t stride = std::get<0>(t);
                        std::vector<BlockSpec> blocks;
                        const auto &nodes = std::get<1>(t);
                        for (std::size_t n = 0; n < nodes.size(); ++n) {
                          auto node = lay_out(c, (std::uint64_t(n) << stride) >> c.section_shift,
                                              {nodes[n]});
                          blocks.insert(blocks.end(), node.begin(), node.end());
                        }
                        return classed("numa", make_layout(c, blocks));
                      });
}

rc::Gen<ClassedLayout> sparse(PlatformConfig c) {
  // Gaps of a few blocks or of up to 2^60 bytes (2^32 LMBs; an eighth of a
  // narrower physical space), and often a run at the very top of it.
  const std::uint64_t widest = std::min<std::uint64_t>(
      1ull << 32, 1ull << (c.phys_bits - c.block_shift - 3));
  auto gap = weighted_gen<std::uint64_t>(
      {{2, between<std::uint64_t>(0, 16)},
       {3, between<std::uint64_t>(std::min<std::uint64_t>(1ull << 8, widest), widest)}});
  auto run = rc::gen::build<Run>(rc::gen::set(&Run::gap, gap),
                                 rc::gen::set(&Run::blocks, between<std::uint64_t>(1, 4)),
                                 rc::gen::set(&Run::offline_mask, offline_mask()));
  return rc::gen::map(
      rc::gen::tuple(list_of(1, 4, run), rc::gen::element(false, true), between<std::uint64_t>(0, 1)),
      [c](const std::tuple<std::vector<Run>, bool, std::uint64_t> &t) {
        auto runs = std::get<0>(t);
        const bool top = std::get<1>(t);
        if (top)
          runs.push_back({0, 1, 0});
        return classed("sparse", make_layout(c, lay_out(c, 0, runs, top, std::get<2>(t))));
      });
}

rc::Gen<ClassedLayout> gigantic(PlatformConfig c) {
  // Some blocks below, then 1-2 gigantic pages covered by blocks, and a
  // block after (ppc64 16 GiB pages over LMBs, x86-64 1 GiB pages).
  return rc::gen::map(
      rc::gen::tuple(between<std::uint64_t>(1, 4), between<std::uint64_t>(1, 2),
                     between<std::uint64_t>(0, 2)),
      [c](const std::tuple<std::uint64_t, std::uint64_t, std::uint64_t> &t) {
        auto [where, pages, after] = t;
        const std::uint64_t page_blocks = 1ull << (c.gigantic_shift - c.block_shift);
        const std::uint64_t low = std::min<std::uint64_t>(page_blocks - 1, 2);
        std::vector<Run> runs = {{0, low, 0},
                                 {where * page_blocks - low, pages * page_blocks + after, 0}};
        std::vector<std::uint64_t> bases;
        for (std::uint64_t p = 0; p < pages; ++p)
          bases.push_back((where + p) << c.gigantic_shift);
        return classed("gigantic", make_layout(c, lay_out(c, 0, runs), bases));
      });
}

rc::Gen<ClassedLayout> large(PlatformConfig c) {
  return rc::gen::map(list_of(2, 8, run_gen(16, 8, 32)), [c](const std::vector<Run> &runs) {
    return classed("large", make_layout(c, lay_out(c, 0, runs)));
  });
}

/// Linux cannot run without memory (the kernel's own pages are in some
/// block it never offlines): unless the profile allows a partition without
/// RAM, the lowest block of a layout with no online block is online.
void keep_some_ram(Layout &l) {
  for (const auto &b : l.blocks)
    if (b.state == BlockState::Online)
      return;
  if (!l.blocks.empty())
    l.blocks.front().state = BlockState::Online;
}

struct ClassEntry {
  LayoutClass info;
  const char *family; // the geometries it needs (Geometry::family), or "" for any
  // Where a profile admits any geometry (`portable`): the geometries the
  // class has always been drawn over ("" any), so portable stays as it was.
  const char *native;
  std::function<rc::Gen<ClassedLayout>(PlatformConfig)> gen;
};

const std::vector<ClassEntry> &class_table() {
  static const std::vector<ClassEntry> table = {
      {{"tiny", "one block of one section", 8}, "", "ppc64", tiny},
      {{"dense", "1-32 memory blocks from address 0, a few offline", 14}, "", "ppc64", dense},
      {{"ppc64-lmb", "256 MiB LMBs of 16 MiB sections in runs, LMBs removed from the middle", 16},
       "ppc64", "ppc64", ppc64_lmb},
      {{"x86-64", "128 MiB blocks and sections, 4 KiB pages, memory below and above the 3-4 GiB "
                  "PCI hole",
        14},
       "x86-64", "x86-64", x86},
      {{"numa", "2-4 NUMA nodes 64 GiB to 64 TiB apart, blocks with interleaved offline holes", 12},
       "", "ppc64", numa},
      {{"sparse", "block runs with gaps of up to 2^60 bytes (an eighth of a narrower physical "
                  "space), often one ending at or just below the top of the physical space",
        16},
       "", "ppc64", sparse},
      {{"gigantic", "1-2 gigantic pages (ppc64 16 GiB or x86-64 1 GiB) inside online blocks", 12},
       "", "", gigantic},
      {{"large", "2-8 runs of 8-32 memory blocks: 256 to 4096 sections on ppc64", 8}, "", "ppc64", large},
  };
  return table;
}

//===--------------------------------------------------------------------===//
// The concretizer.
//===--------------------------------------------------------------------===//

/// The generator's guess of the partition as the trace goes; it steers the
/// choice of targets and never judges anything (the oracle does that).
class Concretizer {
public:
  Concretizer(const Layout &layout, const GeneratorOptions &options)
      : c_(layout.config), bs_(block_sections(layout.config)),
        profile_(options.layouts.profile ? *options.layouts.profile : default_profile()) {
    trace_.layout = layout;
    trace_.profile = profile_.name;
    trace_.mode = options.mode;
    for (const auto &b : layout.blocks)
      blocks_.push_back({b.base >> c_.section_shift, b.sections,
                         b.state == BlockState::Online ? BlockState::Online : BlockState::Offline,
                         0});
    emit({OpKind::Load});
  }

  void step(const StepGene &g) {
    current_ = g.intent;
    dispatch(g);
  }
  Trace take() { return std::move(trace_); }
  std::size_t ops() const { return trace_.ops.size(); }
  std::vector<Intent> take_intents() { return std::move(intents_); }

private:
  struct Known {
    std::uint64_t first, sections;
    BlockState state;
    std::uint64_t stamp; // when it was last touched: recent blocks come first
  };

  void emit(Op op) {
    if (!trace_.ops.empty()) // the initial load has no intent
      intents_.push_back(current_);
    trace_.ops.push_back(op);
  }
  std::uint64_t addr(std::uint64_t section) const { return section << c_.section_shift; }
  std::uint64_t limit() const { return section_limit(c_); }

  /// Blocks in one of `states`, most recently touched first.
  std::vector<Known *> in_state(std::initializer_list<BlockState> states) {
    std::vector<Known *> out;
    for (auto &b : blocks_)
      if (std::find(states.begin(), states.end(), b.state) != states.end())
        out.push_back(&b);
    std::stable_sort(out.begin(), out.end(),
                     [](const Known *a, const Known *b) { return a->stamp > b->stamp; });
    return out;
  }
  Known *choose(std::initializer_list<BlockState> preferred, std::uint32_t pick) {
    auto c = in_state(preferred);
    if (c.empty())
      c = in_state({BlockState::Online, BlockState::Offline});
    if (c.empty())
      return nullptr;
    Known *k = c[pick % c.size()];
    k->stamp = ++clock_;
    return k;
  }
  bool covered(std::uint64_t section) const {
    for (const auto &b : blocks_)
      if (b.state != BlockState::Absent && section >= b.first && section - b.first < b.sections)
        return true;
    return false;
  }
  bool free_range(std::uint64_t first, std::uint64_t n) const {
    if (n > limit() || first > limit() - n)
      return false;
    for (const auto &b : blocks_)
      if (b.state != BlockState::Absent && first < b.first + b.sections && b.first < first + n)
        return false;
    return true;
  }
  std::vector<std::uint64_t> absent_addresses() const;
  std::uint64_t top_address(std::uint32_t pick) const;
  std::optional<std::uint64_t> across_boundary(const StepGene &g, std::uint64_t n) const;
  bool last_online(const Known &k) const;
  std::vector<Race> races_for(const Known &k, const StepGene &g) const;

  void hotplug(OpKind kind, std::initializer_list<BlockState> preferred, const StepGene &g);
  void window(const StepGene &g, Intent inside);
  void arm_fault(FaultBefore kind, const StepGene &g);
  static Op fault_op(OpKind kind, const StepGene &g);
  void translate(const StepGene &g);
  void data_path(const StepGene &g, OpKind kind);
  bool add(const StepGene &g);
  void on_absent(const StepGene &g);
  void dispatch(const StepGene &g);

  PlatformConfig c_;
  std::uint64_t bs_;
  const Profile &profile_;
  std::vector<Known> blocks_;
  bool loaded_ = true;
  std::uint64_t clock_ = 0;
  Trace trace_;
  std::vector<Intent> intents_;
  Intent current_ = Intent::Translate;
};

std::vector<std::uint64_t> Concretizer::absent_addresses() const {
  std::vector<std::uint64_t> out;
  for (const auto &b : blocks_) {
    if (b.state == BlockState::Absent) {
      out.push_back(addr(b.first));
      continue;
    }
    if (b.first > 0 && !covered(b.first - 1))
      out.push_back(addr(b.first) - 1); // the last byte below the block
    const std::uint64_t end = b.first + b.sections;
    if (end < limit() && !covered(end))
      out.push_back(addr(end)); // the first byte past it
  }
  return out;
}

/// Addresses at the top of the physical space (2^64 in `portable`, else
/// 2^MAX_PHYSMEM_BITS), its middle, and around 2^55 (an int section base
/// overflows there) or a quarter of a narrower space.
std::uint64_t Concretizer::top_address(std::uint32_t pick) const {
  const std::uint32_t bits = c_.phys_bits;
  const std::uint64_t top = bits == 64 ? ~0ull : (1ull << bits) - 1;
  const std::uint64_t high = 1ull << std::min<std::uint32_t>(55, bits - 2);
  const std::uint64_t tops[] = {top, top - c_.section_size() + 1, 1ull << (bits - 1), high,
                                high - 1, 0};
  return tops[pick % std::size(tops)];
}

/// The first section of `n` free sections across 2^k (k from the section
/// shift to the top of the physical space, picked by g.section): half the
/// blocks below, half above, at least one on each side when 2^k is a block
/// boundary; a block that contains 2^k otherwise.
std::optional<std::uint64_t> Concretizer::across_boundary(const StepGene &g,
                                                          std::uint64_t n) const {
  const std::uint32_t lo = c_.section_shift, hi = c_.phys_bits - 1;
  const std::uint32_t k = lo + g.section % (hi - lo + 1);
  const std::uint64_t at = 1ull << (k - c_.section_shift); // in sections
  const std::uint64_t below = at >= bs_ ? std::max<std::uint64_t>(1, n / bs_ / 2) * bs_ : 0;
  const std::uint64_t first = at >= bs_ ? at - below : 0;
  if (first + n <= at || !free_range(first, n))
    return std::nullopt;
  return first;
}

/// Whether offlining `k` would leave the partition without online memory.
bool Concretizer::last_online(const Known &k) const {
  if (k.state != BlockState::Online)
    return false;
  for (const auto &b : blocks_)
    if (&b != &k && b.state == BlockState::Online)
      return false;
  return true;
}

// One hotplug op in two gets translations racing the driver's handling
// (issue 12 section 2).  The gene's bit 12 of `section` arms them, so
// placing races changed no other choice of the generator.  They race at
// eight consecutive preemption points from the gene's `nth` folded into
// 1..4: only the points with traffic running are numbered, so an event
// has few (the allocations before a re-registration, start_traffic()'s
// return, the frees after it) and a window of eight covers most of them
// (a window of four from 1..8 let block-freed-while-linked survive 2 seeds
// of 8); an AT past them is counted as a no-op and shrinking drops the
// races that do not matter.  The address is where a lock-free reader goes
// wrong: in the block the event changes (its table block may be freed under
// the reader),
// at its last byte, or in the most recent other online block (a
// neighbour's leaf re-ranked under the reader).
std::vector<Race> Concretizer::races_for(const Known &k, const StepGene &g) const {
  if ((g.section >> 12) % 2 != 0)
    return {};
  const std::uint32_t first = 1 + (g.nth - 1) % 4;
  std::uint64_t a = addr(k.first + (g.section >> 4) % k.sections) + c_.section_size() / 2;
  if (g.probe == Probe::Last)
    a = addr(k.first + k.sections) - 1;
  if (g.probe == Probe::Inner)
    for (const auto &b : blocks_)
      if (&b != &k && b.state == BlockState::Online)
        a = addr(b.first) + c_.section_size() / 2;
  std::vector<Race> races;
  for (std::uint32_t at = first; at < first + 8; ++at)
    races.push_back(Race{at, a});
  return races;
}

void Concretizer::translate(const StepGene &g) {
  Op op{OpKind::Translate};
  Probe probe = g.probe;
  if (probe <= Probe::Inner) {
    if (Known *k = choose({BlockState::Online, BlockState::Offline}, g.pick)) {
      const std::uint64_t base = addr(k->first + g.section % k->sections);
      const std::uint64_t size = c_.section_size();
      op.addr = probe == Probe::First ? base
                : probe == Probe::Last ? base + (size - 1)
                                       : base + size / 2 + 0x5a8; // a page offset too
      return emit(op);
    }
    probe = Probe::Absent;
  }
  if (probe == Probe::Absent) {
    auto gaps = absent_addresses();
    if (!gaps.empty()) {
      op.addr = gaps[g.pick % gaps.size()];
      return emit(op);
    }
  }
  op.addr = top_address(g.pick);
  emit(op);
}

// A buffer where the data path has something to get right: the start of
// an online section, one that runs over a section's end (into the next
// section, another block or nothing), or one across a kernel page boundary;
// with no online block to take one from, a probe of memory that is not
// there or of the top of the space instead.  The
// block is usually the one touched last, so a buffer lands in memory an
// event is about to offline.  Lengths: the default frame, a minimum one,
// a jumbo one and a 64 KiB GSO packet.
void Concretizer::data_path(const StepGene &g, OpKind kind) {
  static constexpr std::uint32_t lens[] = {DefaultFrameBytes, 60, 9014, MaxFrameBytes};
  Op op{kind};
  op.len = lens[(g.section >> 8) % std::size(lens)];
  Known *k = g.probe <= Probe::Inner ? choose({BlockState::Online}, g.pick) : nullptr;
  if (k) {
    const std::uint64_t base = addr(k->first + g.section % k->sections);
    const std::uint64_t page = 1ull << c_.page_shift;
    op.addr = g.probe == Probe::First  ? base
              : g.probe == Probe::Last ? base + c_.section_size() - op.len / 2
                                       : base + page - op.len / 3;
  } else {
    // The stack has no buffer outside online memory (the partition refuses
    // one): the gene probes the address instead.
    auto gaps = absent_addresses();
    op = Op{OpKind::Translate, g.probe == Probe::Absent && !gaps.empty()
                                   ? gaps[g.pick % gaps.size()]
                                   : top_address(g.pick) & ~0xfffull};
  }
  emit(op);
}

void Concretizer::hotplug(OpKind kind, std::initializer_list<BlockState> preferred,
                          const StepGene &g) {
  Known *k = choose(preferred, g.pick);
  if (!k)
    return on_absent(g);
  // The kernel refuses to offline its last memory without notifying anyone
  // (its own pages cannot be isolated); only a profile without RAM gets there.
  if (kind == OpKind::Offline && !profile_.no_ram && last_online(*k))
    return emit({OpKind::Translate, addr(k->first)});
  if (kind != OpKind::Remove)
    arm_fault(g.fault, g);
  Op op{kind, addr(k->first)};
  if (kind != OpKind::Remove)
    op.veto = g.veto;
  if (kind == OpKind::Offline && op.veto == Veto::None)
    op.migrate_fail = g.migrate_fail;
  if (kind != OpKind::Remove)
    op.races = races_for(*k, g);
  emit(op);
  const bool vetoed = op.veto != Veto::None;
  if (kind == OpKind::Online && k->state == BlockState::Offline && !vetoed)
    k->state = BlockState::Online;
  if (kind == OpKind::Offline && k->state == BlockState::Online && !vetoed && !op.migrate_fail)
    k->state = BlockState::Offline;
  if (kind == OpKind::Remove && k->state == BlockState::Offline)
    k->state = BlockState::Absent;
}

// A split online or offline around what `inside` asks for.  The gene's
// migrate_fail ends it with phase=cancel, an odd `section` adds the
// offline's phase=migrated, and the translation probes the block itself.
void Concretizer::window(const StepGene &g, Intent inside) {
  const bool offline = inside == Intent::LoadInOfflineWindow ||
                       (inside == Intent::SplitHotplug && (g.section & 2));
  const OpKind kind = offline ? OpKind::Offline : OpKind::Online;
  Known *k = choose({offline ? BlockState::Online : BlockState::Offline}, g.pick);
  if (!k || k->state != (offline ? BlockState::Online : BlockState::Offline))
    return on_absent(g);
  const std::uint64_t base = addr(k->first);
  auto phase = [&](HotplugPhase p) {
    Op op{kind, base};
    op.phase = p;
    emit(op);
  };
  if (inside == Intent::LoadInOfflineWindow && loaded_)
    emit({OpKind::Unload});
  if (inside == Intent::UnloadInOnlineWindow && !loaded_)
    emit({OpKind::Load});
  phase(HotplugPhase::Going);
  if (inside == Intent::LoadInOfflineWindow)
    emit({OpKind::Load});
  emit({OpKind::Translate, base + (g.section % 2 ? 0x1040 : 0)});
  // The data path in the window: a buffer the stack hands over in the block
  // itself (an online's may be posted and must survive a cancel's rewrite;
  // an offline's must be dropped).
  if (g.section & 4)
    emit({offline ? OpKind::Xmit : OpKind::Rx, base + 0x1040});
  if (inside == Intent::UnloadInOnlineWindow)
    emit({OpKind::Unload});
  loaded_ = inside == Intent::LoadInOfflineWindow || (loaded_ && inside != Intent::UnloadInOnlineWindow);
  if (offline && (g.section & 1) && !g.migrate_fail)
    phase(HotplugPhase::Migrated);
  phase(g.migrate_fail ? HotplugPhase::Cancel : HotplugPhase::Done);
  if (!g.migrate_fail)
    k->state = offline ? BlockState::Offline : BlockState::Online;
}

void Concretizer::arm_fault(FaultBefore kind, const StepGene &g) {
  if (kind == FaultBefore::None)
    return;
  emit(fault_op(kind == FaultBefore::Alloc ? OpKind::FaultAlloc : OpKind::FaultHcall, g));
}

Op Concretizer::fault_op(OpKind kind, const StepGene &g) {
  Op op{kind};
  op.nth = g.nth;
  op.count = g.count;
  op.code = kind == OpKind::FaultHcall ? g.code : 0;
  return op;
}

/// Emits an add; true when it should be accepted (a new offline block).
bool Concretizer::add(const StepGene &g) {
  const std::uint64_t n = g.add_blocks * bs_;
  auto place = [&](std::uint64_t first) {
    emit({OpKind::Add, addr(first), n});
    blocks_.push_back({first, n, BlockState::Offline, ++clock_});
    return true;
  };
  if (g.placement == Placement::Readd) {
    auto gone = in_state({BlockState::Absent});
    for (std::size_t i = 0; i < gone.size(); ++i) {
      Known *k = gone[(g.pick + i) % gone.size()];
      if (free_range(k->first, k->sections)) {
        emit({OpKind::Add, addr(k->first), k->sections});
        k->state = BlockState::Offline;
        k->stamp = ++clock_;
        return true;
      }
    }
  }
  if (g.placement == Placement::Boundary) {
    // Two blocks at least, so the one event spans the boundary.
    const std::uint64_t wide = std::max<std::uint64_t>(n, 2 * bs_);
    if (auto first = across_boundary(g, wide)) {
      emit({OpKind::Add, addr(*first), wide});
      blocks_.push_back({*first, wide, BlockState::Offline, ++clock_});
      return true;
    }
  }
  if (g.placement == Placement::NearTop && n <= limit()) {
    const std::uint64_t first = (limit() - n) / bs_ * bs_;
    if (free_range(first, n))
      return place(first);
  }
  if (g.placement != Placement::InGap) {
    std::uint64_t end = 0;
    for (const auto &b : blocks_)
      if (b.state != BlockState::Absent)
        end = std::max(end, b.first + b.sections);
    const std::uint64_t first = (end + bs_ - 1) / bs_ * bs_ + (g.pick % 4) * bs_;
    if (first >= end && free_range(first, n))
      return place(first);
  }
  // The gaps between present blocks, aligned to the block size.
  std::vector<std::uint64_t> fits;
  std::uint64_t cursor = 0;
  auto present = in_state({BlockState::Online, BlockState::Offline});
  std::sort(present.begin(), present.end(),
            [](const Known *a, const Known *b) { return a->first < b->first; });
  for (std::size_t i = 0; i <= present.size(); ++i) {
    const std::uint64_t gap_end = i < present.size() ? present[i]->first : limit();
    const std::uint64_t first = (cursor + bs_ - 1) / bs_ * bs_;
    if (first <= gap_end && gap_end - first >= n) {
      // The middle of a big gap is where a sparse table needs new blocks.
      const std::uint64_t middle = (first + (gap_end - first - n) / 2) / bs_ * bs_;
      fits.push_back(g.section % 2 ? middle : first);
    }
    if (i < present.size())
      cursor = present[i]->first + present[i]->sections;
  }
  if (!fits.empty())
    return place(fits[g.pick % fits.size()]);
  // No room anywhere: an add over an existing block, which the kernel refuses.
  if (!present.empty())
    emit({OpKind::Add, addr(present.front()->first), n});
  return false;
}

void Concretizer::on_absent(const StepGene &g) {
  std::vector<std::uint64_t> candidates;
  for (auto a : absent_addresses())
    candidates.push_back(a >> c_.section_shift << c_.section_shift);
  const std::uint64_t a = candidates.empty() ? top_address(g.pick) >> c_.section_shift
                                                   << c_.section_shift
                                             : candidates[g.pick % candidates.size()];
  static constexpr OpKind kinds[] = {OpKind::Online, OpKind::Offline, OpKind::Remove};
  emit({kinds[g.section % 3], a});
}

void Concretizer::dispatch(const StepGene &g) {
  switch (g.intent) {
  case Intent::Translate: return translate(g);
  case Intent::Online: return hotplug(OpKind::Online, {BlockState::Offline}, g);
  case Intent::Offline: return hotplug(OpKind::Offline, {BlockState::Online}, g);
  case Intent::Remove: return hotplug(OpKind::Remove, {BlockState::Offline}, g);
  case Intent::OnlineAgain: return hotplug(OpKind::Online, {BlockState::Online}, g);
  case Intent::OfflineAgain: return hotplug(OpKind::Offline, {BlockState::Offline}, g);
  case Intent::RemoveOnline: return hotplug(OpKind::Remove, {BlockState::Online}, g);
  case Intent::Add:
    add(g);
    return;
  case Intent::AddOnline:
    if (add(g)) {
      StepGene newest = g;
      newest.pick = 0; // the block just added
      hotplug(OpKind::Online, {BlockState::Offline}, newest);
    }
    return;
  case Intent::OnAbsent: return on_absent(g);
  case Intent::FaultAlloc: return emit(fault_op(OpKind::FaultAlloc, g));
  case Intent::FaultHcall: return emit(fault_op(OpKind::FaultHcall, g));
  case Intent::Reload:
    emit({loaded_ ? OpKind::Unload : OpKind::Load});
    loaded_ = !loaded_;
    return;
  case Intent::LoadAgain:
    emit({OpKind::Load});
    loaded_ = true;
    return;
  case Intent::SplitHotplug:
  case Intent::LoadInOfflineWindow:
  case Intent::UnloadInOnlineWindow: return window(g, g.intent);
  case Intent::Xmit: return data_path(g, OpKind::Xmit);
  case Intent::Rx: return data_path(g, OpKind::Rx);
  case Intent::Dma: return emit({OpKind::Dma});
  }
}

} // namespace

const std::vector<LayoutClass> &layout_classes() {
  static const std::vector<LayoutClass> infos = [] {
    std::vector<LayoutClass> v;
    for (const auto &e : class_table())
      v.push_back(e.info);
    return v;
  }();
  return infos;
}

const char *to_string(Intent i) {
  static constexpr const char *names[IntentCount] = {
      "translate",     "online",        "offline",       "remove",    "add",
      "fault-alloc",   "fault-hcall",   "reload",        "online-again", "offline-again",
      "remove-online", "on-absent",     "load-again",    "add-online",
      "split-hotplug", "load-in-offline-window", "unload-in-online-window",
      "xmit",          "rx",            "dma"};
  return names[static_cast<std::size_t>(i)];
}

rc::Gen<ClassedLayout> gen_layout(const std::string &name, const Profile &profile) {
  LayoutFilter filter;
  filter.profile = &profile;
  if (!name.empty())
    filter.classes = {name};
  return gen_layout(filter);
}

rc::Gen<ClassedLayout> gen_layout(const LayoutFilter &filter) {
  const Profile &profile = filter.profile ? *filter.profile : default_profile();
  auto wanted = [&](const char *cls) {
    return profile.has_class(cls) &&
           (filter.classes.empty() ||
            std::find(filter.classes.begin(), filter.classes.end(), cls) != filter.classes.end());
  };
  std::vector<std::pair<unsigned, rc::Gen<ClassedLayout>>> choices;
  for (const auto &e : class_table()) {
    if (!wanted(e.info.name))
      continue;
    auto configs =
        gen_config(profile, profile.any_geometry && *e.native ? e.native : e.family, filter.overrides);
    if (!configs)
      continue;
    auto make = e.gen;
    const bool no_ram = profile.no_ram;
    auto layouts = rc::gen::map(
        rc::gen::mapcat(std::move(*configs), [make](const PlatformConfig &c) { return make(c); }),
        [no_ram](ClassedLayout l) {
          if (!no_ram)
            keep_some_ram(l.layout);
          return l;
        });
    choices.emplace_back(e.info.weight, std::move(layouts));
  }
  if (choices.empty())
    throw std::invalid_argument(fmt::format(
        "no layout class of profile {} fits{}{} (its classes: {})", profile.name,
        filter.classes.empty() ? "" : " the classes asked for",
        filter.overrides.empty() ? "" : " the --config settings", fmt::join(profile.classes, ", ")));
  return weighted_gen(std::move(choices));
}

std::string class_names(const Profile &profile) {
  return fmt::format("{}", fmt::join(profile.classes, ", "));
}

rc::Gen<StepGene> gen_step() {
  using rc::gen::set;
  auto intent = weighted<Intent>({{22, Intent::Translate},
                                  {14, Intent::Online},
                                  {14, Intent::Offline},
                                  {6, Intent::Remove},
                                  {7, Intent::Add},
                                  {6, Intent::FaultAlloc},
                                  {7, Intent::FaultHcall},
                                  {3, Intent::Reload},
                                  {2, Intent::OnlineAgain},
                                  {2, Intent::OfflineAgain},
                                  {2, Intent::RemoveOnline},
                                  {2, Intent::OnAbsent},
                                  {1, Intent::LoadAgain},
                                  {5, Intent::AddOnline},
                                  {3, Intent::SplitHotplug},
                                  {3, Intent::LoadInOfflineWindow},
                                  {2, Intent::UnloadInOnlineWindow},
                                  {4, Intent::Xmit},
                                  {4, Intent::Rx},
                                  {4, Intent::Dma}});
  // Most faults hit one of the next few calls; some reach deep into a
  // re-registration (8 calls per 16 MiB section) or a big table build.
  auto nth = weighted_gen<std::uint32_t>({{7, between<std::uint32_t>(1, 8)},
                                          {2, between<std::uint32_t>(9, 64)},
                                          {1, between<std::uint32_t>(65, 2048)}});
  auto code = weighted<std::int64_t>({{3, BUSMAP_H_HARDWARE},
                                      {2, BUSMAP_H_PARAMETER},
                                      {2, BUSMAP_H_RESOURCE},
                                      {1, BUSMAP_H_BUSY}});
  // Mostly one failed call; sometimes a few in a row, which a bounded
  // retry outlasts, and sometimes a persistent one, which it must give up on.
  auto count = weighted_gen<std::uint32_t>({{6, rc::gen::just<std::uint32_t>(1)},
                                            {2, between<std::uint32_t>(2, 4)},
                                            {1, rc::gen::just(FaultPlan::Sticky)}});
  return rc::gen::build<StepGene>(
      set(&StepGene::intent, intent),
      // Half the time the most recently touched block: add-then-online,
      // offline-then-remove and repeated events on one block.
      set(&StepGene::pick, weighted_gen<std::uint32_t>({{1, rc::gen::just<std::uint32_t>(0)},
                                                        {1, between<std::uint32_t>(1, 1023)}})),
      set(&StepGene::section, between<std::uint32_t>(0, 65535)),
      set(&StepGene::probe, weighted<Probe>({{3, Probe::First},
                                             {3, Probe::Last},
                                             {2, Probe::Inner},
                                             {2, Probe::Absent},
                                             {1, Probe::Top}})),
      set(&StepGene::veto,
          weighted<Veto>({{8, Veto::None}, {1, Veto::Before}, {1, Veto::After}})),
      set(&StepGene::migrate_fail, weighted<bool>({{5, false}, {1, true}})),
      set(&StepGene::nth, nth), set(&StepGene::code, code), set(&StepGene::count, count),
      set(&StepGene::add_blocks, between<std::uint32_t>(1, 4)),
      set(&StepGene::placement, weighted<Placement>({{4, Placement::AfterLast},
                                                     {3, Placement::InGap},
                                                     {2, Placement::Readd},
                                                     {1, Placement::NearTop},
                                                     {2, Placement::Boundary}})),
      set(&StepGene::fault, weighted<FaultBefore>(
                                {{4, FaultBefore::None}, {1, FaultBefore::Alloc}, {1, FaultBefore::Hcall}})));
}

GeneratedCase concretize(const ClassedLayout &layout, const std::vector<StepGene> &steps,
                         const GeneratorOptions &options) {
  Concretizer c(layout.layout, options);
  GeneratedCase out;
  out.layout_class = layout.layout_class;
  for (const auto &g : steps) {
    if (c.ops() >= options.max_steps)
      break;
    c.step(g);
  }
  out.trace = c.take();
  out.intents = c.take_intents();
  // A compound intent (a fault, then the event) may pass the cap by one or two.
  if (out.trace.ops.size() > options.max_steps) {
    out.trace.ops.resize(options.max_steps);
    out.intents.resize(options.max_steps - 1);
  }
  return out;
}

rc::Gen<GeneratedCase> gen_case(const GeneratorOptions &options) {
  const std::size_t max_genes = options.max_steps > 1 ? options.max_steps - 1 : 0;
  // The generation size (0-100) scales the length.  RapidCheck draws a
  // length uniformly up to the size; drawing up to twice the cap and
  // cutting at the cap makes half the full-size traces reach max_steps.
  rc::Gen<std::vector<StepGene>> steps = [max_genes](const rc::Random &random, int size) {
    const int n = static_cast<int>(2 * max_genes * static_cast<std::size_t>(size) / rc::kNominalSize);
    return rc::gen::container<std::vector<StepGene>>(rc::gen::resize(rc::kNominalSize, gen_step()))(
        random, n);
  };
  auto layout = options.fixed_layout ? rc::gen::just(*options.fixed_layout) : gen_layout(options.layouts);
  // The steps and the layout draw from the random streams rc::gen::tuple
  // would give them (the first and second split), so a seed makes the same
  // trace it always did; but the layout shrinks first.  Every candidate
  // runs the whole layout through the driver's registration, page by page,
  // so a layout made small early makes every later candidate cheap.
  return [steps, layout, options](const rc::Random &random, int size) {
    rc::Random r = random;
    const rc::Random for_steps = r.split();
    const rc::Random for_layout = r.split();
    auto genes = steps(for_steps, size);
    auto machine = layout(for_layout, size);
    return rc::shrinkable::map(
        rc::shrinkable::pair(std::move(machine), std::move(genes)),
        [options](const std::pair<ClassedLayout, std::vector<StepGene>> &p) {
          return concretize(p.first, p.second, options);
        });
  };
}

rc::Gen<Trace> gen_trace(const GeneratorOptions &options) {
  return rc::gen::map(gen_case(options), [](const GeneratedCase &c) { return c.trace; });
}

} // namespace busmap
