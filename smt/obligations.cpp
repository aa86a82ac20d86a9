// The six obligations of issue 5 §2 as Z3 sub-goals over the code under
// proof, and the sub-goal that must refute each mutant (see obligations.hpp).
#include "smt/obligations.hpp"

namespace busmap::smt {

namespace {

using Step = Counterexample::Step;
constexpr unsigned model_slot_bits = 64;  // the model ranks in uint64_t
constexpr unsigned driver_slot_bits = 32; // the radix driver's leaves

Word word(z3::context &c, const std::string &name) { return Word::var(c, name, address_bits); }
Word k64(z3::context &c, std::uint64_t v) { return Word::constant(c, v, address_bits); }

/// What every sub-goal assumes about a set: it is canonical, its sections
/// exist, and (count bound, proved in obligation 2) there are at most as
/// many of them as sections.
SymBool well_formed(const SectionSet &x, const Params &p) {
  return p.allowed() && x.canonical() && x.below(p.section_limit()) &&
         widen(x.count(), address_bits) <= p.section_limit();
}

/// The driver's widening of a 32-bit leaf to the 64-bit slot translate_slot
/// takes: the driver's own template (impl/radix_index.hpp), at 64 bits.
Word leaf_to_slot(const Word &leaf) {
  return radix::slot_of_leaf(leaf, Word::constant(leaf.ctx(), 0, address_bits));
}

// The sub-goals that refute the mutants, named once for the builders and
// the mutant table.
namespace goal {
constexpr const char *run_numbering = "driver: the i-th section of a run gets the run's rank + i";
constexpr const char *registered_in_mr = "driver: every registered slot lies inside the MR";
constexpr const char *translation_in_mr =
    "translate(addr) in [bus_start, bus_start + MR length), offset kept";
constexpr const char *section_base = "section_base(s) + o lies in section s at offset o";
constexpr const char *model_miss = "model: an address in an absent section translates to the miss value";
constexpr const char *bijection = "the split is a bijection from accepted sections onto tree paths";
constexpr const char *insert = "insert a section: ";
constexpr const char *remove = "remove a section: ";
constexpr const char *order = "slots keep the order of sections";
constexpr const char *below_n = "present sections hold slots below n";
constexpr const char *leaf_span_exact = "leaf span: a leaf accepts exactly the indices of its span";
constexpr const char *leaf_span_inverse =
    "leaf span: an accepted index is stored inside the leaf and walks back to itself";
} // namespace goal

// --- Lemmas -------------------------------------------------------------------
//
// A lemma is an implication over words, written once as a function: proved
// as a sub-goal of its own at fresh variables, then assumed at the terms of
// the sub-goals that need it.  A valid implication holds at every instance,
// so assuming instances is sound.  It lets Z3 meet shift and carry
// arithmetic once, in a small query over plain variables, instead of inside
// every query that uses it: obligation 3 went from 29 per-shift queries
// (22 s) to three queries for a symbolic shift (under 2 s).

struct Fact {
  SymBool given, then;
};

SymBool assume(const Fact &f) { return implies(f.given, f.then); }

/// A sub-goal about words alone: no set of sections, no trace.
void add_untraced(std::vector<Case> &out, const std::string &name, const char *subject,
                  const SymBool &given, const SymBool &then) {
  Case k(name, subject, given, then);
  k.traceable = false;
  out.push_back(std::move(k));
}

void add_lemma(std::vector<Case> &out, const std::string &name, const char *subject, const Fact &f) {
  add_untraced(out, "lemma: " + name, subject, f.given, f.then);
}

/// section_base(s) + o lies in section s at offset o, for every existing
/// section s and offset o inside a section.
template <class P> Fact section_fact(const Params &p, const Word &s, const Word &o) {
  const Word at = P::section_base(s, p.shift) + o;
  return {p.allowed() && s < p.section_limit() && o < p.section_size(),
          P::section_base(s, p.shift) == (s << p.shift) && P::section_of(at, p.shift) == s &&
              P::offset_in_section(at, p.shift) == o};
}

/// The next slot is one section further on the bus.
Fact shift_succ_fact(const Params &p, const Word &x) {
  return {p.allowed(), ((x + lit(x, 1)) << p.shift) == (x << p.shift) + p.section_size()};
}

/// A slot below n, with any in-section offset, stays below the MR length,
/// and the MR length of a count bound by the sections below 2^A is at
/// most 2^A.
template <class P> Fact inside_fact(const Params &p, const Word &slot, const Word &n, const Word &a) {
  const Word len = P::mr_length(n, p.shift);
  return {p.allowed() && slot < n && n <= p.section_limit(),
          (slot << p.shift) + P::offset_in_section(a, p.shift) < len &&
              len <= (lit(len, 1) << p.width)};
}

/// Adding the bus start keeps order and does not wrap, for offsets within
/// 2^A (the bus window the platform allows).
Fact bus_add_fact(const Params &p, const Word &x, const Word &y) {
  const Word &bus = p.bus_start;
  return {p.allowed() && x < y && y <= (lit(y, 1) << p.width),
          add_fits(bus, y) && bus <= bus + x && bus + x < bus + y && (bus + x) - bus == x};
}

/// The counting lemma behind every bound on a number of sections: a
/// strictly increasing map g from [0, n) into the words has g(r) >= r.
/// Step: g(r) >= r implies g(r + 1) >= r + 1 (the base g(0) >= 0 is
/// immediate for unsigned words).  `base` holds what makes g increasing.
template <class G>
Case count_step(const std::string &name, const SymBool &base, const Word &n, G g) {
  const Word r = Word::var(n.ctx(), "r", n.width());
  const Word one = lit(r, 1);
  Case out{name, "model", base && r + one < n && g(r) >= widen(r, g(r).width()),
           g(r + one) >= widen(r + one, g(r).width())};
  out.traceable = false;
  return out;
}

// --- 1. no-hole coverage ----------------------------------------------------

/// The section after a present section s is the next present one t when
/// everything between them is absent: t holds the next slot.
Fact next_slot_fact(const SectionSet &x, const Word &s, const Word &t) {
  return {x.present(s) && x.present(t) && s < t && x.run_absent(s + lit(s, 1), t),
          x.slot(t) == x.slot(s) + lit(x.count(), 1)};
}

template <class P> std::vector<Case> no_hole(z3::context &c, const Params &p, const SetFactory &make) {
  std::vector<Case> out;
  const Word s = word(c, "s"), t = word(c, "t"), one = k64(c, 1), ss = p.section_size();
  add_lemma(out, "section_base(s) + o is in section s at offset o", "model",
            section_fact<P>(p, word(c, "ls"), word(c, "lo")));
  add_lemma(out, "(x + 1) << shift = (x << shift) + section size", "model",
            shift_succ_fact(p, word(c, "lx")));
  // One set per sub-goal: each registers its own universal hypotheses.
  auto model_case = [&](const std::string &name, auto hyp, auto goal, std::optional<Word> addr,
                        auto hint) {
    auto x = make("m", model_slot_bits);
    auto bus_of = [&](const Word &sec, const Word &off) {
      return P::translate_slot(p.bus_start, x->slot(sec), p.shift, P::section_base(sec, p.shift) + off);
    };
    x->hint_rank(hint(*x));
    Case k(name, "model", well_formed(*x, p) && hyp(*x), goal(*x, bus_of), Step::Translate, addr);
    k.set = x;
    k.traceable = addr.has_value();
    out.push_back(k);
  };
  const Word zero = k64(c, 0);
  auto rank0 = [](SectionSet &x) { return lit(x.count(), 0); };
  model_case(
      "first present section at slot 0, at the bus start",
      [&](SectionSet &x) {
        return x.present(s) && x.rank_at(s, lit(x.count(), 0)) && assume(section_fact<P>(p, s, zero));
      },
      [&](SectionSet &x, auto bus_of) {
        return x.slot(s) == lit(x.count(), 0) && bus_of(s, zero) == p.bus_start;
      },
      P::section_base(s, p.shift), rank0);
  model_case(
      "next present section at the next slot",
      [&](SectionSet &x) { return next_slot_fact(x, s, t).given; },
      [&](SectionSet &x, auto) { return next_slot_fact(x, s, t).then; }, P::section_base(t, p.shift),
      [&](SectionSet &x) { return x.slot(s) + lit(x.count(), 1); });
  model_case(
      "next present section adjacent on the bus",
      [&](SectionSet &x) {
        return x.present(s) && x.present(t) && x.slot(t) == x.slot(s) + lit(x.count(), 1) &&
               assume(section_fact<P>(p, s, zero)) && assume(section_fact<P>(p, t, zero)) &&
               assume(shift_succ_fact(p, x.slot(s)));
      },
      [&](SectionSet &, auto bus_of) { return bus_of(t, zero) == bus_of(s, zero) + ss; },
      P::section_base(t, p.shift), rank0);
  model_case(
      "last present section at slot n-1",
      [&](SectionSet &x) { return x.present(s) && x.run_absent(s + one, p.section_limit()); },
      [&](SectionSet &x, auto) { return x.slot(s) == x.count() - lit(x.count(), 1); },
      P::section_base(s, p.shift) + ss - one,
      [](SectionSet &x) { return x.count() - lit(x.count(), 1); });
  model_case(
      "the last present section's last byte ends the MR",
      [&](SectionSet &x) {
        return x.present(s) && x.slot(s) == x.count() - lit(x.count(), 1) &&
               assume(section_fact<P>(p, s, ss - one)) &&
               assume(shift_succ_fact(p, widen(x.count() - lit(x.count(), 1), address_bits)));
      },
      [&](SectionSet &x, auto bus_of) {
        return bus_of(s, ss - one) + one ==
               p.bus_start + P::mr_length(widen(x.count(), address_bits), p.shift);
      },
      P::section_base(s, p.shift) + ss - one, rank0);
  model_case(
      "injective: distinct present sections, distinct slots",
      [&](SectionSet &x) { return x.present(s) && x.present(t) && s != t; },
      [&](SectionSet &x, auto) { return x.slot(s) != x.slot(t); }, P::section_base(t, p.shift),
      rank0);
  {
    // run_consecutive by induction over u - b: at u = b it is slot(b) =
    // slot(b) + 0; the step uses "next present section at the next slot"
    // (proved above) at u and u + 1.
    auto x = make("m", model_slot_bits);
    const Word b = word(c, "b"), e = word(c, "e"), u = word(c, "u");
    auto consecutive_at = [&](const Word &v) {
      return x->slot(v) == x->slot(b) + narrow(v - b, model_slot_bits);
    };
    Case step{"induction step: a present run has consecutive slots", "model",
              well_formed(*x, p) && x->run_present(b, e) && b <= u && u < u + one && u + one < e &&
                  consecutive_at(u) && assume(next_slot_fact(*x, u, u + one)),
              consecutive_at(u + one)};
    step.traceable = false;
    step.set = x;
    out.push_back(step);
  }
  {
    // The driver numbers the i-th section u of a loaded or inserted run
    // slot_in_run(rank of the run, i): it must be the canonical slot.
    auto x = make("d", driver_slot_bits);
    const Word b = word(c, "b"), e = word(c, "e"), u = word(c, "u");
    out.push_back({goal::run_numbering, "driver",
                   well_formed(*x, p) && x->run_present(b, e) && x->run_consecutive(b, e) &&
                       in_run(u, b, e),
                   P::slot_in_run(x->slot(b), narrow(u - b, driver_slot_bits)) == x->slot(u),
                   Step::Translate, P::section_base(u, p.shift)});
    out.back().set = x;
  }
  return out;
}

// --- 2. MR length <= partition memory ---------------------------------------

template <class P> std::vector<Case> mr_length(z3::context &c, const Params &p, const SetFactory &make) {
  std::vector<Case> out;
  auto part = make("part", model_slot_bits), mapped = make("map", model_slot_bits);
  const z3::func_decl gigantic =
      c.function("gigantic", c.bv_sort(address_bits), c.bool_sort());
  const Word s = word(c, "s"), r = Word::var(c, "r", model_slot_bits);
  const SymBool subset_at_s = implies(mapped->present(s),
                                      part->present(s) && !SymBool(gigantic(s.expr())));
  const SymBool both = well_formed(*part, p) && well_formed(*mapped, p);
  // Subset M of P \ G, stated through the sections the lemma looks at.
  auto subset = [&](const Word &sec) {
    return implies(mapped->present(sec), part->present(sec) && !SymBool(gigantic(sec.expr())));
  };
  auto g = [&](const Word &q) { return part->slot(mapped->unrank(q)); };
  out.push_back(count_step("induction step: mapped sections rank no lower in the partition",
                           both && subset(mapped->unrank(r)) && subset(mapped->unrank(r + lit(r, 1))),
                           mapped->count(), g));
  const Word nm = mapped->count(), np = part->count();
  const Word last = nm - lit(nm, 1);
  const SymBool lemma_at_last = g(last) >= last; // the induction's conclusion at r = n - 1
  add_untraced(out, "MR length = n x section size <= partition memory, no overflow", "model",
               both && subset_at_s && subset(mapped->unrank(last)) &&
                   implies(nm > lit(nm, 0), lemma_at_last),
               nm <= np && shl_fits(nm, p.shift) &&
                   P::mr_length(nm, p.shift) <= P::mr_length(np, p.shift) &&
                   P::mr_length(np, p.shift) <= (lit(np, 1) << p.width));
  {
    // The count bound well_formed() assumes: n <= 2^(A - shift), by the same
    // lemma with g = unrank into the sections below the limit.
    auto x = make("x", model_slot_bits);
    const SymBool base = p.allowed() && x->canonical() && x->below(p.section_limit());
    auto u = [&](const Word &q) { return x->unrank(q); };
    out.push_back(count_step("induction step: the q-th present section is at least q", base,
                             x->count(), u));
    const Word n = x->count(), top = n - lit(n, 1);
    add_untraced(out, "count bound: n <= sections below 2^A", "model",
                 base && implies(n > lit(n, 0), x->unrank(top) >= top), n <= p.section_limit());
  }
  {
    // The driver registers slot_in_run(r, i) for the runs it inserts; every
    // such slot must lie inside the MR of mr_length(n).
    auto x = make("d", driver_slot_bits);
    const Word b = word(c, "b"), e = word(c, "e"), u = word(c, "u");
    const Word slot = P::slot_in_run(x->slot(b), narrow(u - b, driver_slot_bits));
    const Word n = widen(x->count(), address_bits), zero = k64(c, 0);
    add_lemma(out, "a slot below n lies inside the MR", "driver",
              inside_fact<P>(p, word(c, "lslot"), word(c, "ln"), word(c, "la")));
    out.push_back({goal::registered_in_mr, "driver",
                   well_formed(*x, p) && x->run_present(b, e) && x->run_consecutive(b, e) &&
                       in_run(u, b, e) && x->present(u) && // (implied by the run; names its slot)
                       assume(inside_fact<P>(p, leaf_to_slot(slot), n, zero)),
                   slot != ~lit(slot, 0) &&
                       (leaf_to_slot(slot) << p.shift) < P::mr_length(n, p.shift),
                   Step::Translate, P::section_base(u, p.shift)});
    out.back().set = x;
  }
  return out;
}

// --- 3. a translated address lies in the MR, offset kept --------------------

template <class P> std::vector<Case> in_mr(z3::context &c, const Params &p, const SetFactory &make) {
  std::vector<Case> out;
  add_lemma(out, "a slot below n, with its offset, lies inside the MR length", "model",
            inside_fact<P>(p, word(c, "lslot"), word(c, "ln"), word(c, "la")));
  add_lemma(out, "adding the bus start keeps order, without wrapping", "model",
            bus_add_fact(p, word(c, "lx"), word(c, "ly")));
  auto x = make("m", model_slot_bits);
  const Word a = word(c, "addr"), ss = p.section_size();
  const Word spec_section = a >> p.shift, spec_offset = a & (ss - lit(ss, 1));
  const Word n = x->count(), len = P::mr_length(n, p.shift);
  const Word slot = x->slot(P::section_of(a, p.shift));
  const Word bus = P::translate_slot(p.bus_start, slot, p.shift, a);
  const Word in_mr = (slot << p.shift) + P::offset_in_section(a, p.shift);
  out.push_back({goal::translation_in_mr, "model",
                 well_formed(*x, p) && x->present(spec_section) &&
                     assume(inside_fact<P>(p, slot, n, a)) && assume(bus_add_fact(p, in_mr, len)),
                 add_fits(p.bus_start, len) && p.bus_start <= bus && bus < p.bus_start + len &&
                     bus - p.bus_start == (x->slot(spec_section) << p.shift) + spec_offset,
                 Step::Translate, a});
  out.back().set = x;
  // The pages registered for a section are read from section_base(): it
  // must be the section's first byte and round-trip through section_of().
  const Word s = word(c, "s"), o = word(c, "o");
  const Fact sec = section_fact<P>(p, s, o);
  out.push_back({goal::section_base, "model",
                 well_formed(*x, p) && x->present(s) && sec.given, sec.then, Step::Translate,
                 (s << p.shift) + o});
  out.back().set = x;
  return out;
}

// --- 4. exact misses ----------------------------------------------------------

/// The indices the driver's walk (radix::walk_path) takes for section s in
/// a tree of `height`, root first, the leaf index last.
template <class P> std::vector<Word> path_of(const Word &s, unsigned height) {
  std::vector<Word> path;
  auto take = [&](const Word &index) { return path.push_back(index), true; };
  radix::walk_path<P>(s, height, false, [&](unsigned, const Word &index) { return take(index); }, take);
  return path;
}

/// The section whose leaf entry the driver's walk reaches for s: the walk's
/// indices put back together with section_at(), as RadixMap's traversal
/// rebuilds the sections of its leaves.
template <class P> Word radix_path(const Word &s, unsigned height) {
  Word at = lit(s, 0);
  // The symbolic walk has no missing children: it never stops early.
  return radix::walk_path<P>(
      s, height, at,
      [&](unsigned level, const Word &index) { return at = radix::section_at(at, index, level), true; },
      [&](const Word &index) { return radix::section_at(at, index, 0); });
}

/// Every height a tree can have; the radix driver's tree has height >= 1
/// once it maps anything, so counterexamples are looked for there first.
constexpr unsigned tree_heights[] = {1, 2, 3, 4, 5, 0};
static_assert(std::size(tree_heights) == radix::max_height + 1);

SymBool covered_by(const Word &s, unsigned height) {
  const unsigned bits = radix::covered_bits(height);
  return bits >= 64 ? sym_true(s.ctx()) : (s >> lit(s, bits)) == lit(s, 0);
}

template <class P> std::vector<Case> exact_miss(z3::context &c, const Params &p, const SetFactory &make) {
  std::vector<Case> out;
  const Word a = word(c, "addr");
  {
    auto x = make("m", model_slot_bits);
    const Word bus = P::translate_slot(p.bus_start, x->slot(P::section_of(a, p.shift)), p.shift, a);
    out.push_back({goal::model_miss, "model",
                   well_formed(*x, p) && !x->present(a >> p.shift), bus == ~lit(bus, 0),
                   Step::Translate, a});
    out.back().set = x;
  }
  for (unsigned h : tree_heights) {
    auto x = make("d" + std::to_string(h), driver_slot_bits);
    const Word s = P::section_of(a, p.shift);
    const Word leaf = select(P::fits_height(s, h), x->slot(radix_path<P>(s, h)), ~Word::constant(c, 0, driver_slot_bits));
    const Word bus = P::translate_slot(p.bus_start, leaf_to_slot(leaf), p.shift, a);
    out.push_back({"driver, tree height " + std::to_string(h) +
                       ": an address in an absent section translates to the miss value",
                   "driver",
                   well_formed(*x, p) && x->below(k64(c, 1) << k64(c, radix::covered_bits(h) % 64)) &&
                       !x->present(a >> p.shift),
                   bus == ~lit(bus, 0), Step::Translate, a});
    out.back().set = x;
  }
  return out;
}

// --- 5. the radix split -------------------------------------------------------

/// A leaf that stores only leaf indices [lo, lo + len) (RadixMap keeps
/// lo + len <= 2^leaf_bits): the driver's offset_in_leaf / in_leaf_span
/// accept exactly the indices of the span, an accepted index's offset lies
/// inside the storage, and index_in_leaf (the walks' inverse) gives the
/// index back, so two indices never share a stored slot and every index
/// outside the span reads as absent.
template <class P> void add_leaf_span(std::vector<Case> &out, z3::context &c, const Params &p) {
  const Word i = word(c, "leaf_index"), lo = word(c, "lo"), len = word(c, "len");
  const Word entries = k64(c, 1ull << radix::leaf_bits);
  const SymBool shape = i < entries && lo < entries && len <= entries && lo + len <= entries;
  const Word off = radix::offset_in_leaf(i, lo);
  const SymBool accepted(P::in_leaf_span(off, len).expr());
  add_untraced(out, goal::leaf_span_exact, "driver",
               p.allowed() && shape, iff(accepted, lo <= i && i < lo + len));
  add_untraced(out, goal::leaf_span_inverse, "driver", p.allowed() && shape && accepted,
               off < len && P::index_in_leaf(lo, off) == i);
}

template <class P> std::vector<Case> radix_split(z3::context &c, const Params &p, const SetFactory &) {
  std::vector<Case> out;
  for (unsigned h : tree_heights) {
    const Word s = word(c, "s"), t = word(c, "t");
    const std::string at = "tree height " + std::to_string(h) + ": ";
    // Table sizes by level: the root first, the leaf last (as path_of).
    const std::vector<Word> ps = path_of<P>(s, h), pt = path_of<P>(t, h);
    SymBool in_tables = sym_true(c), same_path = sym_true(c);
    for (std::size_t i = 0; i < ps.size(); ++i) {
      const unsigned bits = i + 1 == ps.size() ? radix::leaf_bits : radix::inner_bits;
      in_tables = in_tables && ps[i] < k64(c, 1ull << bits);
      same_path = same_path && ps[i] == pt[i];
    }
    const SymBool accepted_s = SymBool(P::fits_height(s, h).expr());
    const SymBool accepted_t = SymBool(P::fits_height(t, h).expr());
    // Counterexamples present the lower section and translate the higher.
    Case bij{at + goal::bijection, "driver",
             p.allowed() && accepted_s && accepted_t && s < t,
             !same_path && radix_path<P>(s, h) == s && radix_path<P>(t, h) == t, Step::Translate,
             P::section_base(t, p.shift)};
    bij.extra_present.push_back(s);
    out.push_back(bij);
    add_untraced(out, at + "every index lies inside its table", "driver", p.allowed(), in_tables);
    add_untraced(out, at + "the tree accepts exactly the sections it covers", "driver", p.allowed(),
                 iff(accepted_s, covered_by(s, h)));
  }
  add_leaf_span<P>(out, c, p);
  return out;
}

// --- 6. the inductive step ------------------------------------------------------

/// The canonical-slot invariant of a state given by its leaves, as named
/// parts checked at fresh points s, t, q (the negated goal skolemises
/// them), with `unrank` the witness for onto.  Each part is a sub-goal of
/// its own: together they took Z3 minutes, apart they take seconds.
template <class Present, class Leaf, class Unrank>
std::vector<std::pair<std::string, SymBool>> canonical_parts(z3::context &c, const std::string &tag,
                                                             Present present, Leaf leaf,
                                                             Unrank unrank, const Word &n) {
  const Word s = word(c, tag + ".s"), t = word(c, tag + ".t");
  const Word q = Word::var(c, tag + ".q", n.width());
  const Word miss = ~lit(n, 0);
  return {
      {goal::below_n, implies(present(s), leaf(s) < n) && n < miss},
      {"absent sections hold the miss value", implies(!present(s), leaf(s) == miss)},
      {goal::order, implies(present(s) && present(t) && s < t, leaf(s) < leaf(t))},
      {"every slot below n is held", implies(q < n, present(unrank(q)) && leaf(unrank(q)) == q)},
  };
}

template <class P> std::vector<Case> inductive_step(z3::context &c, const Params &p, const SetFactory &make) {
  std::vector<Case> out;
  // One section b: the run [b, b + 1) of the driver's run templates at
  // count 1.  Runs of any length follow from the composition identities
  // at the end, by induction on the count.
  const Word b = word(c, "b"), one = k64(c, 1);
  const Word single = Word::constant(c, 1, driver_slot_bits);
  // One sub-goal per invariant part of the state after mapping or
  // unmapping b; a counterexample becomes that step on b.
  auto add_update = [&](const char *prefix, Step step, const std::shared_ptr<SectionSet> &x,
                        const SymBool &before, const auto &parts) {
    for (const auto &[part, after] : parts) {
      Case k{prefix + part, "driver", before, after, step};
      k.run_first = b;
      k.run_count = one;
      k.set = x;
      out.push_back(k);
    }
  };
  {
    // The driver maps the absent section b at rank r (the number of
    // present sections below b): b's leaf gets slot_in_run(r, 0), every
    // other leaf slot_after_insert_run(slot, r, 1).
    auto x = make("ins", driver_slot_bits);
    const Word r = Word::var(c, "r", driver_slot_bits), n2 = x->count() + single;
    auto present = [&](const Word &s) { return x->present(s) || s == b; };
    auto leaf = [&](const Word &s) {
      return select(s == b, P::slot_in_run(r, narrow(s - b, driver_slot_bits)),
                    P::slot_after_insert_run(x->slot(s), r, single));
    };
    auto unrank = [&](const Word &q) {
      return select(q < r, x->unrank(q), select(q == r, b, x->unrank(q - single)));
    };
    // fits_slot on the 64-bit count is the driver's own guard before a map.
    const SymBool before = well_formed(*x, p) && !x->present(b) && b < p.section_limit() &&
                           x->rank_at(b, r) && radix::fits_slot(widen(x->count(), address_bits) + one);
    add_update(goal::insert, Step::AddRun, x, before, canonical_parts(c, "ins", present, leaf, unrank, n2));
  }
  {
    // The driver unmaps the present section b: its leaf is cleared and
    // every other leaf becomes slot_after_remove_run(slot, slot(b), 1).
    auto x = make("rem", driver_slot_bits);
    const Word first = x->slot(b), n2 = x->count() - single;
    auto present = [&](const Word &s) { return x->present(s) && s != b; };
    auto leaf = [&](const Word &s) {
      return select(s == b, ~lit(first, 0), P::slot_after_remove_run(x->slot(s), first, single));
    };
    auto unrank = [&](const Word &q) { return select(q < first, x->unrank(q), x->unrank(q + single)); };
    const SymBool before = well_formed(*x, p) && x->present(b);
    add_update(goal::remove, Step::RemoveRun, x, before,
               canonical_parts(c, "rem", present, leaf, unrank, n2));
  }
  const Word slot = Word::var(c, "slot", driver_slot_bits), r = Word::var(c, "r", driver_slot_bits);
  const Word cnt = Word::var(c, "count", driver_slot_bits), i = Word::var(c, "i", driver_slot_bits);
  const Word miss = ~lit(slot, 0);
  auto word_case = [&](const std::string &name, const SymBool &given, const SymBool &then) {
    add_untraced(out, name, "driver", given, then);
  };
  // RadixMap::rerank skips a leaf whose slots all lie below the changed
  // rank: the re-rank must leave such slots (and absent ones) alone.
  word_case("slots below the changed rank are left alone (the re-rank may skip their leaf)",
            add_fits(r, cnt) && (slot < r || slot == miss),
            P::slot_after_insert_run(slot, r, cnt) == slot &&
                P::slot_after_remove_run(slot, r, cnt) == slot);
  // Induction on the count: a run of count + 1 sections is its first
  // section and then a run of count, for the re-rank of the other leaves
  // and for the numbering of the run itself.  With the single-section
  // proofs above as the base, mapping or unmapping a run keeps the leaves
  // canonical too (each intermediate state is one of the states above).
  // Slots and ranks stay below the miss value after the update, as the
  // driver's fits_slot guard keeps them.
  const SymBool no_wrap = r + cnt + single > r && slot != miss;
  word_case("a run of count + 1 is one section, then a run of count (insert)",
            no_wrap && slot < slot + cnt + single && radix::fits_slot(slot + cnt + single),
            P::slot_after_insert_run(slot, r, cnt + single) ==
                P::slot_after_insert_run(P::slot_after_insert_run(slot, r, single), r + single, cnt));
  word_case("the i+1-th section of a run is the i-th of the run after its first",
            r < r + single,
            P::slot_in_run(r, i + single) == P::slot_in_run(r + single, i) &&
                P::slot_after_insert_run(P::slot_in_run(r, lit(i, 0)), r + single, cnt) ==
                    P::slot_in_run(r, lit(i, 0)));
  word_case("a run of count + 1 is one section, then a run of count (remove)",
            no_wrap && (slot < r || slot > r + cnt), // the removed slots are cleared
            P::slot_after_remove_run(slot, r, cnt + single) ==
                P::slot_after_remove_run(P::slot_after_remove_run(slot, r, single), r, cnt));
  return out;
}

} // namespace

Params::Params(z3::context &c)
    : shift(word(c, "section_shift")), width(word(c, "address_width")), bus_start(word(c, "bus_start")) {}

SymBool Params::allowed() const {
  z3::context &c = shift.ctx();
  const Word bus65 = widen(bus_start, 65);
  const Word span65 = Word::constant(c, 1, 65) << widen(width, 65);
  return shift >= k64(c, 12) && shift <= k64(c, 40) && width > shift && width <= k64(c, 63) &&
         (bus_start & k64(c, 0xFFF)) == k64(c, 0) &&
         bus65 + span65 < (Word::constant(c, 1, 65) << Word::constant(c, 64, 65));
}

SymBool Params::defaults() const {
  z3::context &c = shift.ctx();
  return shift == k64(c, 24) && width == k64(c, 62) && bus_start == k64(c, 0x8000000000000000ull);
}

const std::vector<ObligationSpec> &obligations() {
  static const std::vector<ObligationSpec> all = {
      {"1 no-hole", no_hole<Canonical>},
      {"2 mr-length", mr_length<Canonical>},
      {"3 in-mr", in_mr<Canonical>},
      {"4 exact-miss", exact_miss<Canonical>},
      {"5 radix-split", radix_split<Canonical>},
      {"6 inductive-step", inductive_step<Canonical>},
  };
  return all;
}

const std::vector<MutantSpec> &mutants() {
  using namespace mutant;
  static const std::string height1_bijection = std::string("tree height 1: ") + goal::bijection;
  static const std::string insert_order = std::string(goal::insert) + goal::order;
  static const std::string remove_below_n = std::string(goal::remove) + goal::below_n;
  static const std::vector<MutantSpec> all = {
      {SlotInRunOffByOne::name, "1 no-hole", goal::run_numbering, no_hole<SlotInRunOffByOne>},
      {SlotInRunOffByOne::name, "2 mr-length", goal::registered_in_mr, mr_length<SlotInRunOffByOne>},
      {OffsetShortMask::name, "3 in-mr", goal::translation_in_mr, in_mr<OffsetShortMask>},
      {SectionBaseInt32::name, "3 in-mr", goal::section_base, in_mr<SectionBaseInt32>},
      {SectionMasked48::name, "4 exact-miss", goal::model_miss, exact_miss<SectionMasked48>},
      {MissZero::name, "4 exact-miss", goal::model_miss, exact_miss<MissZero>},
      {FitsUnchecked::name, "5 radix-split", height1_bijection.c_str(), radix_split<FitsUnchecked>},
      {InnerOverlap::name, "5 radix-split", height1_bijection.c_str(), radix_split<InnerOverlap>},
      {InsertStrict::name, "6 inductive-step", insert_order.c_str(), inductive_step<InsertStrict>},
      {RemoveNone::name, "6 inductive-step", remove_below_n.c_str(), inductive_step<RemoveNone>},
      // The leaf-span goals are about a leaf's storage, not one translation:
      // refuted by Z3 alone, with no trace.
      {LeafSpanInclusive::name, "5 radix-split", goal::leaf_span_exact, radix_split<LeafSpanInclusive>},
      {IndexInLeafOffByOne::name, "5 radix-split", goal::leaf_span_inverse,
       radix_split<IndexInLeafOffByOne>},
  };
  return all;
}

} // namespace busmap::smt
