// The six obligations of issue 5 §2 as Z3 sub-goals over the code under
// proof, and the mutant each one must refute (see obligations.hpp).
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

// --- 1. no-hole coverage ----------------------------------------------------

template <class P> std::vector<Case> no_hole(z3::context &c, const Params &p, const SetFactory &make) {
  std::vector<Case> out;
  const Word s = word(c, "s"), t = word(c, "t"), one = k64(c, 1), ss = p.section_size();
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
  model_case(
      "first present section at slot 0, at the bus start",
      [&](SectionSet &x) { return x.present(s) && x.rank_at(s, lit(x.count(), 0)); },
      [&](SectionSet &x, auto bus_of) {
        return x.slot(s) == lit(x.count(), 0) && bus_of(s, lit(s, 0)) == p.bus_start;
      },
      P::section_base(s, p.shift), [](SectionSet &x) { return lit(x.count(), 0); });
  model_case(
      "next present section at the next slot",
      [&](SectionSet &x) {
        return x.present(s) && x.present(t) && s < t && x.run_absent(s + one, t - s - one);
      },
      [&](SectionSet &x, auto) { return x.slot(t) == x.slot(s) + lit(x.count(), 1); },
      P::section_base(t, p.shift), [&](SectionSet &x) { return x.slot(s) + lit(x.count(), 1); });
  // The bus side of "next", from the slot step just proved: a separate
  // sub-goal, split on the section shift, because the identity
  // (x + 1) << k = (x << k) + (1 << k) is slow to bit-blast for symbolic k.
  model_case(
      "next present section adjacent on the bus",
      [&](SectionSet &x) {
        return x.present(s) && x.present(t) && s < t && x.slot(t) == x.slot(s) + lit(x.count(), 1);
      },
      [&](SectionSet &, auto bus_of) { return bus_of(t, lit(t, 0)) == bus_of(s, lit(s, 0)) + ss; },
      P::section_base(t, p.shift), [](SectionSet &x) { return lit(x.count(), 0); });
  out.back().split_shift = true;
  model_case(
      "last present section at slot n-1",
      [&](SectionSet &x) {
        return x.present(s) && x.run_absent(s + one, p.section_limit() - s - one);
      },
      [&](SectionSet &x, auto) { return x.slot(s) == x.count() - lit(x.count(), 1); },
      P::section_base(s, p.shift) + ss - one,
      [](SectionSet &x) { return x.count() - lit(x.count(), 1); });
  model_case(
      "the last present section's last byte ends the MR",
      [&](SectionSet &x) { return x.present(s) && x.slot(s) == x.count() - lit(x.count(), 1); },
      [&](SectionSet &x, auto bus_of) {
        return bus_of(s, ss - one) + one ==
               p.bus_start + P::mr_length(widen(x.count(), address_bits), p.shift);
      },
      P::section_base(s, p.shift) + ss - one, [](SectionSet &x) { return lit(x.count(), 0); });
  out.back().split_shift = true;
  model_case(
      "injective: distinct present sections, distinct slots",
      [&](SectionSet &x) { return x.present(s) && x.present(t) && s != t; },
      [&](SectionSet &x, auto) { return x.slot(s) != x.slot(t); }, P::section_base(t, p.shift),
      [](SectionSet &x) { return lit(x.count(), 0); });
  {
    // Induction over i for run_consecutive; i = 0 is immediate.
    auto x = make("m", model_slot_bits);
    const Word b = word(c, "b"), len = word(c, "len"), i = word(c, "i");
    const Word slot_i = x->slot(b) + narrow(i, model_slot_bits);
    x->hint_rank(slot_i + lit(slot_i, 1));
    Case step{"induction step: a present run has consecutive slots", "model",
              well_formed(*x, p) && x->run_present(b, len) && i + one < len &&
                  x->present(b + i) && x->slot(b + i) == slot_i,
              x->slot(b + i + one) == slot_i + lit(slot_i, 1)};
    step.traceable = false;
    step.set = x;
    out.push_back(step);
  }
  {
    // The driver numbers the i-th section of a loaded or inserted run
    // slot_in_run(rank of the run, i): it must be the canonical slot.
    auto x = make("d", driver_slot_bits);
    const Word b = word(c, "b"), len = word(c, "len"), i = word(c, "i");
    out.push_back({"driver: the i-th section of a run gets the run's rank + i", "driver",
                   well_formed(*x, p) && x->run_present(b, len) && x->run_consecutive(b, len) &&
                       i < len && len <= widen(x->count(), address_bits),
                   P::slot_in_run(x->slot(b), narrow(i, driver_slot_bits)) == x->slot(b + i),
                   Step::Translate, P::section_base(b + i, p.shift)});
    out.back().set = x;
  }
  return out;
}

// --- 2. MR length <= partition memory ---------------------------------------

/// The counting lemma behind both bounds: a strictly increasing map g from
/// [0, n) into [0, m) has n <= m.  Step: g(r) >= r implies g(r + 1) >= r + 1.
template <class G>
Case count_step(const std::string &name, const SymBool &base, const Word &n, G g) {
  const Word r = Word::var(n.ctx(), "r", n.width());
  const Word one = lit(r, 1);
  Case out{name, "model", base && r + one < n && g(r) >= widen(r, g(r).width()),
           g(r + one) >= widen(r + one, g(r).width())};
  out.traceable = false;
  return out;
}

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
  Case length{"MR length = n x section size <= partition memory, no overflow", "model",
                 both && subset_at_s && subset(mapped->unrank(last)) &&
                     implies(nm > lit(nm, 0), lemma_at_last),
                 nm <= np && shl_fits(nm, p.shift) &&
                     P::mr_length(nm, p.shift) <= P::mr_length(np, p.shift) &&
                     P::mr_length(np, p.shift) <= (lit(np, 1) << p.width)};
  length.traceable = false;
  out.push_back(length);
  {
    // The count bound well_formed() assumes: n <= 2^(A - shift), by the same
    // lemma with g = unrank into the sections below the limit.
    auto x = make("x", model_slot_bits);
    const SymBool base = p.allowed() && x->canonical() && x->below(p.section_limit());
    auto u = [&](const Word &q) { return x->unrank(q); };
    out.push_back(count_step("induction step: the q-th present section is at least q", base,
                             x->count(), u));
    const Word n = x->count(), top = n - lit(n, 1);
    Case bound{"count bound: n <= sections below 2^A", "model",
               base && implies(n > lit(n, 0), x->unrank(top) >= top),
               n <= p.section_limit()};
    bound.traceable = false;
    out.push_back(bound);
  }
  {
    // The driver registers slot_in_run(r, i) for the runs it inserts; every
    // such slot must lie inside the MR of mr_length(n).
    auto x = make("d", driver_slot_bits);
    const Word b = word(c, "b"), len = word(c, "len"), i = word(c, "i");
    const Word slot = P::slot_in_run(x->slot(b), narrow(i, driver_slot_bits));
    const Word n = widen(x->count(), address_bits);
    out.push_back({"driver: every registered slot lies inside the MR", "driver",
                   well_formed(*x, p) && x->run_present(b, len) && x->run_consecutive(b, len) &&
                       i < len && len <= widen(x->count(), address_bits) && x->present(b + i),
                   slot != ~lit(slot, 0) &&
                       (leaf_to_slot(slot) << p.shift) < P::mr_length(n, p.shift),
                   Step::Translate, P::section_base(b + i, p.shift)});
    out.back().set = x;
  }
  return out;
}

// --- 3. a translated address lies in the MR, offset kept --------------------

template <class P> std::vector<Case> in_mr(z3::context &c, const Params &p, const SetFactory &make) {
  std::vector<Case> out;
  auto x = make("m", model_slot_bits);
  const Word a = word(c, "addr"), ss = p.section_size();
  const Word spec_section = a >> p.shift, spec_offset = a & (ss - lit(ss, 1));
  const Word n = x->count(), len = P::mr_length(n, p.shift);
  const Word bus = P::translate_slot(p.bus_start, x->slot(P::section_of(a, p.shift)), p.shift, a);
  out.push_back({"translate(addr) in [bus_start, bus_start + MR length), offset kept", "model",
                 well_formed(*x, p) && x->present(spec_section),
                 add_fits(p.bus_start, len) && p.bus_start <= bus && bus < p.bus_start + len &&
                     bus - p.bus_start == (x->slot(spec_section) << p.shift) + spec_offset,
                 Step::Translate, a});
  out.back().set = x;
  out.back().split_shift = true;
  // The pages registered for a section are read from section_base(): it
  // must be the section's first byte and round-trip through section_of().
  const Word s = word(c, "s"), o = word(c, "o");
  const Word at = P::section_base(s, p.shift) + o;
  out.push_back({"section_base(s) + o lies in section s at offset o", "model",
                 well_formed(*x, p) && x->present(s) && o < ss,
                 P::section_base(s, p.shift) == (s << p.shift) && P::section_of(at, p.shift) == s &&
                     P::offset_in_section(at, p.shift) == o,
                 Step::Translate, (s << p.shift) + o});
  out.back().set = x;
  return out;
}

// --- 4. exact misses ----------------------------------------------------------

/// The radix driver's path from a section number to the section whose leaf
/// it reads: split into indices, then rebuilt (a walk's section_at()).
template <class P> Word radix_path(const Word &s, unsigned height) {
  Word at = radix::section_at(lit(s, 0), radix::leaf_index(s), 0);
  for (unsigned level = 1; level <= height; ++level)
    at = radix::section_at(at, P::inner_index(s, level), level);
  return at;
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
    out.push_back({"model: an address in an absent section translates to the miss value", "model",
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

template <class P> std::vector<Case> radix_split(z3::context &c, const Params &p, const SetFactory &) {
  std::vector<Case> out;
  for (unsigned h : tree_heights) {
    const Word s = word(c, "s"), t = word(c, "t");
    const std::string at = "tree height " + std::to_string(h) + ": ";
    SymBool in_tables = radix::leaf_index(s) < k64(c, 1u << radix::leaf_bits);
    SymBool same_path = radix::leaf_index(s) == radix::leaf_index(t);
    for (unsigned level = 1; level <= h; ++level) {
      in_tables = in_tables && P::inner_index(s, level) < k64(c, 1u << radix::inner_bits);
      same_path = same_path && P::inner_index(s, level) == P::inner_index(t, level);
    }
    const SymBool accepted_s = SymBool(P::fits_height(s, h).expr());
    const SymBool accepted_t = SymBool(P::fits_height(t, h).expr());
    // Counterexamples present the lower section and translate the higher.
    Case bij{at + "the split is a bijection from accepted sections onto tree paths", "driver",
             p.allowed() && accepted_s && accepted_t && s < t,
             !same_path && radix_path<P>(s, h) == s && radix_path<P>(t, h) == t, Step::Translate,
             P::section_base(t, p.shift)};
    bij.extra_present.push_back(s);
    out.push_back(bij);
    Case inside{at + "every index lies inside its table", "driver", p.allowed(), in_tables};
    inside.traceable = false;
    out.push_back(inside);
    Case accepts{at + "the tree accepts exactly the sections it covers", "driver", p.allowed(),
                 iff(accepted_s, covered_by(s, h))};
    accepts.traceable = false;
    out.push_back(accepts);
  }
  return out;
}

// --- 6. the inductive step ------------------------------------------------------

/// The canonical-slot invariant of a state given by its leaves, checked at
/// fresh points s, t, q (the negated goal skolemises them), with `unrank`
/// the witness for onto.
template <class Present, class Leaf, class Unrank>
SymBool canonical_at(z3::context &c, const std::string &tag, Present present, Leaf leaf, Unrank unrank,
                     const Word &n) {
  const Word s = word(c, tag + ".s"), t = word(c, tag + ".t");
  const Word q = Word::var(c, tag + ".q", n.width());
  const Word miss = ~lit(n, 0);
  return implies(present(s), leaf(s) < n) && implies(!present(s), leaf(s) == miss) &&
         implies(present(s) && present(t) && s < t, leaf(s) < leaf(t)) &&
         implies(q < n, present(unrank(q)) && leaf(unrank(q)) == q) && n < miss;
}

template <class P> std::vector<Case> inductive_step(z3::context &c, const Params &p, const SetFactory &make) {
  std::vector<Case> out;
  const Word b = word(c, "b"), len = word(c, "len");
  const Word one = k64(c, 1);
  {
    auto x = make("ins", driver_slot_bits);
    const Word r = Word::var(c, "r", driver_slot_bits), cnt = narrow(len, driver_slot_bits);
    const Word n2 = x->count() + cnt;
    auto present = [&](const Word &s) { return x->present(s) || in_run(s, b, len); };
    auto leaf = [&](const Word &s) {
      return select(in_run(s, b, len), P::slot_in_run(r, narrow(s - b, driver_slot_bits)),
                    P::slot_after_insert_run(x->slot(s), r, cnt));
    };
    auto unrank = [&](const Word &q) {
      return select(q < r, x->unrank(q),
                    select(q < r + cnt, b + widen(q - r, address_bits), x->unrank(q - cnt)));
    };
    Case add{"insert a run: the leaves hold the canonical slots again", "driver",
             well_formed(*x, p) && len == one &&
                 x->run_absent(b, len) && b + len <= p.section_limit() && x->rank_at(b, r) &&
                 radix::fits_slot(n2) && n2 > x->count(),
             canonical_at(c, "ins", present, leaf, unrank, n2), Step::AddRun};
    add.run_first = b;
    add.run_count = len;
    add.set = x;
    out.push_back(add);
  }
  {
    auto x = make("rem", driver_slot_bits);
    const Word cnt = narrow(len, driver_slot_bits), first = x->slot(b);
    const Word n2 = x->count() - cnt;
    auto present = [&](const Word &s) { return x->present(s) && !in_run(s, b, len); };
    auto leaf = [&](const Word &s) {
      return select(in_run(s, b, len), ~lit(first, 0), P::slot_after_remove_run(x->slot(s), first, cnt));
    };
    auto unrank = [&](const Word &q) { return select(q < first, x->unrank(q), x->unrank(q + cnt)); };
    Case remove{"remove a run: the leaves hold the canonical slots again", "driver",
                well_formed(*x, p) && len == one &&
                    x->run_present(b, len) && x->run_consecutive(b, len) &&
                    x->present(b + len - one),
                canonical_at(c, "rem", present, leaf, unrank, n2), Step::RemoveRun};
    remove.run_first = b;
    remove.run_count = len;
    remove.set = x;
    out.push_back(remove);
  }
  {
    // A run of one is the single-section update of layout_arith.hpp.
    const Word slot = Word::var(c, "slot", driver_slot_bits), r = Word::var(c, "r", driver_slot_bits);
    const Word single = lit(slot, 1);
    Case same{"a run of one is arith::slot_after_insert / slot_after_remove", "driver",
              r < ~lit(r, 0),
              P::slot_after_insert_run(slot, r, single) == arith::slot_after_insert(slot, r) &&
                  P::slot_after_remove_run(slot, r, single) == arith::slot_after_remove(slot, r)};
    same.traceable = false;
    out.push_back(same);
    // A run of count + 1 is one single step and a run of count: with the
    // single-section steps above, by induction on count, runs keep the
    // canonical slots too.
    const Word cnt = Word::var(c, "count", driver_slot_bits);
    Case split{"a run of count + 1 is one step and a run of count", "driver",
               r < ~lit(r, 0) && slot != ~lit(slot, 0) && r + cnt + single > r &&
                   slot + cnt + single > slot,
               P::slot_after_insert_run(slot, r, cnt + single) ==
                       P::slot_after_insert_run(arith::slot_after_insert(slot, r), r + single, cnt) &&
                   implies(slot < r || slot > r + cnt, // the removed slots are cleared
                           P::slot_after_remove_run(slot, r, cnt + single) ==
                               arith::slot_after_remove(P::slot_after_remove_run(slot, r + single, cnt), r))};
    split.traceable = false;
    out.push_back(split);
  }
  return out;
}

template <class P> MutantSpec mutant_of(const char *obligation,
                                        std::vector<Case> (*cases)(z3::context &, const Params &, const SetFactory &)) {
  return {P::name, obligation, cases};
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
  static const std::vector<MutantSpec> all = {
      mutant_of<SlotInRunOffByOne>("1 no-hole", no_hole<SlotInRunOffByOne>),
      mutant_of<SlotInRunOffByOne>("2 mr-length", mr_length<SlotInRunOffByOne>),
      mutant_of<OffsetShortMask>("3 in-mr", in_mr<OffsetShortMask>),
      mutant_of<SectionBaseInt32>("3 in-mr", in_mr<SectionBaseInt32>),
      mutant_of<SectionMasked48>("4 exact-miss", exact_miss<SectionMasked48>),
      mutant_of<MissZero>("4 exact-miss", exact_miss<MissZero>),
      mutant_of<FitsUnchecked>("5 radix-split", radix_split<FitsUnchecked>),
      mutant_of<InnerOverlap>("5 radix-split", radix_split<InnerOverlap>),
      mutant_of<InsertStrict>("6 inductive-step", inductive_step<InsertStrict>),
      mutant_of<RemoveNone>("6 inductive-step", inductive_step<RemoveNone>),
  };
  return all;
}

} // namespace busmap::smt
