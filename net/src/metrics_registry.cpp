#include <shardmq/core/reactor.hpp>
#include <shardmq/net/metrics_registry.hpp>

#include <algorithm>
#include <stdexcept>

namespace shardmq::net {

metrics_registry::metrics_registry(builtin_sources builtins) {
  if (builtins == builtin_sources::yes) {
    add_source("reactor", &write_reactor_metrics);
    add_source("pool", &write_pool_metrics);
    add_source("buffers", &write_buffer_metrics);
    add_source("timers", &write_timer_metrics);
  }
}

void metrics_registry::add_source(std::string group, source_function write) {
  if (sealed()) {
    throw std::logic_error(
        "shardmq: metrics_registry::add_source('" + group +
        "') after a stats_endpoint started with this registry; add sources before start()");
  }
  if (!valid_metric_name(group)) {
    throw std::invalid_argument("shardmq: metrics group '" + group + "' is not [a-zA-Z_][a-zA-Z0-9_]*");
  }
  // "core" is the key of each core's entry in /stats.
  if (group == "core" ||
      std::any_of(sources_.begin(), sources_.end(), [&](const source& s) { return s.group == group; })) {
    throw std::invalid_argument("shardmq: metrics group '" + group + "' is already taken");
  }
  if (!write) throw std::invalid_argument("shardmq: metrics group '" + group + "' has an empty function");
  sources_.push_back(source{std::move(group), std::move(write)});
}

std::vector<std::string> metrics_registry::groups() const {
  std::vector<std::string> names;
  for (const source& s : sources_) names.push_back(s.group);
  return names;
}

core_metrics metrics_registry::collect_here() const {
  core_metrics result;
  result.core = this_core();  // throws off a reactor
  for (const source& s : sources_) {
    metrics_writer writer(result, s.group);
    s.write(writer);
  }
  return result;
}

}  // namespace shardmq::net
