// GET /stats: the snapshots as JSON (nlohmann::ordered_json, so groups and metrics keep the order
// their sources wrote them in), plus totals across cores.

#include <shardmq/net/metrics_format.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <type_traits>

namespace shardmq::net {
namespace {

using json = nlohmann::ordered_json;

json to_json(const metric_value& value) {
  return std::visit([](auto v) { return json(v); }, value);
}

double as_double(const metric_value& value) {
  return std::visit([](auto v) { return static_cast<double>(v); }, value);
}

/// Same alternative: exact integer arithmetic; mixed (a source that changed its mind): double.
metric_value combine(const metric_value& a, const metric_value& b, metric_total how) {
  if (a.index() == b.index()) {
    return std::visit(
        [&](auto x) -> metric_value {
          const auto y = std::get<decltype(x)>(b);
          return how == metric_total::max ? std::max(x, y) : static_cast<decltype(x)>(x + y);
        },
        a);
  }
  return how == metric_total::max ? std::max(as_double(a), as_double(b)) : as_double(a) + as_double(b);
}

/// Adds one sample to a core's (or the totals') object: {"group": {"name": value}}, or an array
/// of {"label": "...", "value": v} for labelled samples.
void put(json& object, const metric_sample& sample) {
  json& group = object[sample.group];
  if (sample.labels.empty()) {
    group[sample.name] = to_json(sample.value);
    return;
  }
  json entry = json::object();
  for (const auto& [label, value] : sample.labels) entry[label] = value;
  entry["value"] = to_json(sample.value);
  group[sample.name].push_back(std::move(entry));
}

std::vector<metric_sample> totals_of(const std::vector<core_metrics>& cores) {
  std::vector<metric_sample> totals;
  std::map<std::string, std::size_t> index;  // group, name and labels -> position in totals
  for (const core_metrics& core : cores) {
    for (const metric_sample& sample : core.samples) {
      if (sample.total == metric_total::none) continue;
      std::string key = sample.group + '\n' + sample.name;
      for (const auto& [label, value] : sample.labels) key += '\n' + label + '=' + value;
      const auto [at, inserted] = index.try_emplace(std::move(key), totals.size());
      if (inserted) {
        totals.push_back(sample);
      } else {
        metric_sample& total = totals[at->second];
        total.value = combine(total.value, sample.value, sample.total);
      }
    }
  }
  return totals;
}

}  // namespace

std::string format_stats_json(const std::vector<core_metrics>& cores) {
  json per_core = json::array();
  for (const core_metrics& core : cores) {
    json entry = json::object();
    entry["core"] = core.core;
    for (const metric_sample& sample : core.samples) put(entry, sample);
    per_core.push_back(std::move(entry));
  }
  json totals = json::object();
  for (const metric_sample& sample : totals_of(cores)) put(totals, sample);

  json document = json::object();
  document["cores"] = std::move(per_core);
  document["totals"] = std::move(totals);
  // Strings come from sources and label values: replace bad UTF-8 rather than throw mid-response.
  return document.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace shardmq::net
