#pragma once
// The noise protocol of the project: ours and the baseline run alternately, pair by pair, and the
// verdict is the median of the per-pair ratios, which cancels slow drifts of a shared machine.

#include "result_line.hpp"

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace shardmq::bench {

inline double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

/// Measurements of ours and a baseline taken in alternation; pair i ran back to back.
class paired_samples {
 public:
  void add(double ours, double base) { pairs_.emplace_back(ours, base); }
  std::size_t size() const noexcept { return pairs_.size(); }

  std::vector<double> ratios() const {
    std::vector<double> result;
    for (const auto& [ours, base] : pairs_) result.push_back(base != 0 ? ours / base : 0);
    return result;
  }
  double median_ratio() const { return median(ratios()); }
  double median_ours() const { return median(column(&std::pair<double, double>::first)); }
  double median_base() const { return median(column(&std::pair<double, double>::second)); }
  double min_ratio() const {
    const auto r = ratios();
    return r.empty() ? 0 : *std::min_element(r.begin(), r.end());
  }
  double max_ratio() const {
    const auto r = ratios();
    return r.empty() ? 0 : *std::max_element(r.begin(), r.end());
  }

  /// The RESULT of this comparison: medians of each side, and the median of the pair ratios.
  comparison_result result(std::string name, std::string unit, better direction, double goal) const {
    return {std::move(name), median_ours(), median_base(), median_ratio(), std::move(unit), direction, goal};
  }

 private:
  std::vector<double> column(double std::pair<double, double>::*member) const {
    std::vector<double> values;
    for (const auto& pair : pairs_) values.push_back(pair.*member);
    return values;
  }

  std::vector<std::pair<double, double>> pairs_;
};

}  // namespace shardmq::bench
