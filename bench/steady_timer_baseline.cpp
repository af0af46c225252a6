// The baseline of shardmq-bench-timer: asio::steady_timer, Asio's heap of timers behind a
// timerfd, with an operation allocated per wait.

#include "timer_scenarios.hpp"

#include <asio/error.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <memory>
#include <stdexcept>
#include <system_error>

namespace shardmq::bench {
namespace {

/// One pointer, like the wheel side's callback.
struct count_handler {
  std::uint64_t* counter;
  void operator()(std::error_code) const { ++*counter; }
};

/// Bytes of the latest allocation through a recording_allocator.
std::size_t recorded_bytes = 0;

/// Records the size of what Asio allocates through it; stateless, so the handler stays one pointer.
template <class T>
struct recording_allocator {
  using value_type = T;
  recording_allocator() = default;
  template <class U>
  recording_allocator(const recording_allocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    recorded_bytes = n * sizeof(T);
    return std::allocator<T>().allocate(n);
  }
  void deallocate(T* p, std::size_t n) noexcept { std::allocator<T>().deallocate(p, n); }
  template <class U>
  bool operator==(const recording_allocator<U>&) const noexcept {
    return true;
  }
};

struct recorded_handler {
  using allocator_type = recording_allocator<void>;
  allocator_type get_allocator() const noexcept { return {}; }
  std::uint64_t* counter;
  void operator()(std::error_code) const { ++*counter; }
};
static_assert(sizeof(recorded_handler) == sizeof(count_handler));

}  // namespace

struct steady_timer_runs::state {
  state(const timer_bench_sizes& s, std::uint64_t seed)
      : sizes(s), delays(arm_cancel_delays(s.batch, seed)), offsets(fire_offsets(s.fired_timers, seed + 1)) {
    cancel_timers.reserve(sizes.batch);
    for (std::size_t i = 0; i < sizes.batch; ++i) cancel_timers.emplace_back(io);
    fire_timers.reserve(sizes.fired_timers);
    for (std::size_t i = 0; i < sizes.fired_timers; ++i) fire_timers.emplace_back(io);
  }

  timer_bench_sizes sizes;
  std::vector<std::chrono::nanoseconds> delays;
  std::vector<std::chrono::nanoseconds> offsets;
  std::uint64_t completions = 0;
  // As a reactor's: only one thread touches it, so Asio takes no locks.
  asio::io_context io{ASIO_CONCURRENCY_HINT_UNSAFE};
  std::vector<asio::steady_timer> cancel_timers;
  std::vector<asio::steady_timer> fire_timers;
};

steady_timer_runs::steady_timer_runs(const timer_bench_sizes& sizes, std::uint64_t seed)
    : state_(std::make_unique<state>(sizes, seed)) {}
steady_timer_runs::~steady_timer_runs() = default;

timer_run steady_timer_runs::arm_cancel() {
  state& s = *state_;
  const std::uint64_t before = s.completions;
  const run_clock timing;
  for (std::uint64_t b = 0; b < s.sizes.asio_batches; ++b) {
    // One clock reading per batch: expires_at, not expires_after, which reads it per timer.
    const auto now = asio::steady_timer::clock_type::now();
    auto delay = s.delays.begin();
    for (asio::steady_timer& t : s.cancel_timers) {
      t.expires_at(now + *delay++);
      t.async_wait(count_handler{&s.completions});
    }
    for (asio::steady_timer& t : s.cancel_timers) t.cancel();
    s.io.restart();
    s.io.poll();  // reaps the aborted waits
  }
  const timer_run run = timing.finish(s.sizes.asio_batches * s.sizes.batch);
  if (s.completions - before != s.sizes.asio_batches * s.sizes.batch) {
    throw std::logic_error("steady_timer arm+cancel: a cancelled wait was not reaped by poll()");
  }
  return run;
}

timer_run steady_timer_runs::arm_fire() {
  state& s = *state_;
  const std::uint64_t target = s.completions + s.sizes.fired_timers;
  const run_clock timing;
  const auto base =
      asio::steady_timer::clock_type::now() - std::chrono::seconds(1) - std::chrono::milliseconds(1);
  auto offset = s.offsets.begin();
  for (asio::steady_timer& t : s.fire_timers) {
    t.expires_at(base + *offset++);
    t.async_wait(count_handler{&s.completions});
  }
  while (s.completions < target) {
    s.io.restart();
    s.io.poll();
  }
  return timing.finish(s.sizes.fired_timers);
}

std::size_t steady_timer_wait_allocation_bytes() {
  asio::io_context io{ASIO_CONCURRENCY_HINT_UNSAFE};
  asio::steady_timer t(io);
  std::uint64_t completions = 0;
  recorded_bytes = 0;
  t.expires_after(std::chrono::hours(1));
  t.async_wait(recorded_handler{&completions});
  const std::size_t bytes = recorded_bytes;
  t.cancel();
  io.poll();
  return bytes;
}

}  // namespace shardmq::bench
