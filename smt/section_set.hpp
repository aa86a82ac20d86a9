//===- smt/section_set.hpp - a symbolic set of present sections -*- C++ -*-===//
//
// What the proofs quantify over: a set of present section numbers (64-bit
// words), the canonical slot each one holds (its rank, or the miss value for
// an absent section) and the number n of present sections.  Two encodings
// share one interface so every obligation is written once:
//
//   * CharacterisedSet (the proofs): `present`, `slot` and `unrank` are
//     uninterpreted functions and n a free word; the hypotheses are rank's
//     invariants (slots of present sections are below n and strictly
//     increasing with the section, every slot below n is held by
//     unrank(slot), absent sections hold the miss value).  No counting term
//     appears, so the queries stay small for any number of sections.  The
//     invariants are universal; rather than hand Z3 quantifiers (its
//     E-matching and MBQI time out on them over 64-bit words), they are
//     instantiated at the ground section terms of the query, which keeps
//     every query quantifier-free.
//   * WindowSet (counterexamples and the cross-check): the present sections
//     are the set bits of an N-bit mask over a window [base, base + N) with a
//     symbolic base, and a slot is the popcount of the mask below it.  Every
//     model is a concrete layout, ready to become a trace.
//
// The cross-check (crosscheck_rank in smt/prover.cpp) proves that for N = 4..32 the
// popcount definition satisfies the invariants and is the only assignment
// that does, so the characterisation means rank.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_SMT_SECTION_SET_HPP
#define BUSMAP_SMT_SECTION_SET_HPP

#include "smt/word.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace busmap::smt {

inline constexpr unsigned address_bits = 64;

class SectionSet {
public:
  virtual ~SectionSet() = default;
  SectionSet(const SectionSet &) = delete;
  SectionSet &operator=(const SectionSet &) = delete;

  unsigned slot_bits() const { return slot_bits_; }
  virtual SymBool present(const Word &section) const = 0;
  /// The canonical slot: rank among present sections, miss when absent.
  virtual Word slot(const Word &section) const = 0;
  /// The present section holding `slot` (meaningful for slot < count()).
  virtual Word unrank(const Word &slot) const = 0;
  virtual Word count() const = 0;
  /// The hypotheses that make slot() the rank (definitional for a window).
  virtual SymBool canonical() const = 0;

  /// Sections [first, end) are all absent / all present.  Runs are given by
  /// their ends, not their lengths: `first <= s < end` bit-blasts to two
  /// comparators, where `s - first < n` made the SAT solver rediscover
  /// subtraction (a query of 11 s became 0.1 s).
  virtual SymBool run_absent(const Word &first, const Word &end) const = 0;
  virtual SymBool run_present(const Word &first, const Word &end) const = 0;
  /// `r` is the number of present sections below `section`.
  virtual SymBool rank_at(const Word &section, const Word &r) const = 0;
  /// Every present section is below `limit`.
  virtual SymBool below(const Word &limit) const = 0;
  /// The universally quantified hypotheses, instantiated at every section
  /// and rank term of `formula` (and at the hinted ranks).  Instances of a
  /// universal are implied by it, so adding them is sound; the hints decide
  /// what can be proved.  Empty for a window, whose facts are definitions.
  virtual SymBool instances(const SymBool &formula) const = 0;
  /// A rank at which to instantiate "every slot below n is held".
  virtual void hint_rank(const Word &slot) = 0;
  /// The slots of a present run are consecutive: slot(s) = slot(first) +
  /// (s - first) for s in [first, end).  For the characterised set this is
  /// a lemma proved by induction in the no-hole obligation; for a window it
  /// is arithmetic.
  virtual SymBool run_consecutive(const Word &first, const Word &end) const = 0;

protected:
  SectionSet(z3::context &c, unsigned slot_bits) : ctx_(c), slot_bits_(slot_bits) {}
  z3::context &ctx_;
  unsigned slot_bits_;
};

class CharacterisedSet final : public SectionSet {
public:
  using Fact = std::function<SymBool(const Word &section)>;
  CharacterisedSet(z3::context &c, const std::string &name, unsigned slot_bits);
  SymBool present(const Word &section) const override;
  Word slot(const Word &section) const override;
  Word unrank(const Word &slot) const override;
  Word count() const override { return n_; }
  SymBool canonical() const override;
  SymBool run_absent(const Word &first, const Word &end) const override;
  SymBool run_present(const Word &first, const Word &end) const override;
  SymBool rank_at(const Word &section, const Word &r) const override;
  SymBool below(const Word &limit) const override;
  SymBool run_consecutive(const Word &first, const Word &end) const override;
  SymBool instances(const SymBool &formula) const override;
  void hint_rank(const Word &slot) override { hints_.push_back(slot); }

private:
  /// Registers a fact that holds for every section; answers true (the fact
  /// enters the query through instances()).
  SymBool for_every_section(Fact f) const;
  z3::func_decl present_, slot_, unrank_;
  Word n_;
  mutable std::vector<Fact> facts_;
  mutable bool canonical_ = false;
  std::vector<Word> hints_;
};

class WindowSet final : public SectionSet {
public:
  WindowSet(z3::context &c, const std::string &name, unsigned slot_bits, unsigned window);
  SymBool present(const Word &section) const override;
  Word slot(const Word &section) const override;
  Word unrank(const Word &slot) const override;
  Word count() const override;
  SymBool canonical() const override;
  SymBool run_absent(const Word &first, const Word &end) const override;
  SymBool run_present(const Word &first, const Word &end) const override;
  SymBool rank_at(const Word &section, const Word &r) const override;
  SymBool below(const Word &limit) const override;
  SymBool run_consecutive(const Word &, const Word &) const override { return sym_true(ctx_); }
  SymBool instances(const SymBool &) const override { return sym_true(ctx_); }
  void hint_rank(const Word &) override {}

  const Word &base() const { return base_; }
  const Word &mask() const { return mask_; }
  /// The present sections of a model, ascending.
  std::vector<std::uint64_t> sections_in(const z3::model &m) const;

private:
  /// Mask bits [0, index) of the window, as a window-wide word.
  Word bits_below(const Word &section) const;
  Word popcount(const Word &bits) const;
  Word run_bits(const Word &first, const Word &end) const;
  SymBool inside(const Word &first, const Word &end) const;
  unsigned window_;
  Word base_, mask_;
};

/// first <= s < end.
SymBool in_run(const Word &s, const Word &first, const Word &end);

/// Unsigned value of a bit-vector term in a model (completed if unset).
std::uint64_t value_of(const z3::model &m, const Word &w);

} // namespace busmap::smt

#endif // BUSMAP_SMT_SECTION_SET_HPP
