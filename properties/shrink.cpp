//===- properties/shrink.cpp - concrete shrink passes ---------------------===//
//
// The passes of properties/shrink.hpp.  Each works on *extents*: the memory
// blocks a trace talks about, whether they start in the layout or arrive
// with an `add`, in section numbers (no 64-bit byte arithmetic can then
// overflow at the top of the address space).  An operation is "on" an
// extent when the address it names lies inside it.
//
//===----------------------------------------------------------------------===//
#include "properties/shrink.hpp"

#include "platform/profile.hpp"
#include "properties/trace_format.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <optional>

namespace busmap {

namespace {

//===--------------------------------------------------------------------===//
// Extents and the operations on them.
//===--------------------------------------------------------------------===//

struct Extent {
  std::uint64_t first = 0, sections = 0;
  bool contains(std::uint64_t section) const {
    return section >= first && section - first < sections;
  }
  bool overlaps(const Extent &o) const {
    return first < o.first + o.sections && o.first < first + sections;
  }
};

std::uint32_t shift_of(const Trace &t) { return t.layout.config.section_shift; }

bool names_memory(const Op &op) {
  return op.kind != OpKind::Load && op.kind != OpKind::Unload && op.kind != OpKind::FaultAlloc &&
         op.kind != OpKind::FaultHcall;
}

bool is_fault(const Op &op) {
  return op.kind == OpKind::FaultAlloc || op.kind == OpKind::FaultHcall;
}

/// Where the trace arms a fault.
std::vector<std::size_t> faults_in(const Trace &t) {
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < t.ops.size(); ++k)
    if (is_fault(t.ops[k]))
      out.push_back(k);
  return out;
}

bool on(const Op &op, const Extent &e, std::uint32_t shift) {
  return names_memory(op) && e.contains(op.addr >> shift);
}

Extent extent_of(const BlockSpec &b, std::uint32_t shift) { return {b.base >> shift, b.sections}; }
Extent extent_of_add(const Op &add, std::uint32_t shift) { return {add.addr >> shift, add.sections}; }

/// Every block the trace talks about: the layout's, then each added one
/// (an add of an address already listed is the same block again).
std::vector<Extent> extents(const Trace &t) {
  const std::uint32_t s = shift_of(t);
  std::vector<Extent> out;
  for (const auto &b : t.layout.blocks)
    out.push_back(extent_of(b, s));
  for (const auto &op : t.ops)
    if (op.kind == OpKind::Add &&
        std::none_of(out.begin(), out.end(), [&](const Extent &e) { return e.first == op.addr >> s; }))
      out.push_back(extent_of_add(op, s));
  return out;
}

/// The first operation from `from` on `e`, or ops.size().
std::size_t first_on(const Trace &t, const Extent &e, std::size_t from = 0) {
  for (std::size_t i = from; i < t.ops.size(); ++i)
    if (on(t.ops[i], e, shift_of(t)))
      return i;
  return t.ops.size();
}

bool touches_gigantic(const Trace &t, const Extent &e) {
  const std::uint32_t s = shift_of(t);
  const std::uint64_t page_sections = 1ull << (t.layout.config.gigantic_shift - s);
  return std::any_of(t.layout.gigantic.begin(), t.layout.gigantic.end(),
                     [&](std::uint64_t g) { return e.overlaps({g >> s, page_sections}); });
}

Trace without(const Trace &t, std::initializer_list<std::size_t> indices) {
  Trace c = t;
  std::vector<std::size_t> sorted(indices);
  std::sort(sorted.rbegin(), sorted.rend());
  for (std::size_t i : sorted)
    c.ops.erase(c.ops.begin() + static_cast<std::ptrdiff_t>(i));
  return c;
}

void add_layout_block(Layout &l, BlockSpec b) {
  auto at = std::lower_bound(l.blocks.begin(), l.blocks.end(), b.base,
                             [](const BlockSpec &x, std::uint64_t base) { return x.base < base; });
  l.blocks.insert(at, b);
}

/// An online or offline that runs the whole protocol with nobody objecting:
/// the one whose effect a starting state can stand for.
bool plain(const Op &op, OpKind kind) {
  return op.kind == kind && op.phase == HotplugPhase::Atomic && op.veto == Veto::None &&
         !op.migrate_fail;
}

//===--------------------------------------------------------------------===//
// start-state.
//===--------------------------------------------------------------------===//

/// `add X` (and the plain `online X` right after it on X) as a block that
/// is in the layout from the start.
void added_from_the_start(const Trace &t, std::size_t add, std::vector<Trace> &out) {
  const std::uint32_t s = shift_of(t);
  const Extent x = extent_of_add(t.ops[add], s);
  if (first_on(t, x) != add)
    return; // something touched X before the add: it is not a new block
  for (const auto &b : t.layout.blocks)
    if (x.overlaps(extent_of(b, s)))
      return; // the add was refused; the layout cannot have both
  const BlockSpec block{t.ops[add].addr, t.ops[add].sections, BlockState::Offline};
  const std::size_t next = first_on(t, x, add + 1);
  if (next < t.ops.size() && plain(t.ops[next], OpKind::Online)) {
    Trace online = without(t, {add, next});
    add_layout_block(online.layout, {block.base, block.sections, BlockState::Online});
    out.push_back(std::move(online));
  }
  Trace offline = without(t, {add});
  add_layout_block(offline.layout, block);
  out.push_back(std::move(offline));
}

/// A layout block whose first operation is a plain online (offline) starts
/// online (offline) instead.
void layout_block_starts_changed(const Trace &t, std::size_t block, std::vector<Trace> &out) {
  const BlockSpec &b = t.layout.blocks[block];
  const std::size_t first = first_on(t, extent_of(b, shift_of(t)));
  if (first == t.ops.size())
    return;
  const Op &op = t.ops[first];
  const bool onlines = b.state == BlockState::Offline && plain(op, OpKind::Online);
  const bool offlines = b.state == BlockState::Online && plain(op, OpKind::Offline);
  if (!onlines && !offlines)
    return;
  Trace c = without(t, {first});
  c.layout.blocks[block].state = onlines ? BlockState::Online : BlockState::Offline;
  out.push_back(std::move(c));
}

//===--------------------------------------------------------------------===//
// Moving a block.
//===--------------------------------------------------------------------===//

/// `t` with extent `e` moved to start at section `to`: its layout block or
/// add, and every operation on it, by the same distance.
Trace moved(const Trace &t, const Extent &e, std::uint64_t to) {
  const std::uint32_t s = shift_of(t);
  Trace c = t;
  const auto move = [&](std::uint64_t &a) { a = ((a >> s) - e.first + to) << s | (a & ((1ull << s) - 1)); };
  for (auto &op : c.ops) {
    if (on(op, e, s))
      move(op.addr);
    for (Race &r : op.races) // a race on the block moves with it
      if (e.contains(r.addr >> s))
        move(r.addr);
  }
  for (auto &b : c.layout.blocks)
    if (b.base >> s == e.first)
      b.base = to << s;
  std::sort(c.layout.blocks.begin(), c.layout.blocks.end(),
            [](const BlockSpec &a, const BlockSpec &b) { return a.base < b.base; });
  return c;
}

std::uint64_t block_sections(const Trace &t) {
  return 1ull << (t.layout.config.block_shift - shift_of(t));
}

/// Free places for `e` below it, aligned to the block size: where it fits
/// without overlapping another extent.
std::vector<std::uint64_t> free_places_below(const Trace &t, const Extent &e,
                                             const std::vector<Extent> &all) {
  const std::uint64_t bs = block_sections(t);
  std::vector<std::uint64_t> starts = {0};
  for (const auto &o : all)
    if (o.first != e.first && o.first + o.sections <= e.first)
      starts.push_back((o.first + o.sections + bs - 1) / bs * bs);
  std::vector<std::uint64_t> out;
  for (auto p : starts) {
    const Extent there{p, e.sections};
    if (p < e.first && std::none_of(all.begin(), all.end(), [&](const Extent &o) {
          return o.first != e.first && there.overlaps(o);
        }))
      out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// The largest block size, at most the trace's own, that every extent is a
/// whole number of (in sections; a power of two).
std::uint64_t common_block_sections(const Trace &t) {
  std::uint64_t bits = block_sections(t);
  for (const auto &e : extents(t))
    bits |= e.first | e.sections;
  return bits & -bits;
}

/// `t` with extent `e` of `n` sections, block_shift lowered to fit.
Trace with_sections(const Trace &t, const Extent &e, std::uint64_t n) {
  const std::uint32_t s = shift_of(t);
  Trace c = t;
  for (auto &b : c.layout.blocks)
    if (b.base >> s == e.first)
      b.sections = n;
  for (auto &op : c.ops)
    if (op.kind == OpKind::Add && op.addr >> s == e.first)
      op.sections = n;
  c.layout.config.block_shift =
      s + static_cast<std::uint32_t>(std::countr_zero(common_block_sections(c)));
  return c;
}

//===--------------------------------------------------------------------===//
// The kernel's last memory.
//===--------------------------------------------------------------------===//

/// The block states a trace goes through, as far as the kernel's own rule
/// needs them: it never offlines its last online memory (its own pages
/// cannot be isolated), so no trace may ask it to.  A rough replay: a
/// vetoed or failing offline counts as done, which only makes the rule
/// stricter.
class RamReplay {
public:
  explicit RamReplay(const Trace &t) : shift_(shift_of(t)) {
    for (const auto &b : t.layout.blocks)
      blocks_.push_back({extent_of(b, shift_), b.state == BlockState::Online});
  }
  /// False when `op` offlines the last online block.
  bool step(const Op &op) {
    if (op.kind == OpKind::Add) {
      const Extent x = extent_of_add(op, shift_);
      if (std::none_of(blocks_.begin(), blocks_.end(), [&](const Block &b) { return b.e.overlaps(x); }))
        blocks_.push_back({x, false});
      return true;
    }
    Block *b = block_at(op);
    if (!b || (op.kind != OpKind::Online && op.kind != OpKind::Offline))
      return true;
    const bool cancel = op.phase == HotplugPhase::Cancel;
    if (op.kind == OpKind::Online) {
      b->online = !cancel;
      return true;
    }
    if (cancel) {
      b->online = true;
      return true;
    }
    if (b->online && op.phase != HotplugPhase::Done && online_blocks() == 1)
      return false;
    b->online = false;
    return true;
  }

private:
  struct Block {
    Extent e;
    bool online;
  };
  Block *block_at(const Op &op) {
    for (auto &b : blocks_)
      if (on(op, b.e, shift_))
        return &b;
    return nullptr;
  }
  std::size_t online_blocks() const {
    return static_cast<std::size_t>(
        std::count_if(blocks_.begin(), blocks_.end(), [](const Block &b) { return b.online; }));
  }
  std::uint32_t shift_;
  std::vector<Block> blocks_;
};

bool keeps_some_ram(const Trace &t) {
  RamReplay replay(t);
  const bool starts_with_ram = std::any_of(t.layout.blocks.begin(), t.layout.blocks.end(),
                                           [](const BlockSpec &b) { return b.state == BlockState::Online; });
  return starts_with_ram &&
         std::all_of(t.ops.begin(), t.ops.end(), [&](const Op &op) { return replay.step(op); });
}

/// Smaller distances for a fault armed `nth` calls ahead, nearest first:
/// every one up to 16, beyond that the next 16 below `nth` and the halvings
/// (a generated fault may be armed 2048 calls ahead; trying every distance
/// at every position would be millions of candidates).
std::vector<std::uint32_t> nearer_distances(std::uint32_t nth) {
  std::vector<std::uint32_t> out;
  for (std::uint32_t d = 1; d < nth && d <= 16; ++d)
    out.push_back(d);
  for (std::uint32_t d = nth / 2; d > 16; d /= 2)
    out.push_back(d);
  for (std::uint32_t d = std::max<std::uint32_t>(17, nth > 16 ? nth - 16 : 0); d < nth; ++d)
    out.push_back(d);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

} // namespace

//===--------------------------------------------------------------------===//
// The signature.
//===--------------------------------------------------------------------===//

std::string failure_signature(const Violation &v) {
  // Numbers in a look site name the section or address looked at; the
  // kind of look is the words around them.
  std::string where;
  for (std::size_t i = 0; i < v.where.size();) {
    if (std::isdigit(static_cast<unsigned char>(v.where[i]))) {
      where += '#';
      i += v.where.compare(i, 2, "0x") == 0 ? 2 : 0;
      while (i < v.where.size() && std::isxdigit(static_cast<unsigned char>(v.where[i])))
        ++i;
    } else {
      where += v.where[i++];
    }
  }
  // A step the end of the trace implies (closing a window left open, the
  // implicit unload) is judged like the same step written out: the same
  // kind of check, so a leak found at the implicit unload is the leak an
  // explicit `unload` found.
  if (where.starts_with("after the trace"))
    where = "after the step";
  return v.invariant + " | " + where + " | " + v.op.substr(0, v.op.find(' '));
}

//===--------------------------------------------------------------------===//
// The passes.
//===--------------------------------------------------------------------===//

std::vector<Trace> without_one_op(const Trace &t) {
  std::vector<Trace> out;
  for (std::size_t i = 0; i < t.ops.size(); ++i)
    out.push_back(without(t, {i}));
  return out;
}

std::vector<Trace> without_two_ops(const Trace &t) {
  std::vector<Trace> out;
  for (std::size_t i = 0; i < t.ops.size(); ++i)
    for (std::size_t j = i + 1; j < t.ops.size(); ++j)
      out.push_back(without(t, {i, j}));
  return out;
}

std::vector<Trace> start_states(const Trace &t) {
  std::vector<Trace> out;
  for (std::size_t i = 0; i < t.ops.size(); ++i)
    if (t.ops[i].kind == OpKind::Add)
      added_from_the_start(t, i, out);
  for (std::size_t b = 0; b < t.layout.blocks.size(); ++b)
    layout_block_starts_changed(t, b, out);
  return out;
}

std::vector<Trace> nearer_faults(const Trace &t) {
  // A fault's distance counts the allocations or firmware calls of every
  // step between it and its target, so removing such a step only keeps
  // the failure when the distance shrinks with it.
  std::vector<Trace> out;
  for (std::size_t k : faults_in(t)) {
    for (std::uint32_t nth : nearer_distances(t.ops[k].nth)) {
      Trace c = t;
      c.ops[k].nth = nth;
      out.push_back(c);
      for (std::size_t i = k + 1; i < t.ops.size(); ++i)
        out.push_back(without(c, {i}));
    }
  }
  return out;
}

std::vector<Trace> faults_moved_to_their_call(const Trace &t) {
  std::vector<Trace> out;
  for (std::size_t k : faults_in(t)) {
    // Past the steps k+1..to; each keeps nth when they made no matching
    // call, or takes off the calls they made.
    std::vector<std::uint32_t> distances = nearer_distances(t.ops[k].nth);
    distances.push_back(t.ops[k].nth);
    std::reverse(distances.begin(), distances.end());
    for (std::size_t to = k + 1; to < t.ops.size(); ++to)
      for (std::uint32_t nth : distances) {
        Trace c = t;
        Op fault = c.ops[k];
        fault.nth = nth;
        c.ops.erase(c.ops.begin() + static_cast<std::ptrdiff_t>(k));
        c.ops.insert(c.ops.begin() + static_cast<std::ptrdiff_t>(to), fault);
        out.push_back(std::move(c));
      }
  }
  return out;
}

std::vector<Trace> single_faults(const Trace &t) {
  std::vector<Trace> out;
  for (std::size_t k : faults_in(t))
    if (t.ops[k].count != 1) {
      Trace c = t;
      c.ops[k].count = 1;
      out.push_back(std::move(c));
    }
  return out;
}

std::vector<Trace> simpler_races(const Trace &t) {
  // Each race dropped, then earlier (toward the step's first callback),
  // then at the start of its section: the simplest interleaving and
  // address that still fail.
  std::vector<Trace> out;
  const std::uint64_t section_mask = ~((1ull << shift_of(t)) - 1);
  for (std::size_t k = 0; k < t.ops.size(); ++k)
    for (std::size_t r = 0; r < t.ops[k].races.size(); ++r) {
      const Race race = t.ops[k].races[r];
      Trace dropped = t;
      dropped.ops[k].races.erase(dropped.ops[k].races.begin() + static_cast<std::ptrdiff_t>(r));
      out.push_back(std::move(dropped));
      for (std::uint32_t at : nearer_distances(race.at)) {
        Trace c = t;
        c.ops[k].races[r].at = at;
        out.push_back(std::move(c));
      }
      if ((race.addr & section_mask) != race.addr) {
        Trace c = t;
        c.ops[k].races[r].addr = race.addr & section_mask;
        out.push_back(std::move(c));
      }
    }
  return out;
}

std::vector<Trace> lower_blocks(const Trace &t) {
  std::vector<Trace> out;
  const auto all = extents(t);
  for (const auto &e : all) {
    if (touches_gigantic(t, e))
      continue; // a gigantic page stays where its alignment puts it
    const auto places = free_places_below(t, e, all);
    if (places.empty())
      continue;
    out.push_back(moved(t, e, places.front()));
    if (places.back() != places.front()) // next to its lower neighbour: the order kept
      out.push_back(moved(t, e, places.back()));
  }
  return out;
}

std::vector<Trace> untouched_blocks_dropped(const Trace &t) {
  std::vector<Trace> out;
  for (std::size_t b = 0; b < t.layout.blocks.size(); ++b) {
    const Extent e = extent_of(t.layout.blocks[b], shift_of(t));
    if (first_on(t, e) < t.ops.size() || touches_gigantic(t, e))
      continue;
    Trace c = t;
    c.layout.blocks.erase(c.layout.blocks.begin() + static_cast<std::ptrdiff_t>(b));
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<Trace> fewer_sections(const Trace &t) {
  std::vector<Trace> out;
  for (const auto &e : extents(t)) {
    if (e.sections < 2 || touches_gigantic(t, e))
      continue;
    out.push_back(with_sections(t, e, 1));
    if (e.sections / 2 > 1)
      out.push_back(with_sections(t, e, e.sections / 2));
  }
  return out;
}

const std::vector<ShrinkPass> &shrink_passes() {
  static const std::vector<ShrinkPass> passes = {
      {"remove-op", without_one_op, false},
      {"start-state", start_states, true},
      {"remove-two-ops", without_two_ops, false},
      {"fault-distance", nearer_faults, false},
      {"fault-moves", faults_moved_to_their_call, false},
      {"fault-once", single_faults, false},
      {"simpler-race", simpler_races, false},
      {"drop-block", untouched_blocks_dropped, true},
      {"lower-block", lower_blocks, true},
      {"fewer-sections", fewer_sections, true},
  };
  return passes;
}

bool valid_candidate(const Trace &c) {
  try {
    parse_trace(write_trace(c), "candidate.trace");
  } catch (const ParseError &) {
    return false;
  }
  const Profile *profile = find_profile(c.profile);
  return (profile && profile->no_ram) || keeps_some_ram(c);
}

} // namespace busmap
