// The sources every engine has. Each runs on the core it describes and reads only that core's
// reactor, core_pool and buffer_pool.
//
// reactor: every counter of reactor_stats (counters), overflow_peak (gauge, totalled as the
//   largest), pu / numa_node / pinned (gauges, not totalled), and the batch-size histogram as the
//   counter turns_by_work{work="0"|"1"|"2-3"|...|"128+"}: turns that did that much work. The
//   pool and buffer fields of reactor_stats are in the two groups below, in more detail.
// pool: bytes_mapped, live_objects, fallbacks, remote_drains, then per size class that has ever
//   been used (label class="<bytes>"): allocations, frees, remote_frees, spans, live.
// timers: the wheel's armed_now (gauge), armed, rearmed, fired, cancelled, cascades, and the
//   reactor's alarms (sleeps ended by a deadline).
// buffers: bytes_mapped, fallbacks, fallback_bytes_live, refused, then per class (class="8192",
//   "16384", "65536"): acquires, returns, remote_releases, buffers, in_use.

#include <shardmq/alloc/size_classes.hpp>
#include <shardmq/core/reactor.hpp>
#include <shardmq/net/metrics_registry.hpp>

#include <string>

namespace shardmq::net {
namespace {

std::string histogram_bucket_name(std::size_t bucket) {
  if (bucket == 0) return "0";
  if (bucket == 1) return "1";
  const std::uint64_t low = std::uint64_t{1} << (bucket - 1);
  if (bucket + 1 == reactor_stats::histogram_buckets) return std::to_string(low) + "+";
  return std::to_string(low) + "-" + std::to_string(2 * low - 1);
}

}  // namespace

void write_reactor_metrics(metrics_writer& out) {
  const reactor_stats s = this_reactor().snapshot_stats();
  out.gauge("pu", "The processing unit (OS CPU number) this core's reactor runs on.", s.pu, {},
            metric_total::none);
  out.gauge("numa_node", "The NUMA node of this core's PU.", s.numa_node, {}, metric_total::none);
  out.gauge("pinned", "1 when the reactor thread is pinned to its PU, 0 when the OS refused.", s.pinned, {},
            metric_total::none);
  out.counter("turns", "Turns of the reactor loop.", s.turns);
  out.counter("handlers_run", "Asio handlers run by poll_one.", s.handlers_run);
  out.counter("io_polls", "Rounds of poll_one on the io_context.", s.io_polls);
  out.counter("messages_in", "Requests run here plus replies received from other cores.", s.messages_in);
  out.counter("messages_out", "Requests and replies pushed to other cores.", s.messages_out);
  out.counter("local_runs", "Submissions from this core to itself.", s.local_runs);
  out.counter("outside_in", "Items from threads that are not reactors.", s.outside_in);
  out.counter("flushes", "Bulk pushes into the rings to other cores.", s.flushes);
  out.counter("ring_full", "Flushes that left items in the overflow list (ring full).", s.ring_full);
  out.gauge("overflow_peak", "Longest overflow list seen.", s.overflow_peak, {}, metric_total::max);
  out.counter("aborted", "Submissions completed with operation_aborted.", s.aborted);
  out.counter("handler_exceptions", "Exceptions that escaped user handlers (logged).", s.handler_exceptions);
  out.counter("sleeps", "Times the reactor blocked in its io_context.", s.sleeps);
  out.counter("wakeups_sent", "Doorbells rung for sleeping cores.", s.wakeups_sent);
  out.counter("wakeups_received", "Doorbells that woke this core.", s.wakeups_received);
  out.counter("busy_ns", "Nanoseconds spent in turns that did work.", s.busy_ns);
  out.counter("idle_ns", "Nanoseconds spent spinning idle or sleeping.", s.idle_ns);
  for (std::size_t bucket = 0; bucket < reactor_stats::histogram_buckets; ++bucket) {
    out.counter("turns_by_work",
                "Turns by the work they did (handlers plus items): the batch-size histogram.",
                s.batch_histogram[bucket], {{"work", histogram_bucket_name(bucket)}});
  }
}

void write_pool_metrics(metrics_writer& out) {
  const alloc::core_pool_stats& s = this_reactor().item_pool().stats();
  std::uint64_t live = 0;
  for (const alloc::class_stats& c : s.classes) live += c.live();
  out.gauge("bytes_mapped", "Bytes of the core pool's region committed.", s.bytes_mapped);
  out.gauge("live_objects", "Blocks allocated and not yet freed, all classes.", live);
  out.counter("fallbacks", "Allocations above the largest class, served by the system allocator.",
              s.fallbacks);
  out.counter("remote_drains", "Drains of the remote-free list that found blocks.", s.remote_drains);
  for (std::size_t i = 0; i < s.classes.size(); ++i) {
    const alloc::class_stats& c = s.classes[i];
    if (c.allocations == 0 && c.spans == 0) continue;  // 36 classes: only those this core used
    const std::string size = std::to_string(alloc::size_classes::size_of(static_cast<std::uint8_t>(i)));
    out.counter("allocations", "Blocks allocated, by size class.", c.allocations, {{"class", size}});
    out.counter("frees", "Blocks freed on this core, by size class.", c.frees, {{"class", size}});
    out.counter("remote_frees", "Blocks freed on other cores and drained here, by size class.",
                c.remote_frees, {{"class", size}});
    out.gauge("spans", "128 KiB spans carved for the size class.", c.spans, {{"class", size}});
    out.gauge("live", "Blocks allocated and not yet freed, by size class.", c.live(), {{"class", size}});
  }
}

void write_buffer_metrics(metrics_writer& out) {
  const alloc::buffer_pool_stats& s = this_reactor().buffers().stats();
  out.gauge("bytes_mapped", "Bytes of pooled buffer chunks mapped.", s.bytes_mapped);
  out.counter("fallbacks", "Buffers above 64 KiB, from the system allocator.", s.fallbacks);
  out.gauge("fallback_bytes_live", "Bytes of buffers above 64 KiB still held.", s.fallback_bytes_live);
  out.counter("refused", "Acquires refused by max_bytes or the OS.", s.refused);
  for (std::size_t i = 0; i < s.classes.size(); ++i) {
    const alloc::buffer_class_stats& c = s.classes[i];
    const std::string size = std::to_string(alloc::buffer_pool::class_sizes[i]);
    out.counter("acquires", "Buffers handed out, by class.", c.acquires, {{"class", size}});
    out.counter("returns", "Buffers back on the free list, by class.", c.returns, {{"class", size}});
    out.counter("remote_releases", "References dropped on other cores (net of shares there), by class.",
                c.remote_releases, {{"class", size}});
    out.gauge("buffers", "Buffers mapped, by class.", c.buffers, {{"class", size}});
    out.gauge("in_use", "Buffers held by at least one slice, by class.", c.in_use(), {{"class", size}});
  }
}

void write_timer_metrics(metrics_writer& out) {
  const timer_wheel& wheel = this_reactor().timers();
  const timer_wheel_stats& s = wheel.stats();
  out.gauge("armed_now", "Timers armed on this core's wheel now.", wheel.size());
  out.counter("armed", "Timer arms, re-arms included.", s.armed);
  out.counter("rearmed", "Arms of a timer that was still armed.", s.rearmed);
  out.counter("fired", "Timers that expired and ran.", s.fired);
  out.counter("cancelled", "Timers cancelled while armed.", s.cancelled);
  out.counter("cascades", "Upper-level wheel slots redistributed to lower levels.", s.cascades);
  out.counter("alarms", "Sleeps of the reactor ended by its next timer's deadline.",
              this_reactor().snapshot_stats().timer_alarms);
}

}  // namespace shardmq::net
