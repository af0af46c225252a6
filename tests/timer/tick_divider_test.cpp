// The wheel divides nanoseconds by its tick with a multiplication: it must agree with `/` for
// every dividend, including the extremes, and for every tick a wheel accepts.

#include <gtest/gtest.h>
#include <shardmq/timer/detail/tick_divider.hpp>

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace shardmq::detail {
namespace {

TEST(tick_divider, agrees_with_division_for_random_and_extreme_dividends) {
  constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  const std::vector<std::uint64_t> divisors = {
      1,
      2,
      3,
      7,
      10,
      1000,
      65536,
      99'999,
      100'000,
      131'072,
      1'000'000,
      999'999'937,
      (std::uint64_t{1} << 40) + 1,
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())};
  std::mt19937_64 random(9);
  for (const std::uint64_t d : divisors) {
    const tick_divider divider(d);
    for (const std::uint64_t n :
         {std::uint64_t{0}, std::uint64_t{1}, d - 1, d, d + 1, max, max - 1, max / 2}) {
      ASSERT_EQ(divider.divide(n), n / d) << n << " / " << d;
    }
    for (int i = 0; i < 200'000; ++i) {
      std::uint64_t n = random();
      if (i % 3 == 1) n >>= random() % 64;
      if (i % 3 == 2) n = (n % 1'000'000) * d + d - 1 - (random() % 2);  // next to a multiple
      ASSERT_EQ(divider.divide(n), n / d) << n << " / " << d;
    }
  }
}

}  // namespace
}  // namespace shardmq::detail
