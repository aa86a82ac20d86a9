//===- properties/shrink.hpp - concrete shrink passes -------------*- C++ -*-===//
//
// The second half of shrinking (the first is RapidCheck's own tree, walked
// in checker.cpp).  RapidCheck shrinks the *genes* of a trace: it removes
// intents and simplifies their fields one at a time.  Some small traces are
// out of its reach: an `add` and its `online` are two intents, so the block
// that could simply start online never does; a fault armed three calls ahead
// keeps its distance when the steps between it and its call go; a block
// keeps its address however far from 0 it lies.  The passes here rewrite the
// concrete trace instead, each one a function from a failing trace to the
// candidates one rewrite away from it, simplest first.  checker.cpp runs
// them all to a fixpoint, keeping a candidate only when it fails *the same
// way* (failure_signature), so the trace a user reads is the smallest one the
// passes can reach for the bug that was found, not for some other bug.
//
// A pass may propose a trace that breaks a rule of the trace format (say, a
// block moved onto another); valid_candidate() weeds those out before they
// are run, so a shrunk trace is always one `busmap replay` accepts.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PROPERTIES_SHRINK_HPP
#define BUSMAP_PROPERTIES_SHRINK_HPP

#include "properties/oracle.hpp"
#include "properties/trace.hpp"

#include <string>
#include <vector>

namespace busmap {

/// What makes two failures the same bug: the invariant, the kind of check
/// that saw it (the violation's `where`, its numbers and addresses
/// normalised away; a step the end of the trace implies counts as the
/// same step written out) and the kind of operation it happened at (the
/// first word of the op).  A candidate that fails with another signature found
/// another bug, which shrinking reports but does not follow.
std::string failure_signature(const Violation &v);

/// One concrete rewrite: the candidates it makes from a failing trace.
struct ShrinkPass {
  const char *name;
  std::vector<Trace> (*candidates)(const Trace &);
  /// It rewrites the starting layout: not for a run on a fixed layout (the
  /// machine the user chose, `busmap check --layout`), which is never shrunk.
  bool changes_layout;
};

/// Every pass, in the order the fixpoint loop tries them (the ones that
/// remove operations first, the cosmetic ones last).
const std::vector<ShrinkPass> &shrink_passes();

// The passes, one rewrite each (names as in shrink_passes()).

/// "remove-op": without one operation.
std::vector<Trace> without_one_op(const Trace &t);
/// "remove-two-ops": without two operations at once (an online and the
/// offline that undoes it, where either alone changes what follows).
std::vector<Trace> without_two_ops(const Trace &t);
/// "start-state": the first operation on a block becomes the state it
/// starts in: `add X` + `online X` is a layout block that starts online,
/// `add X` alone one that starts offline, `online X` of a block that starts
/// offline (or `offline X` of one that starts online) is dropped and the
/// block starts in the state the operation leaves it.
std::vector<Trace> start_states(const Trace &t);
/// "fault-distance": a fault nearer to where it was armed (smaller nth),
/// alone or with one step between it and its call removed.
std::vector<Trace> nearer_faults(const Trace &t);
/// "fault-moves": a fault moved later, past steps that make no (or fewer)
/// calls, with nth reduced by what the steps it skipped consumed.
std::vector<Trace> faults_moved_to_their_call(const Trace &t);
/// "fault-once": a persistent fault (count=N above 1, or sticky) that
/// fails one call only.
std::vector<Trace> single_faults(const Trace &t);
/// "simpler-race": a race (`race=AT:ADDR`) dropped, at an earlier
/// preemption point, or at the start of its section.
std::vector<Trace> simpler_races(const Trace &t);
/// "lower-block": a block moved to a lower free address (the lowest one,
/// and the lowest above its lower neighbour), every operation on it with it.
std::vector<Trace> lower_blocks(const Trace &t);
/// "drop-block": without a layout block that no operation names.
std::vector<Trace> untouched_blocks_dropped(const Trace &t);
/// "fewer-sections": a block of one section, or of half its sections
/// (block_shift follows, so every block stays a whole number of blocks).
std::vector<Trace> fewer_sections(const Trace &t);

/// A candidate `busmap replay` would accept (it parses back from its text,
/// its layout and configuration are valid for its profile), and, unless
/// its profile has partitions without RAM, it starts with an online block
/// and never offlines the last one (a kernel runs from some online memory
/// and cannot offline its own pages; the generator keeps the same rule).
bool valid_candidate(const Trace &candidate);

} // namespace busmap

#endif // BUSMAP_PROPERTIES_SHRINK_HPP
