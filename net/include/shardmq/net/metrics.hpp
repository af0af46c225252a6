#pragma once
// The metrics model of the stats endpoint: what one core reports (a list of samples, each a named
// value in a group) and the writer that sources fill it through. Plain data: no Asio, no HTTP.

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace shardmq::net {

/// A counter only goes up (Prometheus adds `_total` to its name); a gauge goes up and down.
enum class metric_kind { counter, gauge };

/// How the "totals" of /stats combine one metric across cores: a sum (counters, bytes, objects),
/// the largest value (peaks), or not at all (placement facts such as the PU a core runs on).
enum class metric_total { sum, max, none };

/// Integers stay integers in the JSON; double is for gauges that are ratios or rates.
using metric_value = std::variant<std::uint64_t, std::int64_t, double>;

/// Extra labels of one sample, e.g. {"class", "64"}; the endpoint adds `core` itself.
using metric_labels = std::vector<std::pair<std::string, std::string>>;

/// One value of one core: `group` and `name` give the Prometheus name shardmq_<group>_<name>.
struct metric_sample {
  std::string group;
  std::string name;
  std::string help;
  metric_kind kind = metric_kind::gauge;
  metric_total total = metric_total::sum;
  metric_value value = std::uint64_t{0};
  metric_labels labels;
};

/// Everything one core reported, in the order its sources wrote it.
struct core_metrics {
  unsigned core = 0;
  std::vector<metric_sample> samples;
};

/// True for names Prometheus accepts for a metric or a label ([a-zA-Z_][a-zA-Z0-9_]*; we leave
/// out the colons that Prometheus keeps for recording rules).
bool valid_metric_name(std::string_view name) noexcept;

/// What a source gets on each core: it appends samples to that core's snapshot under the source's
/// group. Names and label names must be valid_metric_name (std::invalid_argument otherwise, which
/// the endpoint answers with a 500 naming the culprit).
class metrics_writer {
 public:
  metrics_writer(core_metrics& into, std::string group) : into_(into), group_(std::move(group)) {}

  const std::string& group() const noexcept { return group_; }

  void counter(std::string_view name, std::string_view help, std::uint64_t value, metric_labels labels = {}) {
    write(name, help, metric_kind::counter, metric_total::sum, value, std::move(labels));
  }

  /// Any integer or floating-point value; `total` says how /stats totals it across cores.
  template <class T>
  requires std::integral<T> || std::floating_point<T>
  void gauge(std::string_view name, std::string_view help, T value, metric_labels labels = {},
             metric_total total = metric_total::sum) {
    write(name, help, metric_kind::gauge, total, to_value(value), std::move(labels));
  }

 private:
  template <class T>
  static metric_value to_value(T value) {
    if constexpr (std::floating_point<T>) {
      return static_cast<double>(value);
    } else if constexpr (std::is_same_v<T, bool>) {
      return std::uint64_t{value ? 1u : 0u};
    } else if constexpr (std::signed_integral<T>) {
      return static_cast<std::int64_t>(value);
    } else {
      return static_cast<std::uint64_t>(value);
    }
  }
  void write(std::string_view name, std::string_view help, metric_kind kind, metric_total total,
             metric_value value, metric_labels labels);

  core_metrics& into_;
  std::string group_;
};

}  // namespace shardmq::net
