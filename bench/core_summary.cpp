#include "core_summary.hpp"

#include "paired_samples.hpp"
#include "result_line.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>

namespace shardmq::bench {
namespace {

// Seastar 25.05's smp::submit_to, measured on the reference VM by the author (Seastar
// cannot be built here): 3.3 us per round trip, 4.4 M round trips/s with 128 in flight.
constexpr double seastar_round_trip_ns = 3300;
constexpr double seastar_in_flight_round_trips_per_s = 4.4e6;
// The floor recorded alongside (bare SPSC ping-pong 0.37 us, stream 150 M/s). This VM switches
// between a fast and a slow regime for minutes at a time (the floor moves 5x), so the Seastar lines
// are also printed relative to the floor measured in the same round, as NOTEs.
constexpr double recorded_spsc_round_trip_ns = 370;
constexpr double recorded_spsc_stream_per_s = 150e6;

// The second run of a baseline within a round, for its null pair, is keyed "<scenario>#null".
/// One line of the verdict: `ours` against the scenario `base` or against a recorded constant.
struct comparison_spec {
  const char* name;
  const char* ours;
  const char* base;  // a scenario key, or null when base_constant applies
  double base_constant;
  better direction;
  double goal;         // 0: no goal in the issue, printed as a NOTE
  const char* remark;  // for the NOTE of a comparison without goal
};

std::vector<comparison_spec> comparisons() {
  using enum better;
  return {
      {"submit_to_throughput_vs_mutex_queue", scenario::submit_to_stream, scenario::mutex_queue_stream, 0,
       higher, 5, nullptr},
      {"submit_to_throughput_vs_asio_post", scenario::submit_to_stream, scenario::asio_post_stream, 0, higher,
       15, nullptr},
      {"submit_to_round_trip_vs_spsc_ping_pong", scenario::submit_to_round_trip, scenario::spsc_ping_pong, 0,
       lower, 3, nullptr},
      {"submit_to_round_trip_vs_asio_post", scenario::submit_to_round_trip, scenario::asio_post_ping_pong, 0,
       lower, 0.1, nullptr},
      {"submit_to_round_trip_vs_seastar_recorded", scenario::submit_to_round_trip, nullptr,
       seastar_round_trip_ns, lower, 1.0 / 3, nullptr},
      {"submit_to_128_in_flight_vs_seastar_recorded", scenario::submit_to_in_flight, nullptr,
       seastar_in_flight_round_trips_per_s, higher, 3, nullptr},
      {"null_pair_mutex_queue", "mutex_queue_stream#null", scenario::mutex_queue_stream, 0, higher, 1,
       nullptr},
      {"null_pair_asio_post_ping_pong", "asio_post_ping_pong#null", scenario::asio_post_ping_pong, 0, lower,
       1, nullptr},
      {"null_pair_spsc_ping_pong", "spsc_ping_pong#null", scenario::spsc_ping_pong, 0, lower, 1, nullptr},
      {"submit_to_throughput_vs_spsc_floor", scenario::submit_to_stream, scenario::spsc_stream, 0, higher, 0,
       "the floor: a bare SPSC ring of pointers, no handler and no reply"},
      {"submit_to_round_trip_target_asleep_vs_asio_post", scenario::submit_to_target_asleep,
       scenario::asio_post_ping_pong, 0, lower, 0,
       "core 1 asleep in epoll and woken through its eventfd; asio::post wakes a sleeping thread on each "
       "hop"},
  };
}

/// ours / floor (both measured in the same round) against Seastar / floor as recorded.
struct floor_normalised_spec {
  const char* name;
  const char* ours;
  const char* floor;
  double recorded_seastar_over_floor;
  better direction;
  double equivalent_goal;
};

std::vector<floor_normalised_spec> floor_normalised() {
  return {
      {"submit_to_round_trip_vs_seastar_floor_normalised", scenario::submit_to_round_trip,
       scenario::spsc_ping_pong, seastar_round_trip_ns / recorded_spsc_round_trip_ns, better::lower, 1.0 / 3},
      {"submit_to_128_in_flight_vs_seastar_floor_normalised", scenario::submit_to_in_flight,
       scenario::spsc_stream, seastar_in_flight_round_trips_per_s / recorded_spsc_stream_per_s,
       better::higher, 3},
  };
}

bool is_null_pair(const comparison_spec& spec) { return std::string(spec.name).rfind("null_pair_", 0) == 0; }

struct step {
  std::string key;
  const core_scenario* scenario;
};

/// Every scenario once, plus a second run of each baseline that has a null pair.
std::vector<step> steps_of_a_round(const std::vector<core_scenario>& scenarios) {
  std::vector<step> steps;
  for (const core_scenario& s : scenarios) steps.push_back({s.name, &s});
  for (const comparison_spec& spec : comparisons()) {
    if (!is_null_pair(spec)) continue;
    const auto base =
        std::find_if(steps.begin(), steps.end(), [&](const step& st) { return st.key == spec.base; });
    if (base == steps.end()) throw std::logic_error("null pair without its baseline scenario");
    // Interleave the second run right after the first in the order of a round.
    steps.insert(base + 1, {spec.ours, base->scenario});
  }
  return steps;
}

void print_informational(const comparison_spec& spec, const paired_samples& samples,
                         const std::string& unit) {
  char line[512];
  std::snprintf(line, sizeof line, "%s ours=%.6g base=%.6g ratio=%.4g unit=%s better=%s goal=none (%s)",
                spec.name, samples.median_ours(), samples.median_base(), samples.median_ratio(), unit.c_str(),
                spec.direction == better::higher ? "higher" : "lower", spec.remark);
  print_note(line);
}

}  // namespace

int run_core_summary(const std::vector<core_scenario>& scenarios, core_bench_context& context,
                     unsigned pairs) {
  const std::vector<step> steps = steps_of_a_round(scenarios);
  const std::vector<comparison_spec> specs = comparisons();
  std::map<std::string, paired_samples> samples;  // by comparison name
  std::map<std::string, std::string> units;       // by step key
  for (const step& st : steps) units[st.key] = st.scenario->unit;
  asleep_round_trips asleep_totals;

  for (unsigned round = 0; round < pairs; ++round) {
    std::vector<step> order = steps;
    if (round % 2 == 1) std::reverse(order.begin(), order.end());  // cancels drift within a round
    std::map<std::string, double> value;
    for (const step& st : order) value[st.key] = st.scenario->value(st.scenario->run());
    for (const comparison_spec& spec : specs) {
      samples[spec.name].add(value.at(spec.ours), spec.base ? value.at(spec.base) : spec.base_constant);
    }
    for (const floor_normalised_spec& spec : floor_normalised()) {
      samples[spec.name].add(value.at(spec.ours) / value.at(spec.floor), spec.recorded_seastar_over_floor);
    }
    asleep_totals.latency.operations += context.last_asleep.latency.operations;
    asleep_totals.target_sleeps += context.last_asleep.target_sleeps;
    asleep_totals.target_wakeups += context.last_asleep.target_wakeups;
    asleep_totals.wakeups_sent += context.last_asleep.wakeups_sent;
    std::fprintf(stderr, "shardmq-bench-core: round %u/%u done\n", round + 1, pairs);
  }

  int met = 0;
  int goals = 0;
  for (const comparison_spec& spec : specs) {
    const paired_samples& s = samples[spec.name];
    const std::string& unit = units.at(spec.ours);
    if (spec.goal == 0) {
      print_informational(spec, s, unit);
      continue;
    }
    const comparison_result result = s.result(spec.name, unit, spec.direction, spec.goal);
    print_result_line(result);
    if (!is_null_pair(spec)) {
      ++goals;
      met += result.goal_met() ? 1 : 0;
    }
  }
  for (const floor_normalised_spec& spec : floor_normalised()) {
    const paired_samples& s = samples[spec.name];
    char line[512];
    std::snprintf(line, sizeof line,
                  "%s ours=%.4g base=%.4g ratio=%.4g unit=x_spsc_floor better=%s goal=none (ours and Seastar "
                  "as multiples of the SPSC floor of their own run; the equivalent goal is %.4g)",
                  spec.name, s.median_ours(), s.median_base(), s.median_ratio(),
                  spec.direction == better::higher ? "higher" : "lower", spec.equivalent_goal);
    print_note(line);
  }
  for (const comparison_spec& spec : specs) {
    const paired_samples& s = samples[spec.name];
    char line[256];
    std::snprintf(line, sizeof line, "spread %s pairs=%zu ratio_min=%.4g ratio_median=%.4g ratio_max=%.4g",
                  spec.name, s.size(), s.min_ratio(), s.median_ratio(), s.max_ratio());
    print_note(line);
  }
  char line[256];
  std::snprintf(
      line, sizeof line,
      "target asleep: %llu round trips spaced %lld us apart, core 1 slept %llu times and received %llu "
      "eventfd wake-ups; core 0 sent %llu",
      static_cast<unsigned long long>(asleep_totals.latency.operations),
      static_cast<long long>(sleep_inducing_gap(context.ours).count()),
      static_cast<unsigned long long>(asleep_totals.target_sleeps),
      static_cast<unsigned long long>(asleep_totals.target_wakeups),
      static_cast<unsigned long long>(asleep_totals.wakeups_sent));
  print_note(line);
  std::snprintf(line, sizeof line,
                "goals met: %d of %d (null pairs excluded; the seastar lines use recorded figures)", met,
                goals);
  print_note(line);
  return met;
}

}  // namespace shardmq::bench
