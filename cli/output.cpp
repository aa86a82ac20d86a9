// The checked writers of cli/output.hpp.  stdio rather than ofstream: a
// full disk often shows only when the buffer is flushed at fclose(), whose
// answer ofstream throws away.
#include "cli/output.hpp"

#include "cli/command.hpp"
#include "platform/input_limits.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace busmap::cli {

std::string try_write_file(const std::string &path, std::string_view text, std::string_view what) {
  const auto failed = [&] {
    return fmt::format("{}: cannot write{}{}: {}", path, what.empty() ? "" : " ", what,
                       std::strerror(errno));
  };
  std::FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    return failed();
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const int saved = errno;
  if (std::fclose(f) != 0 || !written) {
    if (!written)
      errno = saved;
    return failed();
  }
  return {};
}

void write_output_file(const std::string &path, std::string_view text, std::string_view what) {
  if (auto e = try_write_file(path, text, what); !e.empty())
    throw BadInput(e);
}

std::string try_create_directories(const std::string &dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return ec ? fmt::format("{}: cannot create the directory: {}", dir, ec.message()) : "";
}

std::string read_input(const std::string &path) {
  try {
    return limits::read_input_file(path);
  } catch (const limits::InputError &e) {
    throw BadInput(e.what());
  }
}

std::string flush_stdout() {
  errno = 0;
  if (std::fflush(stdout) == 0 && !std::ferror(stdout))
    return {};
  // ferror() alone: an earlier write failed and its errno is gone.
  return fmt::format("standard output: write error: {}",
                     errno ? std::strerror(errno) : "output was lost");
}

} // namespace busmap::cli
