//===- smt/obligations.hpp - the six obligations as Z3 queries -*- C++ -*-===//
//
// Each obligation is a list of sub-goals (Case): hypotheses and a goal built
// by instantiating the policy's arithmetic (smt/arith_policy.hpp) over
// smt::Word.  The runner proves `hypotheses => goal` by asking Z3 for a model
// of `hypotheses and not goal`, after checking that the hypotheses alone
// have a model.  The same builder, given a popcount window instead of the
// characterised set and a mutant policy, yields the mutant's counterexample.
//
// Specifications are stated without the code under proof: the section of an
// address is addr / section_size and its offset addr % section_size, so a
// wrong section_of() or offset_in_section() cannot agree with itself.
//
// Induction is explicit: a property of all runs or all ranks is proved as a
// step case (hypothesis for i, goal for i + 1; the base is immediate), and
// the sub-goals that use it take its conclusion as a hypothesis.  Lemmas
// (word arithmetic proved once at fresh variables) are assumed the same way,
// at the terms of the sub-goals that need them; see docs/PROOFS.md.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_SMT_OBLIGATIONS_HPP
#define BUSMAP_SMT_OBLIGATIONS_HPP

#include "smt/arith_policy.hpp"
#include "smt/prover.hpp"
#include "smt/section_set.hpp"

#include <functional>
#include <memory>

namespace busmap::smt {

/// The platform parameters, symbolic over their allowed ranges.
struct Params {
  explicit Params(z3::context &c);
  Word shift;     // section_shift, 12..40 (platform/config.cpp)
  Word width;     // physical address width A, shift < A <= 63
  Word bus_start; // HW-page aligned, bus_start + 2^A < 2^64 (the MR end is representable)
  SymBool allowed() const;
  /// The default platform (16 MiB sections, bus at 2^63, 62-bit addresses),
  /// used first for counterexamples so their traces run on defaults.
  SymBool defaults() const;
  Word section_size() const { return lit(shift, 1) << shift; }
  /// Sections below this exist: 2^(A - shift).
  Word section_limit() const { return lit(shift, 1) << (width - shift); }
};

/// One sub-goal.  `trace` says how a model becomes a counterexample.
struct Case {
  Case(std::string name, std::string subject, SymBool hypotheses, SymBool goal,
       Counterexample::Step step = Counterexample::Step::Translate,
       std::optional<Word> address = std::nullopt)
      : name(std::move(name)), subject(std::move(subject)), hypotheses(std::move(hypotheses)),
        goal(std::move(goal)), step(step), address(std::move(address)) {}
  std::string name;
  std::string subject;
  SymBool hypotheses;
  SymBool goal;
  Counterexample::Step step = Counterexample::Step::Translate;
  std::optional<Word> address;   // Translate
  std::optional<Word> run_first; // AddRun / RemoveRun
  std::optional<Word> run_count;
  /// Sections that must be present besides the set's (radix aliasing).
  std::vector<Word> extra_present;
  /// False for lemmas about the characterisation itself (no trace).
  bool traceable = true;
  /// The set whose present sections start the trace (none: only extras).
  std::shared_ptr<const SectionSet> set;
};

/// How the cases of one obligation get their set of present sections.
using SetFactory = std::function<std::shared_ptr<SectionSet>(const std::string &name, unsigned slot_bits)>;

struct ObligationSpec {
  const char *name;
  /// Builds the cases for the correct code (policy Canonical).
  std::function<std::vector<Case>(z3::context &, const Params &, const SetFactory &)> correct;
};

/// The obligations, in issue order.
const std::vector<ObligationSpec> &obligations();

/// A mutant: its policy's cases for the obligation, and the one sub-goal
/// among them that must refute it (the one that states what the mutated
/// function gets wrong; naming it keeps the search to one query).
struct MutantSpec {
  const char *mutant;
  const char *obligation;
  const char *subgoal;
  std::function<std::vector<Case>(z3::context &, const Params &, const SetFactory &)> cases;
};
const std::vector<MutantSpec> &mutants();

} // namespace busmap::smt

#endif // BUSMAP_SMT_OBLIGATIONS_HPP
