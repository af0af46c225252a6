// Baseline (a): the blocking queue most code starts with.

#include "cross_thread_baselines.hpp"

#include <condition_variable>
#include <mutex>
#include <vector>

namespace shardmq::bench {
namespace {

/// A bounded FIFO of message pointers behind one mutex and two condition variables. A fixed ring
/// rather than a std::deque, so the baseline never pays for an allocation (that would flatter us).
class bounded_mutex_queue {
 public:
  explicit bounded_mutex_queue(std::size_t capacity) : slots_(capacity) {}

  void push(const stream_message* message) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return size_ < slots_.size(); });
    slots_[(head_ + size_) % slots_.size()] = message;
    ++size_;
    lock.unlock();
    not_empty_.notify_one();
  }

  const stream_message* pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return size_ != 0; });
    const stream_message* message = slots_[head_];
    head_ = (head_ + 1) % slots_.size();
    --size_;
    lock.unlock();
    not_full_.notify_one();
    return message;
  }

 private:
  std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::vector<const stream_message*> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace

measurement mutex_queue_stream(const pinned_pair& threads, std::uint64_t messages,
                               const stream_bounds& bounds) {
  const std::vector<stream_message> table = make_messages(bounds.capacity);
  bounded_mutex_queue queue(bounds.capacity);
  bench_clock::time_point start;
  bench_clock::time_point end;
  threads.run(
      [&] {
        start = bench_clock::now();
        for (std::uint64_t i = 0; i < messages; ++i) queue.push(&table[i % table.size()]);
      },
      [&] {
        std::uint64_t sum = 0;
        while (sum < messages) sum += queue.pop()->payload;
        end = bench_clock::now();
      });
  return {seconds_between(start, end), messages};
}

}  // namespace shardmq::bench
