#include "traffic_summary.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace shardmq::cat {
namespace {

using std::chrono::nanoseconds;

TEST(cat_latency_histogram, small_values_are_exact) {
  latency_histogram histogram;
  for (int v = 1; v <= 50; ++v) histogram.add(nanoseconds(v));
  EXPECT_EQ(histogram.count(), 50u);
  EXPECT_EQ(histogram.percentile(0.5), nanoseconds(25));
  EXPECT_EQ(histogram.percentile(0.99), nanoseconds(50));
  EXPECT_EQ(histogram.percentile(1.0), nanoseconds(50));
  EXPECT_EQ(histogram.max(), nanoseconds(50));
}

TEST(cat_latency_histogram, large_values_are_within_two_percent) {
  latency_histogram histogram;
  // 1 us .. 10 ms in steps of 1 us: p50 is 5 ms, p99 is 9.9 ms.
  for (int us = 1; us <= 10000; ++us) histogram.add(std::chrono::microseconds(us));
  const double p50 = static_cast<double>(histogram.percentile(0.5).count());
  const double p99 = static_cast<double>(histogram.percentile(0.99).count());
  EXPECT_NEAR(p50, 5e6, 5e6 * 0.02);
  EXPECT_NEAR(p99, 9.9e6, 9.9e6 * 0.02);
  EXPECT_EQ(histogram.max(), std::chrono::milliseconds(10));
}

TEST(cat_latency_histogram, a_percentile_never_exceeds_the_maximum) {
  latency_histogram histogram;
  histogram.add(nanoseconds(1000001));
  EXPECT_EQ(histogram.percentile(0.5), nanoseconds(1000001));
  EXPECT_EQ(latency_histogram().percentile(0.5), nanoseconds(0));
  histogram.add(nanoseconds(-5));  // a clock step backwards counts as 0
  EXPECT_EQ(histogram.percentile(0.01), nanoseconds(0));
}

TEST(cat_traffic_summary, a_direction_reports_counts_and_rates_over_its_span) {
  direction_counters counters;
  const clock::time_point start{};
  counters.add(100, start + std::chrono::seconds(1));
  EXPECT_EQ(format_direction("sent", counters), "sent 1 message, 100 bytes");
  for (int i = 1; i <= 1000; ++i)
    counters.add(100, start + std::chrono::seconds(1) + std::chrono::milliseconds(i));
  // 1001 messages over 1 s: 1000 intervals.
  EXPECT_EQ(format_direction("received", counters),
            "received 1001 messages, 100100 bytes in 1.0000 s: 1000 msgs/s, 0.10 MB/s");
}

TEST(cat_traffic_summary, round_trips_give_percentiles_in_microseconds) {
  latency_histogram histogram;
  for (int i = 0; i < 100; ++i) histogram.add(std::chrono::microseconds(10));
  EXPECT_EQ(format_round_trips(histogram), "round trips: 100, p50 10.0 us, p99 10.0 us, max 10.0 us");
}

}  // namespace
}  // namespace shardmq::cat
