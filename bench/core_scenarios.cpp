#include "core_scenarios.hpp"

#include <algorithm>

namespace shardmq::bench {

core_bench_sizes core_bench_sizes::scaled_down(std::uint64_t divisor) const {
  auto scale = [divisor](std::uint64_t n) { return std::max<std::uint64_t>(16, n / divisor); };
  core_bench_sizes s;
  s.submit_to_stream = scale(submit_to_stream);
  s.mutex_queue_stream = scale(mutex_queue_stream);
  s.asio_post_stream = scale(asio_post_stream);
  s.spsc_stream = scale(spsc_stream);
  s.submit_to_round_trips = scale(submit_to_round_trips);
  s.asio_post_round_trips = scale(asio_post_round_trips);
  s.spsc_round_trips = scale(spsc_round_trips);
  s.in_flight_round_trips = scale(in_flight_round_trips);
  s.asleep_round_trips = scale(asleep_round_trips);
  return s;
}

std::vector<core_scenario> core_scenarios(core_bench_context& c) {
  using figure::ns_per_operation;
  using figure::per_second;
  return {
      {scenario::submit_to_stream, "msg/s", per_second,
       [&c] { return submit_to_windowed(c.ours, c.sizes.submit_to_stream, stream_window); }},
      {scenario::submit_to_in_flight, "round_trips/s", per_second,
       [&c] { return submit_to_windowed(c.ours, c.sizes.in_flight_round_trips, in_flight_window); }},
      {scenario::submit_to_round_trip, "ns", ns_per_operation,
       [&c] { return submit_to_windowed(c.ours, c.sizes.submit_to_round_trips, 1); }},
      {scenario::submit_to_target_asleep, "ns", ns_per_operation,
       [&c] {
         c.last_asleep = submit_to_round_trips_target_asleep(c.ours, c.sizes.asleep_round_trips,
                                                             sleep_inducing_gap(c.ours));
         return c.last_asleep.latency;
       }},
      {scenario::mutex_queue_stream, "msg/s", per_second,
       [&c] { return mutex_queue_stream(c.baseline_threads, c.sizes.mutex_queue_stream, c.bounds); }},
      {scenario::asio_post_stream, "msg/s", per_second,
       [&c] { return asio_post_stream(c.baseline_threads, c.sizes.asio_post_stream, c.bounds); }},
      {scenario::spsc_stream, "msg/s", per_second,
       [&c] { return spsc_stream(c.baseline_threads, c.sizes.spsc_stream, c.bounds); }},
      {scenario::asio_post_ping_pong, "ns", ns_per_operation,
       [&c] { return asio_post_ping_pong(c.baseline_threads, c.sizes.asio_post_round_trips); }},
      {scenario::spsc_ping_pong, "ns", ns_per_operation,
       [&c] { return spsc_ping_pong(c.baseline_threads, c.sizes.spsc_round_trips); }},
  };
}

}  // namespace shardmq::bench
