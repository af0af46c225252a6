#pragma once

#include <shardmq/core/detail/outbound_lane.hpp>
#include <shardmq/core/detail/outside_queue.hpp>
#include <shardmq/core/detail/submit_item.hpp>
#include <shardmq/core/detail/wake_signal.hpp>
#include <shardmq/core/engine_config.hpp>
#include <shardmq/core/reactor.hpp>
#include <shardmq/core/reactor_stats.hpp>
#include <shardmq/core/topology.hpp>

#include <asio/async_result.hpp>

#include <atomic>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace shardmq {

namespace detail {

/// What other threads may touch of one core, for the whole life of the engine: its doorbell
/// and its multi-producer entry for outside threads.
struct alignas(64) core_doorbell {
  wake_signal wake;
  outside_queue outside;
};

/// The exception_ptr a submission completes with when the engine shuts down before running it.
std::exception_ptr operation_aborted_error();

}  // namespace detail

/// N reactors, one per chosen PU, and the N x N mesh of SPSC rings between them.
///
/// An engine is built (topology discovered, core count validated, rings allocated), then
/// started and stopped, possibly several times. submit_to() from a reactor of this engine uses
/// the lock-free mesh; from any other thread it uses the core's outside queue.
class engine {
 public:
  /// Throws std::invalid_argument for an impossible configuration (e.g. more cores than allowed).
  explicit engine(engine_config config = {});
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  /// Starts one thread per reactor and returns. Throws std::logic_error if already running.
  void start();
  /// Asks every reactor to finish: pending work runs or completes with operation_aborted.
  /// Safe from any thread, reactors included. Returns at once.
  void request_stop() noexcept;
  /// Blocks until every reactor has exited (after request_stop, a signal, or a reactor's call).
  /// Throws std::logic_error on a reactor thread.
  void wait();
  /// request_stop() and wait().
  void stop();
  bool running() const noexcept { return running_.load(std::memory_order_acquire); }

  unsigned core_count() const noexcept { return static_cast<unsigned>(placement_.size()); }
  const engine_config& config() const noexcept { return config_; }
  const topology& machine() const noexcept { return topology_; }
  /// Where each reactor runs, indexed by core.
  const std::vector<cpu_slot>& placement() const noexcept { return placement_; }

  /// Runs `fn` on `core`; the handler gets its result (or exception) on the calling reactor, or
  /// on `core` when called from a thread that is not a reactor of this engine.
  /// Signature: void(std::exception_ptr, R), or void(std::exception_ptr) when R is void.
  template <class Fn, class CompletionToken>
  auto submit_to(unsigned core, Fn&& fn, CompletionToken&& token);

  /// Thread-safe entry for threads that are not reactors (a lock-free multi-producer queue per
  /// core). The handler runs on `core` (or on its own executor). If the engine is not running,
  /// it completes at once, on the calling thread, with operation_aborted.
  template <class Fn, class CompletionToken>
  auto submit_from_outside(unsigned core, Fn&& fn, CompletionToken&& token);

  /// Runs a copy of `fn` on every core; completes with void(std::exception_ptr) (the first
  /// exception, if any) once all have run.
  template <class Fn, class CompletionToken>
  auto run_on_all(Fn fn, CompletionToken&& token);

  /// Each core's counters, gathered by messaging each core; the final counters when stopped.
  /// Throws std::logic_error on a reactor thread (it would wait on itself).
  std::vector<reactor_stats> collect_stats();

 private:
  friend class reactor;
  enum class ring_kind { request = 0, reply = 1 };

  detail::item_ring& ring(ring_kind kind, unsigned from, unsigned to) noexcept {
    const std::size_t n = core_count();
    return *rings_[(static_cast<std::size_t>(kind) * n + from) * n + to];
  }
  detail::core_doorbell& doorbell(unsigned core) noexcept { return *doorbells_[core]; }
  bool stop_requested() const noexcept { return stop_requested_.load(std::memory_order_relaxed); }
  bool all_quiescent() const noexcept { return active_.load(std::memory_order_acquire) == 0; }
  void core_quiescent() noexcept;
  void warn_unpinned(unsigned core, const std::string& reason);

  reactor* current_reactor() const noexcept {
    reactor* self = reactor::current();
    return self != nullptr && &self->owner() == this ? self : nullptr;
  }
  void check_core(unsigned core) const {
    if (core >= core_count()) throw_no_such_core(core);
  }
  [[noreturn]] void throw_no_such_core(unsigned core) const;
  /// Throws if a handler bound to one reactor's executor would be completed on another core.
  template <class Handler>
  void check_completion_core(const Handler& handler, int completing_core) const;
  int core_of_context(asio::execution_context* context) const noexcept;
  void push_outside(unsigned core, detail::work_item* item);
  /// The outside path: a heap item on `core`'s multi-producer queue, completed on `core`.
  template <class Handler, class Function>
  void queue_outside(unsigned core, Handler handler, Function&& function);

  engine_config config_;
  topology topology_;
  std::vector<cpu_slot> placement_;
  std::vector<std::unique_ptr<detail::item_ring>> rings_;
  std::vector<std::unique_ptr<detail::core_doorbell>> doorbells_;
  // One allocator per core for the engine's whole life: blocks may outlive a run (restart).
  std::vector<std::unique_ptr<alloc::core_pool>> pools_;
  std::vector<std::unique_ptr<alloc::buffer_pool>> buffer_pools_;  // made by each reactor on its thread
  std::vector<std::unique_ptr<reactor>> reactors_;
  // By core, set while running; read by any thread that submits with an executor-bound handler.
  std::unique_ptr<std::atomic<asio::execution_context*>[]> contexts_;
  std::vector<std::thread> threads_;
  std::vector<reactor_stats> last_stats_;
  std::mutex lifecycle_mutex_;
  std::atomic<bool> running_{false};
  std::atomic<bool> warned_unpinned_{false};
  // Read by every reactor on every turn, written once per run: keep it off other hot lines.
  alignas(64) std::atomic<bool> stop_requested_{false};
  alignas(64) std::atomic<unsigned> active_{0};
};

// --- submit_to and friends: Asio initiations ------------------------------------------------

template <class Handler>
void engine::check_completion_core(const Handler& handler, int completing_core) const {
  if constexpr (detail::has_own_executor<Handler>) {
    const int bound = core_of_context(detail::context_of(asio::get_associated_executor(handler)));
    if (bound >= 0 && bound != completing_core) {
      throw std::invalid_argument(
          "shardmq: the completion handler is bound to the executor of core " + std::to_string(bound) +
          ", but this call completes on " +
          (completing_core < 0 ? std::string("an unknown core") : "core " + std::to_string(completing_core)));
    }
  }
}

template <class Handler, class Function>
void engine::queue_outside(unsigned core, Handler handler, Function&& function) {
  using item_type = detail::submit_item<std::decay_t<Function>, Handler>;
  check_completion_core(handler, static_cast<int>(core));
  push_outside(core, item_type::create(nullptr, std::forward<Function>(function), std::move(handler)));
}

template <class Fn, class CompletionToken>
auto engine::submit_to(unsigned core, Fn&& fn, CompletionToken&& token) {
  using result_type = std::invoke_result_t<std::decay_t<Fn>&>;
  return asio::async_initiate<CompletionToken, detail::submit_signature_t<result_type>>(
      [this, core](auto handler, auto&& function) {
        using item_type = detail::submit_item<std::decay_t<decltype(function)>, decltype(handler)>;
        check_core(core);
        reactor* self = current_reactor();
        if (self == nullptr) {
          queue_outside(core, std::move(handler), std::forward<decltype(function)>(function));
          return;
        }
        check_completion_core(handler, static_cast<int>(self->core()));
        self->submit(core, item_type::create(&self->item_pool(), std::forward<decltype(function)>(function),
                                             std::move(handler)));
      },
      token, std::forward<Fn>(fn));
}

template <class Fn, class CompletionToken>
auto engine::submit_from_outside(unsigned core, Fn&& fn, CompletionToken&& token) {
  using result_type = std::invoke_result_t<std::decay_t<Fn>&>;
  return asio::async_initiate<CompletionToken, detail::submit_signature_t<result_type>>(
      [this, core](auto handler, auto&& function) {
        check_core(core);
        queue_outside(core, std::move(handler), std::forward<decltype(function)>(function));
      },
      token, std::forward<Fn>(fn));
}

namespace detail {

/// Gathers the per-core completions of run_on_all; completions may arrive on several threads
/// (outside callers), hence the atomic count.
template <class Handler>
struct run_on_all_state {
  run_on_all_state(Handler h, unsigned count) : handler(std::move(h)), remaining(count) {}
  void arrive(std::exception_ptr error) {
    if (error) {
      std::lock_guard lock(error_mutex);
      if (!first_error) first_error = std::move(error);
    }
    if (remaining.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    std::unique_ptr<run_on_all_state> self(this);
    Handler done(std::move(handler));
    std::exception_ptr result = std::move(first_error);
    self.reset();
    deliver(std::move(done), current_reactor_context(), std::move(result));
  }
  Handler handler;
  std::atomic<unsigned> remaining;
  std::mutex error_mutex;
  std::exception_ptr first_error;
};

}  // namespace detail

template <class Fn, class CompletionToken>
auto engine::run_on_all(Fn fn, CompletionToken&& token) {
  return asio::async_initiate<CompletionToken, void(std::exception_ptr)>(
      [this](auto handler, Fn function) {
        using state_type = detail::run_on_all_state<decltype(handler)>;
        reactor* self = current_reactor();
        // From outside, the last core to finish completes the call.
        check_completion_core(handler, self ? static_cast<int>(self->core()) : -1);
        auto* state = new state_type(std::move(handler), core_count());
        for (unsigned core = 0; core < core_count(); ++core) {
          submit_to(core, function, [state](std::exception_ptr error) { state->arrive(error); });
        }
      },
      token, std::move(fn));
}

// --- free functions for code running on a reactor --------------------------------------------

/// Runs `fn` on `core`; the handler runs back on the calling core with its result or exception.
/// Must be called on a reactor (see engine::submit_from_outside for other threads).
template <class Fn, class CompletionToken>
auto submit_to(unsigned core, Fn&& fn, CompletionToken&& token) {
  return this_reactor().owner().submit_to(core, std::forward<Fn>(fn), std::forward<CompletionToken>(token));
}

/// Runs a copy of `fn` on every core of the calling reactor's engine.
template <class Fn, class CompletionToken>
auto run_on_all(Fn fn, CompletionToken&& token) {
  return this_reactor().owner().run_on_all(std::move(fn), std::forward<CompletionToken>(token));
}

}  // namespace shardmq
