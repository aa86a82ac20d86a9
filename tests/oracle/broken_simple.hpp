//===- tests/oracle/broken_simple.hpp - broken copies of `simple` -*- C++ -*-===//
//
// Deliberately broken variations of the first driver, kept so that each
// oracle check is shown to bite.  Each wraps the real `simple` driver and
// changes one thing, so the broken behaviour is the only difference.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_TESTS_BROKEN_SIMPLE_HPP
#define BUSMAP_TESTS_BROKEN_SIMPLE_HPP

#include "busmap/driver.h"

namespace busmap::testing {

enum class SimpleBug {
  NoRerankOnRemove,   // bus addresses cached per section, not re-ranked when one is removed
  WrongMissValue,     // answers 0 instead of BUSMAP_INVALID for unmapped memory
  MapsAtOnline,       // maps at ONLINE, not GOING_ONLINE (eHEA timing: fails strict mode only)
  KeepsOfflinedBlock, // ignores GOING_OFFLINE: the MR keeps the block being migrated
  VetoesEverything,   // answers NOTIFY_BAD to every GOING_* event without a fault
  LeaksOnUnload,      // unload() forgets one allocation
  // Failure handling (issue 11): each wraps the platform calls simple makes.
  RetriesFreeForever,  // loops on h_free_mr until it succeeds: hangs on a persistent fault
  TakesBusyAsDone,     // an H_BUSY answer to h_free_mr is taken as freed, never retried
  LeaksOnFailure,      // the error path that logs an error drops an allocation unfreed
  VetoWithoutRestore,  // a vetoed GOING_OFFLINE unmaps the block anyway; CANCEL_OFFLINE ignored
  // Not a bug: what a correct driver may do, which the oracle must accept.
  GivesUpOnAFailedFree, // eHEA's ehea_rem_mr: a refused free is logged, never retried
};

/// The broken driver for `bug` (a static table per bug).
const busmap_driver &broken_simple(SimpleBug bug);

} // namespace busmap::testing

#endif // BUSMAP_TESTS_BROKEN_SIMPLE_HPP
