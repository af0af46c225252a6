#pragma once
// Division of 64-bit nanosecond counts by the wheel's tick without a divide instruction: arm()
// converts every deadline to ticks, and a 64-bit div costs 14-46 cycles on the CPUs we run on,
// more than the rest of arm() together. Granlund and Montgomery, "Division by invariant integers
// using multiplication" (1994), figure 4.1: exact for every 64-bit dividend.

#include <bit>
#include <cstdint>

namespace shardmq::detail {

// __extension__: users who build with -Wpedantic get no warning about the GCC/Clang type.
__extension__ typedef unsigned __int128 tick_product;

/// n / divisor for a divisor fixed at construction, 1 <= divisor < 2^63.
class tick_divider {
 public:
  explicit tick_divider(std::uint64_t divisor) noexcept : power_of_two_(std::has_single_bit(divisor)) {
    if (power_of_two_) {
      shift_ = static_cast<unsigned>(std::countr_zero(divisor));
      return;
    }
    const unsigned log2_ceil = 64 - static_cast<unsigned>(std::countl_zero(divisor - 1));  // <= 63
    multiplier_ =
        static_cast<std::uint64_t>(
            (static_cast<tick_product>((std::uint64_t{1} << log2_ceil) - divisor) << 64) / divisor) +
        1;
    shift_ = log2_ceil - 1;
  }

  std::uint64_t divide(std::uint64_t n) const noexcept {
    if (power_of_two_) return n >> shift_;
    const auto high = static_cast<std::uint64_t>((static_cast<tick_product>(multiplier_) * n) >> 64);
    return (((n - high) >> 1) + high) >> shift_;
  }

 private:
  std::uint64_t multiplier_ = 0;
  unsigned shift_ = 0;
  bool power_of_two_;
};

}  // namespace shardmq::detail
