#pragma once
// The scenarios of shardmq-bench-zmq: which runs each pairs, at which sizes, and the comparisons
// (RESULT lines, NOTE lines for those without a goal) drawn from them.

#include "result_line.hpp"
#include "zmq_run.hpp"

#include <string>
#include <vector>

namespace shardmq::bench::zmq_bench {

/// The figure of a run a comparison uses.
enum class metric { msgs_per_s, p50_ns, p99_ns, cpu_ns_per_msg };

const char* unit_of(metric m) noexcept;

struct comparison_spec {
  std::string name;  ///< the RESULT name
  std::string ours;  ///< run label
  std::string base;  ///< run label
  metric what = metric::msgs_per_s;
  better direction = better::higher;
  double goal = 0;  ///< 0: no goal, printed as a NOTE with goal=none
  std::string remark;

  bool is_null_pair() const { return name.rfind("null_pair_", 0) == 0; }
};

struct zmq_scenario {
  std::string name;  ///< for --scenarios
  std::string what;  ///< for --help and the NOTE before its lines
  run_settings full;
  run_settings quick;
  std::vector<run_spec> runs;
  std::vector<comparison_spec> comparisons;
};

std::vector<zmq_scenario> zmq_scenarios();

}  // namespace shardmq::bench::zmq_bench
