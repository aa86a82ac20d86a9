//===- tests/support/fifo.hpp - a FIFO that cannot hang a test ---*- C++ -*-===//
//
// The readers must refuse a FIFO instead of opening it (an open with no
// writer blocks forever).  A test of that must not hang when the refusal
// regresses, so a FifoGuard makes the FIFO and, while the test runs, keeps
// offering a writer that opens and closes at once: a reader stuck in open()
// then sees end of file and the test fails on its assertion instead.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_TESTS_SUPPORT_FIFO_HPP
#define BUSMAP_TESTS_SUPPORT_FIFO_HPP

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace busmap::testing {

class FifoGuard {
public:
  explicit FifoGuard(std::filesystem::path path) : path_(std::move(path)) {
    std::filesystem::remove(path_);
    if (::mkfifo(path_.c_str(), 0600) != 0)
      throw std::runtime_error("mkfifo " + path_.string() + " failed");
    writer_ = std::thread([this] { offer_writer(); });
  }
  ~FifoGuard() {
    stop_ = true;
    writer_.join();
    std::filesystem::remove(path_);
  }
  const std::filesystem::path &path() const { return path_; }

private:
  // O_NONBLOCK: the open fails (ENXIO) unless a reader is waiting, so this
  // never blocks; when one is, opening and closing gives it end of file.
  void offer_writer() {
    while (!stop_) {
      const int fd = ::open(path_.c_str(), O_WRONLY | O_NONBLOCK);
      if (fd >= 0)
        ::close(fd);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  std::filesystem::path path_;
  std::atomic<bool> stop_{false};
  std::thread writer_;
};

} // namespace busmap::testing

#endif // BUSMAP_TESTS_SUPPORT_FIFO_HPP
