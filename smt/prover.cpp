// The runner: proves each obligation's sub-goals (after the vacuity check),
// refutes each mutant on a popcount window and reads its counterexample out
// of the model, and cross-checks the rank characterisation.  Every query is
// a job of its own, in its own Z3 context, so the jobs spread over the
// cores (Z3 contexts share nothing); results keep the order of the specs.
#include "smt/obligations.hpp"
#include "smt/prover.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>

namespace busmap::smt {

namespace {

enum class Sat { Yes, No, Unknown };

struct Answer {
  Sat sat = Sat::Unknown;
  double seconds = 0;
  std::string reason;
  std::optional<z3::model> model;
};

/// SMT_DUMP=DIR writes every query as DIR/<label>.smt2.
void dump(z3::solver &s, const std::string &label) {
  const char *dir = std::getenv("SMT_DUMP");
  if (!dir)
    return;
  std::string name = label;
  for (char &ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch)))
      ch = '_';
  if (FILE *out = std::fopen(fmt::format("{}/{}.smt2", dir, name).c_str(), "w")) {
    std::fputs(s.to_smt2().c_str(), out);
    std::fclose(out);
  }
}

/// One query, with an explicit timeout, in a fresh solver with one check():
/// Z3 then picks its non-incremental bit-vector tactic, an order of
/// magnitude faster here than the incremental core that push/pop or
/// check(assumptions) switch to.
Answer solve(z3::context &c, const std::vector<SymBool> &facts, unsigned timeout_ms,
             const std::string &label) {
  Answer a;
  const auto start = std::chrono::steady_clock::now();
  z3::solver s(c);
  z3::params params(c);
  params.set("timeout", timeout_ms);
  s.set(params);
  for (const SymBool &f : facts)
    s.add(f.expr());
  dump(s, label);
  switch (s.check()) {
  case z3::unsat: a.sat = Sat::No; break;
  case z3::sat:
    a.sat = Sat::Yes;
    a.model = s.get_model();
    break;
  case z3::unknown:
    a.sat = Sat::Unknown;
    a.reason = s.reason_unknown();
    break;
  }
  a.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return a;
}

/// Runs `jobs` on up to `threads` threads; result i is jobs[i]().
template <class R> std::vector<R> run_parallel(const std::vector<std::function<R()>> &jobs, unsigned threads) {
  std::vector<R> out(jobs.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next++) < jobs.size();)
      out[i] = jobs[i]();
  };
  std::vector<std::thread> pool;
  const unsigned n = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(jobs.size())));
  for (unsigned t = 1; t < n; ++t)
    pool.emplace_back(worker);
  worker();
  for (std::thread &t : pool)
    t.join();
  return out;
}

/// The cases of one spec, built in context `c` over characterised sets (the
/// proofs) or popcount windows (vacuity checks, counterexamples), with the
/// sets they made.  Every set gets its own symbols: Z3 identifies
/// functions by name, and one sub-goal's hypotheses must never reach
/// another's query.
struct Built {
  std::vector<Case> cases;
  std::vector<std::shared_ptr<SectionSet>> sets;
};

using CaseBuilder = std::function<std::vector<Case>(z3::context &, const Params &, const SetFactory &)>;

Built build(const CaseBuilder &spec, z3::context &c, const Params &p, bool windows, unsigned window) {
  Built b;
  b.cases = spec(c, p, [&](const std::string &n, unsigned bits) -> std::shared_ptr<SectionSet> {
    const std::string name = fmt::format("{}{}{}", n, b.sets.size(), windows ? ".w" : "");
    if (windows)
      b.sets.push_back(std::make_shared<WindowSet>(c, name, bits, window));
    else
      b.sets.push_back(std::make_shared<CharacterisedSet>(c, name, bits));
    return b.sets.back();
  });
  return b;
}

/// The universal hypotheses of every set, instantiated at the terms of `f`.
SymBool grounded(z3::context &c, const Built &b, const SymBool &f) {
  SymBool all = sym_true(c);
  for (const auto &set : b.sets)
    all = all && set->instances(f);
  return all;
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

/// One sub-goal of a correct obligation: its hypotheses have a model on a
/// popcount window (a window model is a model of the characterised
/// hypotheses: the cross-check proves the popcount rank has rank's
/// invariants), and hypotheses and not goal have none.
SubGoal prove_case(const ObligationSpec &o, std::size_t index, const ProveOptions &options) {
  z3::context c;
  const Params p(c);
  const Built proofs = build(o.correct, c, p, false, options.window);
  const Built windows = build(o.correct, c, p, true, options.window);
  const Case &k = proofs.cases[index];
  SubGoal g{k.name, k.subject, Verdict::Proved, 0, true, ""};
  const std::string label = fmt::format("{}-{:02}", o.name, index);
  const Answer vac = solve(c, {windows.cases[index].hypotheses}, options.timeout_ms, label + "-vacuity");
  const SymBool negated = k.hypotheses && !k.goal;
  const Answer proof = solve(c, {negated, grounded(c, proofs, negated)}, options.timeout_ms, label);
  g.seconds = vac.seconds + proof.seconds;
  if (vac.sat != Sat::Yes) {
    g.hypotheses_satisfiable = false;
    g.detail = vac.sat == Sat::No ? "hypotheses contradictory (vacuous)"
                                  : "hypotheses not shown satisfiable: " + vac.reason;
  }
  if (proof.sat == Sat::Yes) {
    g.verdict = Verdict::Refuted;
    g.detail = "counterexample found";
  } else if (proof.sat == Sat::Unknown) {
    g.verdict = Verdict::Unknown;
    g.detail = proof.reason;
  }
  return g;
}

/// A mutant's named sub-goal on a popcount window: defaults first, so the
/// trace runs on the default platform, then any allowed platform.
Result refute(const MutantSpec &m, const ProveOptions &options) {
  Result r;
  r.obligation = m.obligation;
  r.mutant = m.mutant;
  r.verdict = Verdict::Proved;
  r.hypotheses_satisfiable = true;
  z3::context c;
  const Params p(c);
  const Built windows = build(m.cases, c, p, true, options.window);
  const auto k = std::find_if(windows.cases.begin(), windows.cases.end(),
                              [&](const Case &x) { return x.name == m.subgoal; });
  if (k == windows.cases.end()) {
    r.verdict = Verdict::Unknown;
    r.detail = fmt::format("no sub-goal '{}' in {}", m.subgoal, m.obligation);
    return r;
  }
  r.traceable = k->traceable;
  r.subject = k->subject;
  const std::string label = fmt::format("mutant-{}", m.mutant);
  Answer a = solve(c, {k->hypotheses, !k->goal, p.defaults()}, options.timeout_ms, label + "-defaults");
  r.seconds = a.seconds;
  if (a.sat != Sat::Yes) {
    a = solve(c, {k->hypotheses, !k->goal}, options.timeout_ms, label);
    r.seconds += a.seconds;
  }
  if (a.sat == Sat::Yes) {
    r.verdict = Verdict::Refuted;
    if (k->traceable) {
      r.counterexample = read_counterexample(*k, p, *a.model);
      r.detail = k->name + ": " + r.counterexample->describe();
    } else {
      r.detail = k->name + ": refuted (a sub-goal about a table's storage, not one translation: "
                           "no trace)";
    }
  } else {
    r.verdict = a.sat == Sat::No ? Verdict::Proved : Verdict::Unknown;
    r.detail = k->name + ": " +
               (a.sat == Sat::No ? "no counterexample: the proof does not bite" : a.reason);
  }
  return r;
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

unsigned solver_threads(const ProveOptions &o) {
  return o.jobs ? o.jobs : std::max(1u, std::thread::hardware_concurrency());
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
                        : verdict == Verdict::Refuted && (counterexample.has_value() || !traceable);
}

std::vector<Result> prove_obligations(const ProveOptions &options) {
  // One row per obligation and subject, one job per sub-goal.
  std::vector<Result> rows;
  std::vector<std::size_t> row_of;
  std::vector<std::function<SubGoal()>> jobs;
  for (const ObligationSpec &o : obligations()) {
    z3::context c;
    const Params p(c);
    const Built b = build(o.correct, c, p, false, options.window);
    for (const char *subject : {"model", "driver"}) {
      if (!options.wants(o.name, subject))
        continue;
      const std::size_t row = rows.size();
      bool any = false;
      for (std::size_t i = 0; i < b.cases.size(); ++i) {
        if (b.cases[i].subject != subject)
          continue;
        any = true;
        row_of.push_back(row);
        jobs.push_back([&o, i, &options] { return prove_case(o, i, options); });
      }
      if (!any)
        continue;
      Result &r = rows.emplace_back();
      r.obligation = o.name;
      r.subject = subject;
      r.verdict = Verdict::Proved;
      r.hypotheses_satisfiable = true;
    }
  }
  const std::vector<SubGoal> goals = run_parallel(jobs, solver_threads(options));
  for (std::size_t j = 0; j < goals.size(); ++j) {
    Result &r = rows[row_of[j]];
    const SubGoal &g = goals[j];
    r.seconds += g.seconds;
    r.subgoals.push_back(g);
    if (!g.hypotheses_satisfiable) {
      r.hypotheses_satisfiable = false;
      r.detail += g.name + ": " + g.detail + "; ";
    }
    if (g.verdict == Verdict::Refuted || (g.verdict == Verdict::Unknown && r.verdict == Verdict::Proved)) {
      r.verdict = g.verdict;
      r.detail += g.name + ": " + g.detail + "; ";
    }
  }
  return rows;
}

std::vector<Result> refute_mutants(const ProveOptions &options) {
  std::vector<std::function<Result()>> jobs;
  for (const MutantSpec &m : mutants())
    if (options.wants(m.obligation))
      jobs.push_back([&m, &options] { return refute(m, options); });
  return run_parallel(jobs, solver_threads(options));
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
  const std::string label = fmt::format("crosscheck-{}", sections);
  {
    // The popcount rank satisfies the invariants, at arbitrary s, t, q.
    const Word s = Word::var(c, "s", address_bits), t = Word::var(c, "t", address_bits);
    const Word q = Word::var(c, "q", bits), n = w.count(), miss = ~lit(n, 0);
    const SymBool invariants =
        implies(w.present(s), w.slot(s) < n) && implies(!w.present(s), w.slot(s) == miss) &&
        implies(w.present(s) && w.present(t) && s < t, w.slot(s) < w.slot(t)) &&
        implies(q < n, w.present(w.unrank(q)) && w.slot(w.unrank(q)) == q);
    const Answer a = solve(c, {at_zero, !invariants}, timeout_ms, label + "-satisfies");
    out.satisfies = verdict(a);
    out.seconds += a.seconds;
    if (a.sat == Sat::Unknown)
      out.detail += "satisfies: " + a.reason + "; ";
  }
  {
    // Any slot assignment with the invariants over the N sections is the
    // popcount rank.  Asked at once this is a pigeonhole argument, which
    // the SAT solver finds exponentially hard (N = 32 did not finish in
    // 120 s); asked section by section, each step uses the slots already
    // pinned down below it and needs no counting: N + 1 small queries.
    std::vector<Word> slot;
    for (unsigned i = 0; i < sections; ++i)
      slot.push_back(Word::var(c, fmt::format("slot{}", i), bits));
    const Word n = Word::var(c, "n", bits), miss = ~lit(n, 0);
    auto section = [&](unsigned i) { return Word::constant(c, i, address_bits); };
    auto present = [&](unsigned i) { return w.present(section(i)); };
    // The invariants instantiated over the window; the order between i and
    // every other section is all a step at i uses of it.
    SymBool axioms = at_zero && n <= Word::constant(c, sections, bits);
    for (unsigned i = 0; i < sections; ++i)
      axioms = axioms && implies(present(i), slot[i] < n) && implies(!present(i), slot[i] == miss);
    auto order_at = [&](unsigned i) {
      SymBool o = sym_true(c);
      for (unsigned j = 0; j < sections; ++j)
        if (j != i)
          o = o && implies(present(std::min(i, j)) && present(std::max(i, j)),
                           slot[std::min(i, j)] < slot[std::max(i, j)]);
      return o;
    };
    for (unsigned r = 0; r < sections; ++r) {
      const Word rank = Word::constant(c, r, bits);
      SymBool held = !sym_true(c);
      for (unsigned i = 0; i < sections; ++i)
        held = held || (present(i) && slot[i] == rank);
      axioms = axioms && implies(rank < n, held);
    }
    out.unique = Verdict::Proved;
    SymBool known = sym_true(c); // the slots pinned down so far
    for (unsigned i = 0; i <= sections && out.unique == Verdict::Proved; ++i) {
      const SymBool goal = i < sections ? slot[i] == w.slot(section(i)) : n == w.count();
      const SymBool order = i < sections ? order_at(i) : sym_true(c);
      const Answer a =
          solve(c, {axioms, order, known, !goal}, timeout_ms, fmt::format("{}-unique-{}", label, i));
      out.unique = verdict(a);
      out.seconds += a.seconds;
      if (a.sat == Sat::Unknown)
        out.detail += fmt::format("unique, section {}: {}; ", i, a.reason);
      known = known && goal;
    }
  }
  return out;
}

} // namespace busmap::smt
