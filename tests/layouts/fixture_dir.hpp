// Scratch directories for the importer tests: each test writes the files it
// needs under a fresh temporary directory, removed when the test ends.
#ifndef BUSMAP_TESTS_LAYOUTS_FIXTURE_DIR_HPP
#define BUSMAP_TESTS_LAYOUTS_FIXTURE_DIR_HPP

#include "layouts/import.hpp"
#include "layouts/ranges.hpp" // read_file

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace busmap::layouts::testing {

inline const std::filesystem::path fixtures{BUSMAP_LAYOUT_FIXTURES};

class ScratchDir {
public:
  ScratchDir() {
    const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            (std::string("busmap-layouts-") + info->test_suite_name() + "-" + info->name() +
             "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path &path() const { return path_; }

  std::filesystem::path write(const std::string &relative, const std::string &bytes) const {
    const auto file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << bytes;
    return file;
  }

private:
  std::filesystem::path path_;
};

/// The ImportError's text, or a failure when `fn` does not throw one.
template <class F> std::string import_error(F &&fn) {
  try {
    fn();
  } catch (const ImportError &e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an ImportError";
  return {};
}

} // namespace busmap::layouts::testing

#endif
