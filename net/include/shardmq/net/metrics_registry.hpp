#pragma once

#include <shardmq/net/metrics.hpp>

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace shardmq::net {

/// Whether a registry starts with the sources every engine has ("reactor", "pool", "buffers").
enum class builtin_sources { yes, no };

/// The per-core metrics an app exposes: named groups ("reactor", "pool", "tcp", ...), each with a
/// function that runs on every core (through submit_to) and writes that core's samples.
///
/// Sources are added before the first stats_endpoint using the registry starts; from then on the
/// registry is read by every core at once and add_source throws. It must outlive those endpoints'
/// stop() (after which no core runs its sources any more).
class metrics_registry {
 public:
  /// Runs on a reactor thread (this_reactor() is the core being sampled); reads only that core's
  /// state.
  using source_function = std::function<void(metrics_writer&)>;

  explicit metrics_registry(builtin_sources builtins = builtin_sources::yes);
  metrics_registry(const metrics_registry&) = delete;
  metrics_registry& operator=(const metrics_registry&) = delete;

  /// Adds a group. Throws std::invalid_argument for a name that is not valid_metric_name or is
  /// already taken, std::logic_error once an endpoint has started with this registry.
  void add_source(std::string group, source_function write);

  /// The groups, in the order they were added (and appear in /stats and /metrics).
  std::vector<std::string> groups() const;

  /// On a reactor: every source's samples for the calling core. Throws std::logic_error
  /// elsewhere, and whatever a source throws.
  core_metrics collect_here() const;

  /// No more sources from now on (stats_endpoint::start calls it).
  void seal() noexcept { sealed_.store(true, std::memory_order_release); }
  bool sealed() const noexcept { return sealed_.load(std::memory_order_acquire); }

 private:
  struct source {
    std::string group;
    source_function write;
  };
  std::vector<source> sources_;
  std::atomic<bool> sealed_{false};
};

/// The built-in sources, for a registry made with builtin_sources::no (each is documented in
/// builtin_sources.cpp and in README.md).
void write_reactor_metrics(metrics_writer& out);
void write_pool_metrics(metrics_writer& out);
void write_buffer_metrics(metrics_writer& out);
/// The "timers" group: this core's timer wheel.
void write_timer_metrics(metrics_writer& out);

}  // namespace shardmq::net
