//===- tests/support/frees_after_restart.hpp - radix in eHEA's order ----*- C++ -*-===//
//
// radix with emptied table blocks freed once traffic runs again, each
// unlinked before it is freed, as eHEA frees with its ports running.  A
// deterministic race at the free (a preemption point) cannot reach the
// unlinked block, so it holds every race tests/races/ gives it; a lookup
// on another CPU that loaded the link before the unlink and reads the
// block after the free can, which only busmap stress shows
// (tests/stress/).  radix itself frees while traffic is stopped, which the
// stop's wait for the lookups in flight makes safe.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_TESTS_SUPPORT_FREES_AFTER_RESTART_HPP
#define BUSMAP_TESTS_SUPPORT_FREES_AFTER_RESTART_HPP

#include "impl/radix_driver.hpp"

namespace busmap::testing {

struct FreesAfterRestart : impl::RadixPolicy {
  static constexpr impl::DataPathRules data_path{.free_while_stopped = false};
};

inline constexpr busmap_driver frees_after_restart =
    impl::CanonicalDriver<FreesAfterRestart>::table(
        "radix-frees-after-restart",
        "radix, emptied blocks freed (unlinked first) once traffic runs again");

} // namespace busmap::testing

#endif // BUSMAP_TESTS_SUPPORT_FREES_AFTER_RESTART_HPP
