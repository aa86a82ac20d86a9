// read_input_file(): the one way user input is read (platform/input_limits.hpp).
// The file is opened non-blocking and checked on its descriptor, not by a
// stat of the path before, so a FIFO swapped in between cannot block the
// open; /proc and /sys files report a size of 0 or 4096 whatever they hold,
// so the cap counts the bytes actually read.
#include "platform/input_limits.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace busmap::limits {
namespace {

const char *kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "a special file";
}

/// Closes the descriptor on every way out.
struct Descriptor {
  int fd;
  ~Descriptor() { ::close(fd); }
};

[[noreturn]] void fail_errno(const std::filesystem::path &file, const char *what) {
  throw InputError(file, fmt::format("{}: {}", what, std::strerror(errno)));
}

} // namespace

std::string size_error(std::uint64_t blocks, unsigned __int128 hw_pages) {
  if (blocks > MaxBlocks)
    return fmt::format("{} memory blocks, more than the cap of {} (limits::MaxBlocks)", blocks,
                       MaxBlocks);
  if (hw_pages > MaxHwPages)
    return fmt::format("{} HW pages of memory, more than the cap of {} (limits::MaxHwPages): "
                       "more than a case can register and check in its timeout",
                       hw_pages,
                       MaxHwPages);
  return {};
}

std::string read_input_file(const std::filesystem::path &file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    fail_errno(file, "cannot read");
  const Descriptor guard{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    fail_errno(file, "cannot read");
  if (!S_ISREG(st.st_mode))
    throw InputError(file, fmt::format("cannot read: it is {}, not a regular file (copy it to one "
                                       "first)", kind_of(st.st_mode)));
  std::string text;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      fail_errno(file, "read error");
    if (n == 0)
      return text;
    if (text.size() + static_cast<std::size_t>(n) > MaxFileBytes)
      throw InputError(file, fmt::format("larger than the cap of {} MiB on an input file "
                                         "(limits::MaxFileBytes)", MaxFileBytes >> 20));
    text.append(buf, static_cast<std::size_t>(n));
  }
}

} // namespace busmap::limits
