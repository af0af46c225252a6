#include "line_reader.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace shardmq::cat {
namespace {

using namespace std::chrono_literals;

/// A pipe whose ends close with the test.
struct test_pipe {
  test_pipe() { EXPECT_EQ(::pipe(fds), 0); }
  ~test_pipe() {
    close_write();
    ::close(fds[0]);
  }
  void write(std::string_view text) const {
    ASSERT_EQ(::write(fds[1], text.data(), text.size()), ssize_t(text.size()));
  }
  void close_write() {
    if (fds[1] >= 0) ::close(fds[1]);
    fds[1] = -1;
  }
  int fds[2] = {-1, -1};
};

/// What a reader delivered, gathered under a lock (it arrives on the reader's thread).
struct delivered_lines {
  std::mutex mutex;
  std::string text;
  std::promise<std::string> ended;
  line_sink sink(input_window& window) {
    return {.deliver =
                [this, &window](std::string batch) {
                  EXPECT_EQ(batch.back(), '\n');
                  std::lock_guard lock(mutex);
                  text += batch;
                  window.release(batch.size());
                },
            .end = [this](std::string error) { ended.set_value(std::move(error)); }};
  }
};

TEST(cat_line_reader, whole_lines_arrive_and_the_last_one_gets_its_newline) {
  test_pipe input;
  input_window window(1 << 20);
  delivered_lines out;
  std::future<std::string> ended = out.ended.get_future();
  line_reader reader(input.fds[0], window, out.sink(window));
  input.write("one\ntw");
  input.write("o\n\nthree");
  input.close_write();
  ASSERT_EQ(ended.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(ended.get(), "");
  std::lock_guard lock(out.mutex);
  EXPECT_EQ(out.text, "one\ntwo\n\nthree\n");
}

TEST(cat_line_reader, stop_returns_while_the_input_is_still_open) {
  test_pipe input;
  input_window window(1 << 20);
  delivered_lines out;
  auto reader = std::make_unique<line_reader>(input.fds[0], window, out.sink(window));
  input.write("partial line without end");
  std::this_thread::sleep_for(10ms);
  const auto before = std::chrono::steady_clock::now();
  reader.reset();  // stops and joins
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
  std::lock_guard lock(out.mutex);
  EXPECT_EQ(out.text, "");
}

TEST(cat_input_window, a_full_window_holds_the_reader_until_released_or_closed) {
  input_window window(10);
  EXPECT_TRUE(window.acquire(8));
  std::promise<bool> second;
  std::thread waiter([&] { second.set_value(window.acquire(5)); });
  std::future<bool> got = second.get_future();
  EXPECT_EQ(got.wait_for(50ms), std::future_status::timeout);
  window.release(8);
  EXPECT_EQ(got.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(got.get());
  waiter.join();
  window.release(5);
  EXPECT_TRUE(window.acquire(100)) << "a batch above the whole window fits once the window is empty";
  window.close();
  EXPECT_FALSE(window.acquire(1));
}

}  // namespace
}  // namespace shardmq::cat
