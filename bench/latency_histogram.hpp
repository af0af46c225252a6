#pragma once
// A fixed-size, HDR-style histogram of nanosecond latencies: exact below 256 ns, then 128
// sub-buckets per power of two, so any percentile is within 0.8 % of the true sample. Recording
// is an index computation and an increment, cheap enough for every message of a load run.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace shardmq::bench {

class latency_histogram {
 public:
  latency_histogram() : counts_(bucket_count, 0) {}

  void record(std::uint64_t ns) noexcept {
    ++counts_[index_of(ns)];
    ++total_;
    sum_ += ns;
    if (ns > max_) max_ = ns;
  }

  void merge(const latency_histogram& other) {
    for (std::size_t i = 0; i < bucket_count; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    sum_ += other.sum_;
    if (other.max_ > max_) max_ = other.max_;
  }

  std::uint64_t count() const noexcept { return total_; }
  std::uint64_t max() const noexcept { return max_; }
  double mean() const noexcept {
    return total_ ? static_cast<double>(sum_) / static_cast<double>(total_) : 0;
  }

  /// The value at quantile q (0.5 = median): the middle of the bucket holding the ceil(q * n)-th
  /// smallest sample; 0 when empty.
  double quantile(double q) const noexcept {
    if (total_ == 0) return 0;
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total_) + 0.999999);
    if (rank == 0) rank = 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
      seen += counts_[i];
      if (seen >= rank) return bucket_middle(i);
    }
    return static_cast<double>(max_);
  }

 private:
  static constexpr unsigned sub_bits = 8;
  static constexpr std::uint64_t full = 1u << sub_bits;
  static constexpr std::uint64_t half = full / 2;
  static constexpr std::size_t bucket_count = (64 - sub_bits + 2) * half;

  // Values below `full` map to themselves; above, a value keeps its top sub_bits bits, so each
  // power of two splits into `half` buckets and the index grows continuously.
  static std::size_t index_of(std::uint64_t v) noexcept {
    if (v < full) return static_cast<std::size_t>(v);
    const unsigned shift = static_cast<unsigned>(std::bit_width(v)) - sub_bits;
    return static_cast<std::size_t>(shift * half + (v >> shift));
  }

  static double bucket_middle(std::size_t index) noexcept {
    if (index < full) return static_cast<double>(index);
    const std::uint64_t shift = index / half - 1;
    const std::uint64_t mantissa = index % half + half;
    const double low = static_cast<double>(mantissa << shift);
    return low + static_cast<double>((std::uint64_t{1} << shift) - 1) / 2;
  }

  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace shardmq::bench
