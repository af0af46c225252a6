#include "line_reader.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace shardmq::cat {

bool input_window::acquire(std::size_t bytes) {
  std::unique_lock lock(mutex_);
  room_.wait(lock, [&] { return closed_ || in_flight_ == 0 || in_flight_ + bytes <= max_bytes_; });
  if (closed_) return false;
  in_flight_ += bytes;
  return true;
}

void input_window::release(std::size_t bytes) {
  {
    std::lock_guard lock(mutex_);
    in_flight_ -= bytes < in_flight_ ? bytes : in_flight_;
  }
  room_.notify_one();
}

void input_window::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  room_.notify_all();
}

line_reader::line_reader(int fd, input_window& window, line_sink sink)
    : fd_(fd), window_(window), sink_(std::move(sink)) {
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd for the stdin reader");
  thread_ = std::thread([this] { run(); });
}

line_reader::~line_reader() {
  stop();
  if (thread_.joinable()) thread_.join();
  ::close(stop_fd_);
}

void line_reader::stop() noexcept {
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = ::write(stop_fd_, &one, sizeof one);
  window_.close();
}

void line_reader::run() {
  std::vector<char> chunk(64 * 1024);
  std::string partial;  // the start of a line whose '\n' has not been read yet
  for (;;) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      sink_.end(std::string("poll on stdin: ") + std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    // POLLHUP or POLLERR with nothing to read: read() reports it (0 or an error).
    const ssize_t n = ::read(fd_, chunk.data(), chunk.size());
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      sink_.end(std::string("reading stdin: ") + std::strerror(errno));
      return;
    }
    if (n == 0) {
      if (!partial.empty()) {
        partial.push_back('\n');
        if (!window_.acquire(partial.size())) return;
        sink_.deliver(std::move(partial));
      }
      sink_.end({});
      return;
    }
    const std::string_view data(chunk.data(), static_cast<std::size_t>(n));
    const std::size_t last_newline = data.rfind('\n');
    if (last_newline == std::string_view::npos) {
      partial.append(data);  // a line longer than a chunk: keep gathering it
      continue;
    }
    std::string batch = std::move(partial);
    batch.append(data.substr(0, last_newline + 1));
    partial.assign(data.substr(last_newline + 1));
    if (!window_.acquire(batch.size())) return;
    sink_.deliver(std::move(batch));
  }
}

}  // namespace shardmq::cat
