// The two encodings of a symbolic set of present sections (see
// section_set.hpp): rank characterised by quantified invariants over
// uninterpreted functions, and a concrete-able popcount window.
#include "smt/section_set.hpp"

#include <set>

namespace busmap::smt {

SymBool in_run(const Word &s, const Word &first, const Word &end) {
  return first <= s && s < end;
}

std::uint64_t value_of(const z3::model &m, const Word &w) {
  return m.eval(w.expr(), true).get_numeral_uint64();
}

// --- CharacterisedSet ------------------------------------------------------

CharacterisedSet::CharacterisedSet(z3::context &c, const std::string &name, unsigned slot_bits)
    : SectionSet(c, slot_bits),
      present_(c.function((name + ".present").c_str(), c.bv_sort(address_bits), c.bool_sort())),
      slot_(c.function((name + ".slot").c_str(), c.bv_sort(address_bits), c.bv_sort(slot_bits))),
      unrank_(c.function((name + ".unrank").c_str(), c.bv_sort(slot_bits),
                         c.bv_sort(address_bits))),
      n_(Word::var(c, name + ".n", slot_bits)) {}

SymBool CharacterisedSet::present(const Word &s) const { return SymBool(present_(s.expr())); }
Word CharacterisedSet::slot(const Word &s) const { return Word(slot_(s.expr())); }
Word CharacterisedSet::unrank(const Word &r) const { return Word(unrank_(r.expr())); }

SymBool CharacterisedSet::for_every_section(Fact f) const {
  facts_.push_back(std::move(f));
  return sym_true(ctx_);
}

SymBool CharacterisedSet::canonical() const {
  canonical_ = true;
  const Word miss = ~lit(n_, 0);
  // Slots of present sections lie below n; absent sections hold the miss value.
  for_every_section([this, miss](const Word &s) {
    return implies(present(s), slot(s) < n_) && implies(!present(s), slot(s) == miss);
  });
  return n_ < miss;
}

SymBool CharacterisedSet::run_absent(const Word &first, const Word &end) const {
  return first <= end && for_every_section([this, first, end](const Word &s) {
           return implies(in_run(s, first, end), !present(s));
         });
}

SymBool CharacterisedSet::run_present(const Word &first, const Word &end) const {
  return first <= end && for_every_section([this, first, end](const Word &s) {
           return implies(in_run(s, first, end), present(s));
         });
}

SymBool CharacterisedSet::run_consecutive(const Word &first, const Word &end) const {
  return for_every_section([this, first, end](const Word &s) {
    return implies(in_run(s, first, end), slot(s) == slot(first) + narrow(s - first, slot_bits_));
  });
}

SymBool CharacterisedSet::rank_at(const Word &section, const Word &r) const {
  return r <= n_ && for_every_section([this, section, r](const Word &s) {
           return implies(present(s), iff(s < section, slot(s) < r));
         });
}

SymBool CharacterisedSet::below(const Word &limit) const {
  return for_every_section(
      [this, limit](const Word &s) { return implies(present(s), s < limit); });
}

SymBool CharacterisedSet::instances(const SymBool &formula) const {
  // The ground arguments of present/slot (sections) and unrank (ranks).
  std::vector<z3::expr> sections, ranks;
  std::vector<z3::expr> todo{formula.expr()};
  std::set<unsigned> seen;
  auto add = [](std::vector<z3::expr> &v, const z3::expr &e) {
    for (const z3::expr &x : v)
      if (z3::eq(x, e))
        return;
    v.push_back(e);
  };
  while (!todo.empty()) {
    z3::expr e = todo.back();
    todo.pop_back();
    if (!seen.insert(e.id()).second || !e.is_app())
      continue;
    const z3::func_decl d = e.decl();
    if (z3::eq(d, present_) || z3::eq(d, slot_))
      add(sections, e.arg(0));
    if (z3::eq(d, unrank_))
      add(ranks, e.arg(0));
    for (unsigned i = 0; i < e.num_args(); ++i)
      todo.push_back(e.arg(i));
  }
  if (sections.empty() && ranks.empty())
    return sym_true(ctx_); // the query does not mention this set
  for (const Word &h : hints_)
    add(ranks, h.expr());
  SymBool out = sym_true(ctx_);
  if (canonical_) {
    // Onto 0..n-1: every rank below n is held by unrank(rank).
    for (const z3::expr &r : ranks) {
      const Word rank(r);
      add(sections, unrank(rank).expr());
      out = out && implies(rank < n_, present(unrank(rank)) && slot(unrank(rank)) == rank);
    }
    // Order-preserving, hence injective.
    for (std::size_t i = 0; i < sections.size(); ++i)
      for (std::size_t j = 0; j < sections.size(); ++j)
        if (i != j) {
          const Word s(sections[i]), t(sections[j]);
          out = out && implies(present(s) && present(t) && s < t, slot(s) < slot(t));
        }
  }
  for (const z3::expr &e : sections)
    for (const Fact &f : facts_)
      out = out && f(Word(e));
  return out;
}

// --- WindowSet -------------------------------------------------------------

WindowSet::WindowSet(z3::context &c, const std::string &name, unsigned slot_bits, unsigned window)
    : SectionSet(c, slot_bits), window_(window),
      base_(Word::var(c, name + ".base", address_bits)),
      mask_(Word::var(c, name + ".mask", window)) {}

SymBool WindowSet::present(const Word &s) const {
  const Word index = s - base_;
  const Word bit = mask_ >> narrow(index, window_);
  return index < lit(index, window_) && (bit & lit(bit, 1)) == lit(bit, 1);
}

Word WindowSet::bits_below(const Word &s) const {
  const Word one = lit(mask_, 1);
  return mask_ & ((one << narrow(s - base_, window_)) - one);
}

Word WindowSet::popcount(const Word &bits) const {
  Word sum = Word::constant(ctx_, 0, slot_bits_);
  for (unsigned i = 0; i < window_; ++i)
    sum = sum + widen(narrow(bits >> lit(bits, i), 1), slot_bits_);
  return sum;
}

Word WindowSet::slot(const Word &s) const {
  const Word rank = popcount(bits_below(s));
  return select(present(s), rank, ~lit(rank, 0));
}

Word WindowSet::unrank(const Word &r) const {
  Word section = base_ + lit(base_, window_);
  for (unsigned i = window_; i-- > 0;) {
    const Word here = base_ + lit(base_, i);
    section = select(present(here) && popcount(bits_below(here)) == r, here, section);
  }
  return section;
}

Word WindowSet::count() const { return popcount(mask_); }

SymBool WindowSet::canonical() const { return add_fits(base_, lit(base_, window_)); }

Word WindowSet::run_bits(const Word &first, const Word &end) const {
  const Word one = lit(mask_, 1);
  return ((one << narrow(end - first, window_)) - one) << narrow(first - base_, window_);
}

/// A run inside the window: base <= first <= end <= base + N.
SymBool WindowSet::inside(const Word &first, const Word &end) const {
  return base_ <= first && first <= end && end - base_ <= lit(end, window_);
}

SymBool WindowSet::run_absent(const Word &first, const Word &end) const {
  return inside(first, end) && (mask_ & run_bits(first, end)) == lit(mask_, 0);
}

SymBool WindowSet::run_present(const Word &first, const Word &end) const {
  const Word bits = run_bits(first, end);
  return inside(first, end) && (mask_ & bits) == bits;
}

SymBool WindowSet::rank_at(const Word &section, const Word &r) const {
  const Word inside = popcount(bits_below(section));
  const Word offset = section - base_;
  return r == select(section < base_, lit(r, 0),
                     select(offset < lit(offset, window_), inside, count()));
}

SymBool WindowSet::below(const Word &limit) const {
  return add_fits(base_, lit(base_, window_)) && base_ + lit(base_, window_) <= limit;
}

std::vector<std::uint64_t> WindowSet::sections_in(const z3::model &m) const {
  const std::uint64_t base = value_of(m, base_), mask = value_of(m, mask_);
  std::vector<std::uint64_t> out;
  for (unsigned i = 0; i < window_; ++i)
    if (mask >> i & 1)
      out.push_back(base + i);
  return out;
}

} // namespace busmap::smt
