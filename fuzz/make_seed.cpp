// busmap_fuzz_seed: builds the seed corpus of the fuzz targets from what
// tests/ already holds, at build time, so that no fuzz input is kept twice
// in the repository.  Not a fuzz target (it writes files, once per build):
//
//   busmap_fuzz_seed copy   OUTDIR FILE...   each FILE as OUTDIR/PARENT-NAME
//   busmap_fuzz_seed layout OUTDIR TRACE...  each trace's layout as a .layout
//   busmap_fuzz_seed tree   OUTDIR DIR...    each directory tree packed into
//                                            one input (fuzz_input.hpp)
//
// Exit 0, or 2 with the file named when one cannot be read or packed.
#include "fuzz/fuzz_input.hpp"
#include "layouts/ranges.hpp" // read_file
#include "properties/trace_format.hpp"

#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>

namespace fs = std::filesystem;
using namespace busmap;

namespace {

/// "shrunk-radix.trace" for tests/traces/shrunk/radix.trace: names stay
/// apart when two folders hold files of one name.
std::string seed_name(const fs::path &input) {
  return input.parent_path().filename().string() + "-" + input.filename().string();
}

void write_seed(const fs::path &file, const std::string &bytes) {
  std::ofstream out(file, std::ios::binary);
  out << bytes;
  if (!out.flush())
    throw std::runtime_error(file.string() + ": cannot write");
}

std::string packed_tree(const fs::path &dir) {
  std::vector<fuzz::Entry> entries;
  for (const auto &entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file())
      entries.push_back({fs::relative(entry.path(), dir).generic_string(),
                         layouts::read_file(entry.path())});
  std::sort(entries.begin(), entries.end(),
            [](const fuzz::Entry &a, const fuzz::Entry &b) { return a.name < b.name; });
  auto packed = fuzz::pack_tree(entries);
  if (!packed)
    throw std::runtime_error(dir.string() + ": a file holds the entry separator; cannot pack");
  return *packed;
}

std::string seed_of(const std::string &mode, const fs::path &input) {
  if (mode == "copy")
    return layouts::read_file(input);
  if (mode == "layout")
    return write_layout(read_trace_file(input.string()).layout);
  return packed_tree(input);
}

} // namespace

int main(int argc, char **argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (argc < 3 || (mode != "copy" && mode != "layout" && mode != "tree")) {
    std::cerr << "usage: busmap_fuzz_seed copy|layout|tree OUTDIR INPUT...\n";
    return 2;
  }
  try {
    const fs::path out = argv[2];
    fs::create_directories(out);
    for (int i = 3; i < argc; ++i) {
      const std::string name = seed_name(argv[i]);
      const fs::path seed = mode == "layout" ? fs::path(name).replace_extension(".layout")
                                             : fs::path(name);
      write_seed(out / seed, seed_of(mode, argv[i]));
    }
  } catch (const std::exception &e) {
    std::cerr << "busmap_fuzz_seed: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
