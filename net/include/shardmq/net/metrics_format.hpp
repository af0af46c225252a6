#pragma once
// The two texts the stats endpoint serves, from the snapshots of every core (index = core).

#include <shardmq/net/metrics.hpp>

#include <string>
#include <vector>

namespace shardmq::net {

/// GET /stats: {"cores": [{"core": 0, "<group>": {"<name>": value, ...}, ...}, ...],
/// "totals": {"<group>": {...}}}. A labelled metric is an array of objects, one per label set:
/// "allocations": [{"class": "16", "value": 3}, ...]. Totals combine each metric across cores as
/// its metric_total says (and leave out metric_total::none). Pretty-printed with two spaces.
std::string format_stats_json(const std::vector<core_metrics>& cores);

/// GET /metrics: the Prometheus text exposition format 0.0.4. One family per metric,
/// shardmq_<group>_<name> (counters end in _total), its # HELP and # TYPE lines once, then one
/// sample per core and label set, each with a core="N" label first.
std::string format_prometheus_text(const std::vector<core_metrics>& cores);

/// The family name of a sample in the Prometheus text.
std::string prometheus_name(const metric_sample& sample);

}  // namespace shardmq::net
