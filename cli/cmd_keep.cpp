// `busmap keep FILE.trace DIR [--name NAME]`: copies a failing trace (from
// --out or the failure database) into a project's regression folder as a
// test that the bug is gone: its `expect fail X` becomes `expect pass`, so
// the case is red while the bug is in and green once it is fixed (a kept
// `expect fail` would be green while the bug is there).  A comment says
// where it came from: the implementation, the seed and command that found
// it, the invariant it violated, the source file and the date.  Every
// .trace in DIR is a ctest case once the project calls
// busmap_add_trace_tests (docs/PACKAGING.md).  Nothing runs driver code.
#include "cli/command.hpp"
#include "cli/output.hpp"
#include "properties/trace_format.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>

namespace busmap::cli {
namespace {

struct KeepArgs {
  std::string file, dir, name;
};

/// The `#` lines of the source that say how it was found.
std::string provenance(const std::string &text) {
  std::istringstream in(text);
  std::string line, kept;
  while (std::getline(in, line))
    if (line.starts_with("# found by:") || line.starts_with("# violated:") ||
        line.starts_with("# generated trace") || line.starts_with("# shrunk from"))
      kept += "was: " + line.substr(2) + "\n";
  return kept;
}

/// The seed of the "found by" line (`--seed N` or `BUSMAP_SEED=N`), or "unknown".
std::string seed_of(const std::string &text) {
  for (const char *key : {"--seed ", "BUSMAP_SEED="})
    if (auto at = text.find(key); at != std::string::npos) {
      const auto from = at + std::string_view(key).size();
      return text.substr(from, text.find_first_not_of("0123456789", from) - from);
    }
  return "unknown";
}

int keep_command(const KeepArgs &a) {
  const std::string text = read_input(a.file);
  TraceFile tf;
  try {
    tf = parse_trace_file(text, a.file);
  } catch (const ParseError &e) {
    throw BadInput(e.what());
  }
  const std::string invariant = tf.trace.expect_fail;
  if (invariant.empty())
    throw BadInput(fmt::format("{}: expects a pass already: keep takes a failing trace "
                               "(`expect fail INVARIANT`), as check writes it",
                               a.file));
  namespace fs = std::filesystem;
  const std::string name = a.name.empty() ? fs::path(a.file).stem().string() : a.name;
  const std::string dest = (fs::path(a.dir) / (name + ".trace")).string();
  std::error_code ec;
  if (fs::exists(dest, ec))
    throw BadInput(fmt::format("{}: exists already; --name NAME keeps it under another name", dest));
  tf.trace.expect_fail.clear();
  const std::string comment = fmt::format(
      "a regression kept by `busmap keep` on {:%Y-%m-%d} from {}\n"
      "implementation: {}; seed: {}; it violated {}\n"
      "expect pass: the case passes once that bug is fixed\n{}",
      std::chrono::system_clock::now(), a.file, tf.impl.empty() ? "a plugin (see below)" : tf.impl,
      seed_of(text), invariant, provenance(text));
  if (auto e = try_create_directories(a.dir); !e.empty())
    throw BadInput(e);
  write_output_file(dest, write_trace(tf, comment), "the regression trace");
  std::printf("kept %s as %s (expect pass; it failed %s)\n", a.file.c_str(), dest.c_str(),
              invariant.c_str());
  return ExitOk;
}

Run setup(CLI::App &app) {
  auto a = std::make_shared<KeepArgs>();
  app.add_option("file", a->file, "a failing .trace (from `busmap check` or its failure database)")
      ->required();
  app.add_option("dir", a->dir, "the project's regression folder (created if missing)")->required();
  app.add_option("--name", a->name, "the kept file's name, without .trace (default: the source's)");
  return [a] { return keep_command(*a); };
}

const Registrar registrar{
    {"keep", "copy a failing trace into a regression folder as `expect pass`", setup}};

} // namespace
} // namespace busmap::cli
