#include "timer_summary.hpp"

#include "paired_samples.hpp"
#include "result_line.hpp"

#include <shardmq/timer/timer.hpp>

#include <asio/steady_timer.hpp>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace shardmq::bench {
namespace {

struct step {
  std::string key;
  std::function<timer_run()> run;
};

struct comparison_spec {
  const char* name;
  const char* ours;
  const char* base;
  double goal;
  bool null_pair;
};

// Both figures are ns per timer: better=lower, "10x faster" is goal=0.1 (as bench-core writes it).
const std::vector<comparison_spec>& comparisons() {
  static const std::vector<comparison_spec> specs = {
      {"timer_arm_cancel_vs_asio_steady_timer", "wheel_arm_cancel", "asio_arm_cancel", 0.1, false},
      {"timer_arm_fire_vs_asio_steady_timer", "wheel_arm_fire", "asio_arm_fire", 0.1, false},
      {"null_pair_asio_arm_cancel", "asio_arm_cancel#null", "asio_arm_cancel", 1, true},
      {"null_pair_asio_arm_fire", "asio_arm_fire#null", "asio_arm_fire", 1, true},
  };
  return specs;
}

}  // namespace

int run_timer_summary(wheel_runs& ours, steady_timer_runs& base, unsigned pairs) {
  // Ours between the two baseline runs, so that whatever a run leaves in the caches and the
  // allocator for the next one falls on both sides of each comparison alike.
  const std::vector<step> steps = {
      {"asio_arm_cancel", [&] { return base.arm_cancel(); }},
      {"wheel_arm_cancel", [&] { return ours.arm_cancel(); }},
      {"asio_arm_cancel#null", [&] { return base.arm_cancel(); }},
      {"asio_arm_fire", [&] { return base.arm_fire(); }},
      {"wheel_arm_fire", [&] { return ours.arm_fire(); }},
      {"asio_arm_fire#null", [&] { return base.arm_fire(); }},
  };
  // Untimed: first-touch page faults and the allocator's growth belong to neither side.
  for (const step& s : steps) s.run();

  std::map<std::string, paired_samples> samples;       // CPU time: the verdict
  std::map<std::string, paired_samples> wall_samples;  // wall time: for a NOTE
  for (unsigned round = 0; round < pairs; ++round) {
    std::vector<step> order = steps;
    if (round % 2 == 1) std::reverse(order.begin(), order.end());  // cancels drift within a round
    std::map<std::string, timer_run> runs;
    for (const step& s : order) runs[s.key] = s.run();
    for (const comparison_spec& spec : comparisons()) {
      const timer_run& o = runs.at(spec.ours);
      const timer_run& b = runs.at(spec.base);
      samples[spec.name].add(o.cpu_ns_per_timer(), b.cpu_ns_per_timer());
      wall_samples[spec.name].add(o.wall_ns_per_timer(), b.wall_ns_per_timer());
    }
    std::fprintf(stderr, "shardmq-bench-timer: round %u/%u done\n", round + 1, pairs);
  }

  int met = 0;
  int goals = 0;
  for (const comparison_spec& spec : comparisons()) {
    const comparison_result result = samples[spec.name].result(spec.name, "ns", better::lower, spec.goal);
    print_result_line(result);
    if (!spec.null_pair) {
      ++goals;
      met += result.goal_met() ? 1 : 0;
    }
  }

  // Footprint: everything an armed timer occupies. Ours lives in the owning object and allocates
  // nothing; asio's timer object is joined by an operation allocated per wait and an entry in the
  // timer queue's heap (a time point and a pointer, per Asio's timer_queue.hpp).
  const comparison_result footprint{"timer_bytes_per_armed_timer_vs_budget",
                                    double(sizeof(timer)),
                                    64,
                                    double(sizeof(timer)) / 64,
                                    "bytes",
                                    better::lower,
                                    1};
  print_result_line(footprint);
  ++goals;
  met += footprint.goal_met() ? 1 : 0;
  const std::size_t asio_object = sizeof(asio::steady_timer);
  const std::size_t asio_wait = steady_timer_wait_allocation_bytes();
  const std::size_t asio_heap_entry = sizeof(asio::steady_timer::time_point) + sizeof(void*);
  const std::size_t asio_total = asio_object + asio_wait + asio_heap_entry;
  char line[512];
  std::snprintf(
      line, sizeof line,
      "timer_bytes_per_armed_timer_vs_asio_steady_timer ours=%zu base=%zu ratio=%.4g unit=bytes "
      "better=lower goal=none (ours: shardmq::timer = %zu-byte node + wheel pointer + 24-byte inline "
      "callback, no heap; asio: steady_timer %zu + wait operation %zu on the heap + heap entry %zu)",
      sizeof(timer), asio_total, double(sizeof(timer)) / double(asio_total), sizeof(timer_node), asio_object,
      asio_wait, asio_heap_entry);
  print_note(line);

  for (const comparison_spec& spec : comparisons()) {
    const paired_samples& s = samples[spec.name];
    std::snprintf(line, sizeof line, "spread %s pairs=%zu ratio_min=%.4g ratio_median=%.4g ratio_max=%.4g",
                  spec.name, s.size(), s.min_ratio(), s.median_ratio(), s.max_ratio());
    print_note(line);
  }
  for (const comparison_spec& spec : comparisons()) {
    const paired_samples& s = wall_samples[spec.name];
    std::snprintf(line, sizeof line,
                  "wall_clock %s ours=%.6g base=%.6g ratio=%.4g unit=ns (medians of wall time)", spec.name,
                  s.median_ours(), s.median_base(), s.median_ratio());
    print_note(line);
  }
  std::snprintf(line, sizeof line, "goals met: %d of %d (null pairs excluded)", met, goals);
  print_note(line);
  return met;
}

}  // namespace shardmq::bench
