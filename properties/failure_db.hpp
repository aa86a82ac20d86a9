//===- properties/failure_db.hpp - shrunk failures kept between runs -*- C++ -*-===//
//
// The failure database, after Hypothesis's example database and
// proptest-regressions: every shrunk failure `busmap check` (or the gtest
// entry point) finds is kept in a directory, and the next run replays the
// kept traces of that implementation first, before generating any, so a
// bug found once is looked for again on every run until it is gone, even
// when a new seed or trace count would not meet it.
//
// Layout, stable so that a directory can be committed or cached by CI:
//
//   DIR/<impl>/<digest>.trace
//
// <impl> is the driver's name with every character outside [A-Za-z0-9._-]
// replaced by '_'; <digest> is 16 hex digits of the FNV-1a hash of the
// trace's file text without comments (its layout, mode, operations and
// `expect fail` line), so the same shrunk trace is kept once however often
// it is found, and a different one gets its own file.  The files are
// ordinary .trace files whose comments say how each was found.
//
// A kept trace is replayed in the run's mode only (a strict failure says
// nothing about a lenient run); with a shard, the kept traces are split
// by position as generated traces are.  A kept trace that now holds is
// reported as fixed, and removed when the run asks to prune.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PROPERTIES_FAILURE_DB_HPP
#define BUSMAP_PROPERTIES_FAILURE_DB_HPP

#include "busmap/driver.h"
#include "properties/checker.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace busmap {

/// The default directory, relative to the working directory.
inline constexpr const char *DefaultFailureDb = ".busmap/failures";

/// A driver's name as a file or directory name: [A-Za-z0-9._-], others '_'.
std::string file_stem_for(std::string_view impl);

/// What replaying the kept failures found.
struct KeptReplay {
  std::size_t replayed = 0;     // kept traces of this run's mode (and shard) run
  std::size_t other_mode = 0;   // kept, but of the other mode: not run
  std::vector<std::string> fixed;      // files that now hold
  std::vector<std::string> pruned;     // of those, removed
  std::vector<std::string> unreadable; // "FILE:LINE:COL: message", left alone
  std::optional<Failure> failure;      // the first kept trace that still fails
};

class FailureDb {
public:
  explicit FailureDb(std::string dir) : dir_(std::move(dir)) {}
  const std::string &dir() const { return dir_; }

  /// Where `trace` is kept for `impl` (DIR/<impl>/<digest>.trace).
  std::string path_for(std::string_view impl, const Trace &trace) const;
  /// The kept files of `impl`, sorted by name.
  std::vector<std::string> files(std::string_view impl) const;
  /// Keeps `trace` (comment as in write_trace); a trace already kept is
  /// left as it is.  Answers the path, or throws std::runtime_error naming
  /// the file it could not write.
  std::string keep(std::string_view impl, const Trace &trace, std::string_view comment) const;

  /// Replays the kept traces of `impl` in options.mode, each isolated as a
  /// check's case (run_trace), in file order; stops at the first that
  /// fails, which is shrunk further (shrink_trace) and answered as the
  /// run's failure.  `prune`: removes the files that now hold.
  KeptReplay replay(const busmap_driver &driver, std::string_view impl,
                    const CheckOptions &options, bool prune) const;

private:
  std::string dir_;
};

/// A check run with a failure database: the kept failures first, then, if
/// none still fails, the generated traces (check()); a failure from either
/// is kept.
struct DbCheck {
  CheckResult result;
  KeptReplay kept;
  std::string kept_file; // where the failure was kept, or empty
};
DbCheck check_with_db(const busmap_driver &driver, const CheckOptions &options,
                      const FailureDb &db, bool prune, std::string_view found_by);

/// "replayed 3 kept failures first: 1 fixed (pruned), ..."; empty when none was kept.
std::string describe_replay(const KeptReplay &kept, bool prune);

} // namespace busmap

#endif // BUSMAP_PROPERTIES_FAILURE_DB_HPP
