#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <string>
#include <vector>

namespace shardmq::demo {

/// One token passed round the cores, 0 -> 1 -> ... -> n-1 -> 0, `laps` times. Each hop is a
/// submit_to whose function sends the next hop, so the token crosses every ring in turn and the
/// run measures one-way hand-off latency, not throughput.
class ring_pass {
 public:
  ring_pass(unsigned cores, unsigned laps);

  /// Must run on core 0: the token starts and ends there.
  void start_on_this_core();
  /// True once the token is back on core 0 after all laps; false if `timeout` passed first.
  bool wait(std::chrono::steady_clock::duration timeout);
  /// After a successful wait: one line per mismatch, empty when the token took the right path.
  std::vector<std::string> verify() const;

  std::uint64_t hops() const noexcept { return std::uint64_t{cores_} * laps_; }

 private:
  struct token {
    std::uint64_t hops = 0;   // hand-offs so far
    std::uint64_t trail = 0;  // every core visited, in order (extend_trail)
  };
  struct arrival {
    token final;
    unsigned core = 0;
  };

  void arrive(token carried);

  unsigned cores_;
  unsigned laps_;
  std::atomic<std::uint64_t> failures_{0};  // touched only when a hop fails, never on the hot path
  std::promise<arrival> finished_;
  std::future<arrival> finished_future_;
  arrival result_;
};

}  // namespace shardmq::demo
