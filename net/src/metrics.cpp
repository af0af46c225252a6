#include <shardmq/net/metrics.hpp>

#include <stdexcept>

namespace shardmq::net {

bool valid_metric_name(std::string_view name) noexcept {
  if (name.empty()) return false;
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!letter(name.front())) return false;
  for (char c : name) {
    if (!letter(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

void metrics_writer::write(std::string_view name, std::string_view help, metric_kind kind, metric_total total,
                           metric_value value, metric_labels labels) {
  if (!valid_metric_name(name)) {
    throw std::invalid_argument("shardmq: metric name '" + std::string(name) + "' in group '" + group_ +
                                "' is not [a-zA-Z_][a-zA-Z0-9_]*");
  }
  for (const auto& [label, label_value] : labels) {
    // `core` is the endpoint's: a source that set it would produce duplicate series.
    if (!valid_metric_name(label) || label == "core" || label == "value") {
      throw std::invalid_argument("shardmq: label '" + label + "' of metric '" + group_ + "." +
                                  std::string(name) +
                                  "' is not a valid label name (nor may it be 'core' or 'value')");
    }
  }
  into_.samples.push_back(metric_sample{.group = group_,
                                        .name = std::string(name),
                                        .help = std::string(help),
                                        .kind = kind,
                                        .total = total,
                                        .value = value,
                                        .labels = std::move(labels)});
}

}  // namespace shardmq::net
