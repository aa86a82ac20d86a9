// The failure database (see failure_db.hpp): files named by the trace's
// digest, replayed isolated before a run generates anything.
#include "properties/failure_db.hpp"

#include "platform/driver_text.hpp"
#include "platform/profile.hpp"
#include "properties/trace_format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace busmap {
namespace fs = std::filesystem;
namespace {

/// FNV-1a, 64 bits: stable across builds and machines, which a file name
/// must be (std::hash is not).
std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char ch : text)
    h = (h ^ ch) * 0x100000001b3ull;
  return h;
}

/// The kept failure a replayed trace gives, shrunk further if it can be.
Failure kept_failure(const busmap_driver &driver, const Trace &trace, const Violation &violation,
                     const CheckOptions &options) {
  std::optional<Failure> shrunk = shrink_trace(driver, trace, options);
  if (shrunk)
    return std::move(*shrunk);
  Failure f; // failed once, then not in shrink_trace's run: report it as it came
  f.original = f.shrunk = trace;
  f.violation = violation;
  f.flaky = Flakiness{1, 2};
  f.shrunk.expect_fail = violation.invariant;
  return f;
}

} // namespace

std::string file_stem_for(std::string_view impl) {
  std::string s;
  for (char c : impl)
    s += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '_';
  return s.empty() || s == "." || s == ".." ? "impl" : s;
}

std::string FailureDb::path_for(std::string_view impl, const Trace &trace) const {
  return (fs::path(dir_) / file_stem_for(impl) /
          fmt::format("{:016x}.trace", fnv1a(write_trace(trace))))
      .string();
}

std::vector<std::string> FailureDb::files(std::string_view impl) const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto &e : fs::directory_iterator(fs::path(dir_) / file_stem_for(impl), ec))
    if (e.path().extension() == ".trace" && e.is_regular_file(ec))
      out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string FailureDb::keep(std::string_view impl, const Trace &trace,
                            std::string_view comment) const {
  const std::string path = path_for(impl, trace);
  std::error_code ec;
  if (fs::exists(path, ec))
    return path;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::ofstream out(path);
  out << write_trace(trace, comment, impl);
  out.flush();
  if (ec || !out)
    throw std::runtime_error(fmt::format("{}: cannot keep the failure in the failure database{}",
                                         path, ec ? ": " + ec.message() : std::string()));
  return path;
}

KeptReplay FailureDb::replay(const busmap_driver &driver, std::string_view impl,
                             const CheckOptions &options, bool prune) const {
  KeptReplay r;
  const std::vector<std::string> kept = files(impl);
  for (std::size_t i = 0; i < kept.size(); ++i) {
    if (!options.shard.owns(i))
      continue;
    Trace trace;
    try {
      trace = read_trace_file(kept[i]);
    } catch (const ParseError &e) {
      r.unreadable.push_back(e.what());
      continue;
    }
    if (trace.mode != options.mode) {
      ++r.other_mode;
      continue;
    }
    ++r.replayed;
    const TraceRun run = run_trace(driver, trace, options.mode, options.isolation());
    if (run.violation) {
      r.failure = kept_failure(driver, trace, *run.violation, options);
      r.failure->kept_file = kept[i];
      return r;
    }
    r.fixed.push_back(kept[i]);
    std::error_code ec;
    if (prune && fs::remove(kept[i], ec))
      r.pruned.push_back(kept[i]);
  }
  return r;
}

DbCheck check_with_db(const busmap_driver &driver, const CheckOptions &options,
                      const FailureDb &db, bool prune, std::string_view found_by) {
  DbCheck out;
  const std::string impl = driver.name ? utf8_escaped(driver.name) : "?";
  out.kept = db.replay(driver, impl, options, prune);
  if (out.kept.failure) {
    out.result.impl = impl;
    out.result.profile =
        (options.layouts.profile ? *options.layouts.profile : default_profile()).name;
    out.result.failure = std::move(out.kept.failure);
  } else {
    out.result = check(driver, options);
  }
  if (const auto &f = out.result.failure; f && !f->flaky) {
    const std::string origin = f->kept_file.empty()
                                   ? fmt::format("{}\ngenerated trace #{}", found_by, f->trace_index)
                                   : fmt::format("{}\nshrunk from the kept failure {}", found_by,
                                                 f->kept_file);
    out.kept_file = db.keep(impl, f->shrunk,
                            fmt::format("{}\nviolated: {} at step {} ({}), {}", origin,
                                        f->violation.invariant, f->violation.step + 1,
                                        f->violation.op, f->violation.where));
  }
  return out;
}

std::string describe_replay(const KeptReplay &kept, bool prune) {
  if (!kept.replayed && !kept.other_mode && kept.unreadable.empty())
    return {};
  std::string s = fmt::format("replayed {} kept failure{} first", kept.replayed,
                              kept.replayed == 1 ? "" : "s");
  if (kept.failure)
    s += fmt::format(": {} fails again", kept.failure->kept_file);
  if (!kept.fixed.empty())
    s += fmt::format("; {} now hold{} (fixed){}", kept.fixed.size(),
                     kept.fixed.size() == 1 ? "s" : "",
                     prune ? fmt::format(", {} removed", kept.pruned.size())
                           : std::string(", --prune removes them"));
  for (const auto &f : kept.fixed)
    s += "\n  fixed: " + f;
  if (kept.other_mode)
    s += fmt::format("\n  {} kept failure{} of the other mode not replayed", kept.other_mode,
                     kept.other_mode == 1 ? "" : "s");
  for (const auto &u : kept.unreadable)
    s += "\n  not replayed, unreadable: " + u;
  return s;
}

} // namespace busmap
