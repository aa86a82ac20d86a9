// The runner: proves each obligation's sub-goals (after the vacuity check),
// refutes each mutant on a popcount window and reads its counterexample out
// of the model, and cross-checks the rank characterisation.
#include "smt/obligations.hpp"
#include "smt/prover.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

namespace busmap::smt {

namespace {

enum class Sat { Yes, No, Unknown };

struct Answer {
  Sat sat = Sat::Unknown;
  double seconds = 0;
  std::string reason;
  std::optional<z3::model> model;
};

/// One query, with an explicit timeout per solver call.  With `shift` set,
/// the query is split on every allowed section shift (12..40): a concrete
/// shift turns the barrel shifters into wiring, and 29 small problems
/// bit-blast far faster than one with a symbolic shift, while every section
/// size is still covered.  Each call gets a fresh solver and one check():
/// Z3 then picks its non-incremental bit-vector tactic, which is an order of
/// magnitude faster here than the incremental core that push/pop or
/// check(assumptions) switch to.
Answer solve(z3::context &c, const std::vector<SymBool> &facts, unsigned timeout_ms,
             const Word *shift = nullptr) {
  Answer a;
  a.sat = Sat::No;
  const auto start = std::chrono::steady_clock::now();
  const unsigned first = shift ? 12 : 0, last = shift ? 40 : 0;
  for (unsigned k = first; k <= last && a.sat == Sat::No; ++k) {
    z3::solver s(c);
    z3::params params(c);
    params.set("timeout", timeout_ms);
    s.set(params);
    for (const SymBool &f : facts)
      s.add(f.expr());
    if (shift)
      s.add((*shift == Word::constant(c, k, shift->width())).expr());
    if (const char *dump = getenv("SMT_DUMP")) {
      static int n = 0;
      FILE *out = fopen(fmt::format("{}/q{}.smt2", dump, n++).c_str(), "w");
      fputs(s.to_smt2().c_str(), out);
      fclose(out);
    }
    const z3::check_result r = s.check();
    if (r == z3::sat) {
      a.sat = Sat::Yes;
      a.model = s.get_model();
    } else if (r == z3::unknown) {
      a.sat = Sat::Unknown;
      a.reason = s.reason_unknown() + (shift ? fmt::format(" (section_shift={})", k) : "");
    }
  }
  a.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return a;
}

std::shared_ptr<SectionSet> characterised(z3::context &c, const std::string &name, unsigned bits) {
  return std::make_shared<CharacterisedSet>(c, name, bits);
}

Counterexample read_counterexample(const Case &k, const Params &p, const z3::model &m) {
  Counterexample cex;
  cex.section_shift = static_cast<std::uint32_t>(value_of(m, p.shift));
  cex.bus_start = value_of(m, p.bus_start);
  if (auto w = std::dynamic_pointer_cast<const WindowSet>(k.set))
    cex.present = w->sections_in(m);
  for (const Word &e : k.extra_present)
    cex.present.push_back(value_of(m, e));
  std::sort(cex.present.begin(), cex.present.end());
  cex.present.erase(std::unique(cex.present.begin(), cex.present.end()), cex.present.end());
  cex.step = k.step;
  if (k.address)
    cex.address = value_of(m, *k.address);
  if (k.run_first)
    cex.run_first = value_of(m, *k.run_first);
  if (k.run_count)
    cex.run_count = value_of(m, *k.run_count);
  return cex;
}

} // namespace

const char *to_string(Verdict v) {
  switch (v) {
  case Verdict::Proved: return "proved";
  case Verdict::Refuted: return "refuted";
  case Verdict::Unknown: return "unknown";
  }
  return "?";
}

std::string Counterexample::describe() const {
  std::string s = fmt::format("section_shift={} bus_start={:#x} present sections [{:#x}]",
                              section_shift, bus_start, fmt::join(present, ", "));
  switch (step) {
  case Step::Translate: return s + fmt::format("; translate {:#x}", address);
  case Step::AddRun:
    return s + fmt::format("; add {} section(s) at section {:#x}", run_count, run_first);
  case Step::RemoveRun:
    return s + fmt::format("; remove {} section(s) at section {:#x}", run_count, run_first);
  }
  return s;
}

bool ProveOptions::wants(const std::string &obligation, const std::string &subject) const {
  if (only.empty())
    return true;
  const std::string number = obligation.substr(0, obligation.find(' '));
  return std::any_of(only.begin(), only.end(), [&](const std::string &o) {
    return o == number || (!subject.empty() && o == number + "/" + subject);
  });
}

bool Result::as_expected() const {
  return mutant.empty() ? verdict == Verdict::Proved && hypotheses_satisfiable
                        : verdict == Verdict::Refuted && counterexample.has_value();
}

std::vector<Result> prove_obligations(const ProveOptions &options) {
  std::vector<Result> out;
  for (const ObligationSpec &o : obligations()) {
    if (!options.wants(o.name, "model") && !options.wants(o.name, "driver"))
      continue;
    z3::context c;
    const Params p(c);
    // Every set gets its own symbols: Z3 identifies functions by name, and
    // one sub-goal's hypotheses must never reach another's query.
    std::vector<std::shared_ptr<SectionSet>> sets;
    const std::vector<Case> cases = o.correct(c, p, [&](const std::string &n, unsigned bits) {
      sets.push_back(characterised(c, fmt::format("{}{}", n, sets.size()), bits));
      return sets.back();
    });
    unsigned windows_made = 0;
    // The same sub-goals over popcount windows, for the vacuity checks: a
    // window model is a model of the characterised hypotheses (the
    // cross-check proves the popcount rank has rank's invariants).
    const std::vector<Case> windows = o.correct(c, p, [&](const std::string &n, unsigned bits) {
      return std::make_shared<WindowSet>(c, fmt::format("{}{}.w", n, windows_made++), bits,
                                         options.window);
    });
    auto grounded = [&](const SymBool &f) {
      SymBool all = sym_true(c);
      for (const auto &set : sets)
        all = all && set->instances(f);
      return all;
    };
    // One row per subject; a subject is proved when all its sub-goals are.
    for (const char *subject : {"model", "driver"}) {
      if (!options.wants(o.name, subject))
        continue;
      Result r{o.name, subject, "", Verdict::Proved, 0, "", true, {}};
      bool any = false;
      for (std::size_t i = 0; i < cases.size(); ++i) {
        const Case &k = cases[i];
        if (k.subject != subject)
          continue;
        any = true;
        const Answer vac = solve(c, {windows[i].hypotheses}, options.timeout_ms);
        const SymBool negated = k.hypotheses && !k.goal;
        const Answer proof = solve(c, {negated, grounded(negated)}, options.timeout_ms,
                                   k.split_shift ? &p.shift : nullptr);
        r.seconds += vac.seconds + proof.seconds;
        if (vac.sat != Sat::Yes) {
          r.hypotheses_satisfiable = false;
          r.detail += fmt::format("{}: hypotheses {}; ", k.name,
                                  vac.sat == Sat::No ? "contradictory (vacuous)"
                                                     : "not shown satisfiable: " + vac.reason);
        }
        if (proof.sat == Sat::Yes) {
          r.verdict = Verdict::Refuted;
          r.detail += k.name + ": counterexample found; ";
        } else if (proof.sat == Sat::Unknown && r.verdict == Verdict::Proved) {
          r.verdict = Verdict::Unknown;
          r.detail += k.name + ": " + proof.reason + "; ";
        }
      }
      if (any)
        out.push_back(std::move(r));
    }
  }
  return out;
}

std::vector<Result> refute_mutants(const ProveOptions &options) {
  std::vector<Result> out;
  for (const MutantSpec &mspec : mutants()) {
    if (!options.wants(mspec.obligation))
      continue;
    z3::context c;
    const Params p(c);
    unsigned made = 0;
    const std::vector<Case> cases = mspec.cases(c, p, [&](const std::string &n, unsigned bits) {
      return std::make_shared<WindowSet>(c, fmt::format("{}{}", n, made++), bits, options.window);
    });
    Result r{mspec.obligation, "", mspec.mutant, Verdict::Proved, 0, "", true, {}};
    std::string unknown;
    for (const Case &k : cases) {
      if (!k.traceable)
        continue;
      // Defaults first, so the trace runs on the default platform.
      Answer a = solve(c, {k.hypotheses, !k.goal, p.defaults()}, options.timeout_ms);
      r.seconds += a.seconds;
      if (a.sat != Sat::Yes) {
        a = solve(c, {k.hypotheses, !k.goal}, options.timeout_ms);
        r.seconds += a.seconds;
      }
      if (a.sat == Sat::Yes) {
        r.verdict = Verdict::Refuted;
        r.subject = k.subject;
        r.counterexample = read_counterexample(k, p, *a.model);
        r.detail = k.name + ": " + r.counterexample->describe();
        break;
      }
      if (a.sat == Sat::Unknown)
        unknown += k.name + ": " + a.reason + "; ";
    }
    if (r.verdict != Verdict::Refuted) {
      r.verdict = unknown.empty() ? Verdict::Proved : Verdict::Unknown;
      r.detail = unknown.empty() ? "no counterexample: the proof does not bite" : unknown;
    }
    out.push_back(std::move(r));
  }
  return out;
}

CrossCheck crosscheck_rank(unsigned sections, unsigned timeout_ms) {
  CrossCheck out;
  out.sections = sections;
  z3::context c;
  constexpr unsigned bits = 32;
  const WindowSet w(c, "w", bits, sections);
  const Word zero = Word::constant(c, 0, address_bits);
  const SymBool at_zero = w.base() == zero && w.canonical();
  auto verdict = [](const Answer &a) {
    return a.sat == Sat::No ? Verdict::Proved : a.sat == Sat::Yes ? Verdict::Refuted : Verdict::Unknown;
  };
  {
    // The popcount rank satisfies the invariants, at arbitrary s, t, q.
    const Word s = Word::var(c, "s", address_bits), t = Word::var(c, "t", address_bits);
    const Word q = Word::var(c, "q", bits), n = w.count(), miss = ~lit(n, 0);
    const SymBool invariants =
        implies(w.present(s), w.slot(s) < n) && implies(!w.present(s), w.slot(s) == miss) &&
        implies(w.present(s) && w.present(t) && s < t, w.slot(s) < w.slot(t)) &&
        implies(q < n, w.present(w.unrank(q)) && w.slot(w.unrank(q)) == q);
    const Answer a = solve(c, {at_zero, !invariants}, timeout_ms);
    out.satisfies = verdict(a);
    out.seconds += a.seconds;
    if (a.sat == Sat::Unknown)
      out.detail += "satisfies: " + a.reason + "; ";
  }
  {
    // Any slot assignment with the invariants over the N sections is the
    // popcount rank: the invariants, instantiated over every section and
    // rank of the window, pin it down.
    std::vector<Word> slot;
    for (unsigned i = 0; i < sections; ++i)
      slot.push_back(Word::var(c, fmt::format("slot{}", i), bits));
    const Word n = Word::var(c, "n", bits), miss = ~lit(n, 0);
    auto present = [&](unsigned i) { return w.present(Word::constant(c, i, address_bits)); };
    SymBool axioms = at_zero && n <= Word::constant(c, sections, bits);
    SymBool rank_is_popcount = n == w.count();
    for (unsigned i = 0; i < sections; ++i) {
      axioms = axioms && implies(present(i), slot[i] < n) && implies(!present(i), slot[i] == miss);
      for (unsigned j = i + 1; j < sections; ++j)
        axioms = axioms && implies(present(i) && present(j), slot[i] < slot[j]);
      rank_is_popcount = rank_is_popcount && slot[i] == w.slot(Word::constant(c, i, address_bits));
    }
    for (unsigned r = 0; r < sections; ++r) {
      const Word rank = Word::constant(c, r, bits);
      SymBool held = !sym_true(c);
      for (unsigned i = 0; i < sections; ++i)
        held = held || (present(i) && slot[i] == rank);
      axioms = axioms && implies(rank < n, held);
    }
    const Answer a = solve(c, {axioms, !rank_is_popcount}, timeout_ms);
    out.unique = verdict(a);
    out.seconds += a.seconds;
    if (a.sat == Sat::Unknown)
      out.detail += "unique: " + a.reason + "; ";
  }
  return out;
}

} // namespace busmap::smt
