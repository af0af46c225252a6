#pragma once
// Reading stdin for the socket's core. The read blocks (stdin may be a terminal, a pipe or a
// regular file, and epoll refuses regular files), so it runs on a thread of its own that hands
// batches of whole lines to the core, never more than a window of bytes ahead of the socket.

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace shardmq::cat {

/// Bytes of input handed to the socket's core and not yet sent: the reader waits while the window
/// is full, so a file piped in at disk speed does not pile up in memory while the socket waits at
/// its high-water mark. Any thread.
class input_window {
 public:
  explicit input_window(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  /// Waits until `bytes` fit (a batch above the whole window fits once the window is empty);
  /// false once closed.
  bool acquire(std::size_t bytes);
  void release(std::size_t bytes);
  /// Wakes the waiter for good: acquire returns false from now on.
  void close();

 private:
  std::mutex mutex_;
  std::condition_variable room_;
  const std::size_t max_bytes_;
  std::size_t in_flight_ = 0;
  bool closed_ = false;
};

/// Where the reader's lines go (called on the reader's thread).
struct line_sink {
  /// Whole lines, each ending in '\n'; `batch.size()` bytes were acquired from the window.
  std::function<void(std::string batch)> deliver;
  /// The input ended: `error` is empty at end of file, else what went wrong.
  std::function<void(std::string error)> end;
};

/// Reads a file descriptor on its own thread, in chunks of up to 64 KiB, and delivers the whole
/// lines of each chunk as one batch (a last line without '\n' gets one at the end of file).
class line_reader {
 public:
  /// Starts the thread. Throws std::system_error if the wake-up descriptor cannot be made.
  line_reader(int fd, input_window& window, line_sink sink);
  /// stop() and join.
  ~line_reader();
  line_reader(const line_reader&) = delete;
  line_reader& operator=(const line_reader&) = delete;

  /// Makes the thread return soon, at end of input or not (a read in progress is not waited for:
  /// the thread only reads when poll says it will not block). Any thread; idempotent.
  void stop() noexcept;

 private:
  void run();

  int fd_;
  input_window& window_;
  line_sink sink_;
  int stop_fd_ = -1;  // an eventfd: poll() on it and on fd_ together
  std::thread thread_;
};

}  // namespace shardmq::cat
