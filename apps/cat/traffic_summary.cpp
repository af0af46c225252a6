#include "traffic_summary.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>

namespace shardmq::cat {

std::size_t latency_histogram::bucket_of(std::uint64_t value) noexcept {
  if (value < exact_limit) return static_cast<std::size_t>(value);
  const unsigned exponent = 63u - static_cast<unsigned>(std::countl_zero(value));  // >= 6
  const unsigned shift = exponent - sub_bucket_bits;
  const std::uint64_t top = value >> shift;  // 32..63: the leading six bits
  return exact_limit + (exponent - 6) * (std::size_t{1} << sub_bucket_bits) +
         static_cast<std::size_t>(top - (1u << sub_bucket_bits));
}

std::uint64_t latency_histogram::middle_of(std::size_t bucket) noexcept {
  if (bucket < exact_limit) return bucket;
  const std::size_t k = bucket - exact_limit;
  const unsigned exponent = static_cast<unsigned>(k >> sub_bucket_bits) + 6;
  const std::uint64_t top = (k & ((1u << sub_bucket_bits) - 1)) + (1u << sub_bucket_bits);
  const unsigned shift = exponent - sub_bucket_bits;
  return (top << shift) + (std::uint64_t{1} << shift) / 2;
}

void latency_histogram::add(std::chrono::nanoseconds value) noexcept {
  const std::uint64_t v = value.count() < 0 ? 0 : static_cast<std::uint64_t>(value.count());
  ++buckets_[bucket_of(v)];
  ++count_;
  max_ = std::max(max_, v);
}

std::chrono::nanoseconds latency_histogram::percentile(double q) const noexcept {
  if (count_ == 0) return std::chrono::nanoseconds(0);
  const double wanted = std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(count_));
  const std::uint64_t rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(wanted));
  std::uint64_t seen = 0;
  for (std::size_t bucket = 0; bucket < buckets_.size(); ++bucket) {
    seen += buckets_[bucket];
    if (seen >= rank) return std::chrono::nanoseconds(std::min(middle_of(bucket), max_));
  }
  return std::chrono::nanoseconds(max_);
}

namespace {

std::string printf_string(const char* format, auto... values) {
  char text[160];
  const int n = std::snprintf(text, sizeof text, format, values...);
  return std::string(text, static_cast<std::size_t>(std::clamp(n, 0, static_cast<int>(sizeof text) - 1)));
}

double microseconds(std::chrono::nanoseconds value) { return static_cast<double>(value.count()) / 1e3; }

}  // namespace

std::string format_direction(std::string_view verb, const direction_counters& counters) {
  std::string line = std::string(verb) + " " + std::to_string(counters.messages) +
                     (counters.messages == 1 ? " message, " : " messages, ") +
                     std::to_string(counters.bytes) + (counters.bytes == 1 ? " byte" : " bytes");
  const double seconds = std::chrono::duration<double>(counters.span()).count();
  if (counters.messages < 2 || seconds <= 0) return line;
  // The span runs from the first message to the last: n messages make n - 1 intervals.
  const double intervals = static_cast<double>(counters.messages - 1);
  return line + printf_string(" in %.4f s: %.0f msgs/s, %.2f MB/s", seconds, intervals / seconds,
                              static_cast<double>(counters.bytes) * intervals /
                                  static_cast<double>(counters.messages) / seconds / 1e6);
}

std::string format_round_trips(const latency_histogram& round_trips) {
  return "round trips: " + std::to_string(round_trips.count()) +
         printf_string(", p50 %.1f us, p99 %.1f us, max %.1f us", microseconds(round_trips.percentile(0.50)),
                       microseconds(round_trips.percentile(0.99)), microseconds(round_trips.max()));
}

}  // namespace shardmq::cat
