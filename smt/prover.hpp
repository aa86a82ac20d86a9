//===- smt/prover.hpp - the named proof obligations and their runner -*- C++ -*-===//
//
// The public face of smt/: run the six obligations of issue 5 over the code
// the model and the radix driver execute (for a symbolic set of present
// sections, a symbolic 64-bit address and symbolic section size, bus start
// and address width), run each paired mutant and turn its counterexample
// into plain data, and cross-check the rank characterisation against a
// popcount definition for small N.
//
// Results are plain structs: turning a counterexample into a trace belongs to
// the caller (cli/prove_trace.cpp), so smt/ does not depend on properties/.
// A solver timeout is an explicit Unknown with Z3's reason, never Proved.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_SMT_PROVER_HPP
#define BUSMAP_SMT_PROVER_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace busmap::smt {

enum class Verdict { Proved, Refuted, Unknown };
const char *to_string(Verdict v);

/// A counterexample, as a partition a trace can start from.
struct Counterexample {
  enum class Step { Translate, AddRun, RemoveRun };
  std::uint32_t section_shift = 24;
  std::uint64_t bus_start = 0;
  std::vector<std::uint64_t> present; // section numbers, ascending
  Step step = Step::Translate;
  std::uint64_t address = 0;          // Translate: the address to translate
  std::uint64_t run_first = 0;        // AddRun/RemoveRun: first section of the run
  std::uint64_t run_count = 0;
  std::string describe() const;
};

/// One sub-goal of an obligation, as proved.
struct SubGoal {
  std::string name;
  std::string subject;
  Verdict verdict = Verdict::Unknown;
  double seconds = 0;
  bool hypotheses_satisfiable = false;
  std::string detail;
};

struct Result {
  std::string obligation; // "1 no-hole", ...
  std::string subject;    // "model" or "driver"
  std::string mutant;     // empty for the correct code
  Verdict verdict = Verdict::Unknown;
  double seconds = 0;
  std::string detail;     // the failing or unknown sub-goal and why
  /// Proofs: the hypotheses of every sub-goal were shown satisfiable.
  bool hypotheses_satisfiable = false;
  std::optional<Counterexample> counterexample;
  /// Mutants: the refuting sub-goal states one translation, so a
  /// refutation comes with a trace (false: Z3's refutation alone).
  bool traceable = true;
  /// Proofs: each sub-goal, in order.
  std::vector<SubGoal> subgoals;
  /// Proved (non-vacuously) for the correct code, refuted for a mutant.
  bool as_expected() const;
};

struct ProveOptions {
  unsigned timeout_ms = 20000; // per solver call
  unsigned window = 16;        // sections in a counterexample's window
  unsigned jobs = 0;           // solver threads; 0: one per core
  /// Obligations to run, by number ("1".."6") or number and subject
  /// ("1/driver"); empty: all of them.
  std::vector<std::string> only;
  bool wants(const std::string &obligation, const std::string &subject = {}) const;
};

std::vector<Result> prove_obligations(const ProveOptions &options);
/// The number of threads the solving runs on.
unsigned solver_threads(const ProveOptions &options);
std::vector<Result> refute_mutants(const ProveOptions &options);

/// Cross-check of the rank characterisation over N sections: the popcount
/// rank satisfies the invariants, and any slot assignment satisfying them is
/// the popcount rank.
struct CrossCheck {
  unsigned sections = 0;
  Verdict satisfies = Verdict::Unknown, unique = Verdict::Unknown;
  double seconds = 0;
  std::string detail;
};
CrossCheck crosscheck_rank(unsigned sections, unsigned timeout_ms);

} // namespace busmap::smt

#endif // BUSMAP_SMT_PROVER_HPP
