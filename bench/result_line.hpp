#pragma once
// The one-line verdict every shardmq benchmark prints per comparison. Scripts and later issues
// parse it, so its shape is frozen:
//
//   RESULT <name> ours=<value> base=<value> ratio=<ours/base> unit=<unit> better=<higher|lower>
//   goal=<ratio>
//
// (one line). `better=higher goal=5` means ratio >= 5 is the goal; `better=lower goal=3` means
// ratio <= 3. Anything else a benchmark wants to say goes on a line starting with NOTE.

#include <cstdio>
#include <string>

namespace shardmq::bench {

enum class better { higher, lower };

/// One comparison of our figure with a baseline's, with the ratio the issue asks for.
struct comparison_result {
  std::string name;  ///< [a-z0-9_], no spaces
  double ours = 0;
  double base = 0;
  /// ours/base; with paired runs, the median of the per-pair ratios (not median(ours)/median(base)).
  double ratio = 0;
  std::string unit;  ///< e.g. msg/s, ns, round_trips/s; no spaces
  better direction = better::higher;
  double goal = 1;

  bool goal_met() const noexcept { return direction == better::higher ? ratio >= goal : ratio <= goal; }
};

/// The RESULT line, without a trailing newline. Values use %.6g, enough for any rate or latency.
inline std::string format_result_line(const comparison_result& r) {
  char buffer[512];
  std::snprintf(buffer, sizeof buffer, "RESULT %s ours=%.6g base=%.6g ratio=%.4g unit=%s better=%s goal=%.4g",
                r.name.c_str(), r.ours, r.base, r.ratio, r.unit.c_str(),
                r.direction == better::higher ? "higher" : "lower", r.goal);
  return buffer;
}

/// Prints the RESULT line to stdout and flushes, so a later crash cannot swallow it.
inline void print_result_line(const comparison_result& r) {
  std::printf("%s\n", format_result_line(r).c_str());
  std::fflush(stdout);
}

/// Prints "NOTE <text>" to stdout: context for a human, never parsed.
inline void print_note(const std::string& text) {
  std::printf("NOTE %s\n", text.c_str());
  std::fflush(stdout);
}

}  // namespace shardmq::bench
