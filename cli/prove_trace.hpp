//===- cli/prove_trace.hpp - Z3 counterexamples as replayable traces -*- C++ -*-===//
//
// Where the proof world meets the trace world.  smt/ answers a refuted
// mutant with a plain Counterexample (a section size, a bus start, a set of
// present sections and one step); this turns it into a busmap::Trace that
// starts from those sections as online blocks, loads the driver and takes
// the step (translate the address, or add and online / offline and remove
// the run), then runs the oracle on the mutant driver that executes the
// refuted arithmetic and on the correct radix driver.  Kept in cli/ because
// smt/ must not depend on properties/; tests/smt compiles this file too.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_CLI_PROVE_TRACE_HPP
#define BUSMAP_CLI_PROVE_TRACE_HPP

#include "properties/trace.hpp"
#include "smt/prover.hpp"

#include <string>

namespace busmap::cli {

/// The built-in mutant driver running the arith_mutants.hpp function
/// `arith_mutant`; null when none does.
const char *mutant_driver_for(const std::string &arith_mutant);

Trace counterexample_trace(const smt::Counterexample &cex);

struct TraceCheck {
  bool mutant_fails = false;  // the oracle fails the mutant driver
  std::string invariant;      // ... on this invariant
  bool correct_passes = false; // the radix driver passes the same trace
  std::string detail;
};
TraceCheck check_trace(const Trace &trace, const std::string &mutant_driver);

} // namespace busmap::cli

#endif // BUSMAP_CLI_PROVE_TRACE_HPP
