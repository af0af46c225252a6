#pragma once
// What shardmq-cat counts while it runs, and the summary it prints on stderr at the end.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace shardmq::cat {

using clock = std::chrono::steady_clock;

/// Messages and payload bytes that went one way, and when the first and the last of them did:
/// rates are taken over that span, so the time spent waiting for a peer does not dilute them.
struct direction_counters {
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
  clock::time_point first{};
  clock::time_point last{};

  void add(std::size_t payload_bytes, clock::time_point now) noexcept {
    if (messages == 0) first = now;
    last = now;
    ++messages;
    bytes += payload_bytes;
  }
  std::chrono::nanoseconds span() const noexcept { return last - first; }
};

/// Durations in a log-linear histogram: exact below 64 ns, then 32 buckets per power of two, so
/// a percentile is within about 1.6 % of the true value, in fixed memory (15 KiB) however many
/// round trips a run makes.
class latency_histogram {
 public:
  void add(std::chrono::nanoseconds value) noexcept;
  std::uint64_t count() const noexcept { return count_; }
  std::chrono::nanoseconds max() const noexcept { return std::chrono::nanoseconds(max_); }
  /// The smallest recorded value v such that a fraction `q` (0..1] of the values is <= v, to the
  /// histogram's precision (the middle of its bucket, never above max()); 0 when empty.
  std::chrono::nanoseconds percentile(double q) const noexcept;

 private:
  static constexpr unsigned sub_bucket_bits = 5;  // 32 buckets per power of two
  static constexpr unsigned exact_limit = 64;     // values below are their own bucket
  static constexpr std::size_t bucket_count = exact_limit + (64 - 6) * (1u << sub_bucket_bits);
  static std::size_t bucket_of(std::uint64_t value) noexcept;
  static std::uint64_t middle_of(std::size_t bucket) noexcept;

  std::array<std::uint64_t, bucket_count> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

/// "sent 1000 messages, 64000 bytes in 0.0123 s: 81301 msgs/s, 5.20 MB/s" (MB = 10^6 bytes); the
/// rates are left out when fewer than two messages give no span.
std::string format_direction(std::string_view verb, const direction_counters& counters);
/// "round trips: 1000, p50 45.1 us, p99 120.3 us, max 301.0 us".
std::string format_round_trips(const latency_histogram& round_trips);

}  // namespace shardmq::cat
