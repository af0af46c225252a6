#pragma once

#include <shardmq/alloc/buffer_pool.hpp>
#include <shardmq/alloc/core_pool.hpp>
#include <shardmq/alloc/handler_slot.hpp>
#include <shardmq/core/detail/outbound_lane.hpp>
#include <shardmq/core/detail/timer_alarm.hpp>
#include <shardmq/core/detail/work_item.hpp>
#include <shardmq/core/reactor_stats.hpp>
#include <shardmq/core/topology.hpp>
#include <shardmq/timer/timer_wheel.hpp>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/signal_set.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace shardmq {

class engine;
class reactor;
namespace detail {
struct core_doorbell;
/// The reactor of the calling thread; inline so that submit_to and completions reach it in one
/// TLS load instead of a call.
inline thread_local reactor* this_thread_reactor = nullptr;
[[noreturn]] void throw_not_on_reactor();
}  // namespace detail

/// Something living on one core that must be torn down there before the reactor's io_context goes
/// away at engine stop: sockets, acceptors, timers. Register it on that core's reactor thread with
/// reactor::add_stop_hook; unregister (or let the reactor run it) before it is destroyed.
class reactor_stop_hook {
 public:
  /// On the reactor thread, once, after the core has quiesced and before its io_context is
  /// destroyed. Close sockets and cancel operations here; the reactor then runs the handlers this
  /// makes ready (they see operation_aborted) before it destroys the io_context.
  virtual void on_reactor_stop() noexcept = 0;

 protected:
  reactor_stop_hook() = default;
  ~reactor_stop_hook() = default;

 private:
  friend class reactor;
  reactor_stop_hook* prev_ = nullptr;
  reactor_stop_hook* next_ = nullptr;
  bool linked_ = false;
};

/// Work to do once at the end of the current reactor turn, after the turn's handlers have run:
/// e.g. one write for everything a connection was given during the turn, however many handlers
/// gave it (Seastar's pollers, run once). Schedule it with reactor::run_at_turn_end on its core's
/// reactor thread; scheduled twice in a turn, it runs once. Destroying it unschedules it.
class turn_end_task {
 public:
  /// On the reactor thread, once per scheduling. It may schedule tasks, itself included: they run
  /// in the same pass, for a few rounds, and what is left runs at the end of the next turn. An
  /// exception is logged and counted in handler_exceptions.
  virtual void on_turn_end() = 0;
  bool scheduled() const noexcept { return owner_ != nullptr; }

 protected:
  turn_end_task() = default;
  ~turn_end_task();
  turn_end_task(const turn_end_task&) = delete;
  turn_end_task& operator=(const turn_end_task&) = delete;

 private:
  friend class reactor;
  reactor* owner_ = nullptr;  // while scheduled
  turn_end_task* prev_ = nullptr;
  turn_end_task* next_ = nullptr;
  std::uint64_t round_ = 0;  // the pass round it was scheduled for
};

/// One core's event loop: an io_context driven by one pinned thread, the rings to and from every
/// other core, and its own counters. Obtain it with reactor::current() on a reactor thread.
class reactor {
 public:
  reactor(const reactor&) = delete;
  reactor& operator=(const reactor&) = delete;
  ~reactor();

  /// The reactor running on the calling thread, or null on any other thread.
  static reactor* current() noexcept { return detail::this_thread_reactor; }

  unsigned core() const noexcept { return core_; }
  unsigned core_count() const noexcept { return core_count_; }
  engine& owner() const noexcept { return engine_; }

  /// Only the reactor's own thread may use its io_context (it is built without locks).
  asio::io_context& io_context() noexcept { return *io_; }
  asio::io_context::executor_type get_executor() noexcept { return io_->get_executor(); }

  /// Counters so far, with the time of the current busy or idle period included.
  reactor_stats snapshot_stats() const;

  /// Internal entry of submit_to: queues an item created on this core for `target`.
  void submit(unsigned target, detail::work_item* item);
  /// This core's allocator (bound to the reactor thread): work items, and anything the user
  /// puts in a pool_allocator container on this core.
  alloc::core_pool& item_pool() noexcept { return pool_; }
  /// Reactor thread only. `hook` runs at engine stop unless removed first. O(1) both ways.
  void add_stop_hook(reactor_stop_hook& hook) noexcept;
  void remove_stop_hook(reactor_stop_hook& hook) noexcept;
  /// Reactor thread only. Runs `task` at the end of this turn (of the next one when called
  /// between turns: from a handler run while the reactor slept, and the next turn follows at once).
  /// O(1); nothing when it is scheduled already.
  void run_at_turn_end(turn_end_task& task) noexcept;
  void cancel_at_turn_end(turn_end_task& task) noexcept;
  /// A number for the Asio handler running now on this reactor, one more for each handler; 0
  /// outside any handler (a submitted item, a timer, a turn-end task).
  std::uint64_t current_handler() const noexcept { return current_handler_; }

  /// This core's timers (also timer_wheel::local() on the reactor thread): advanced every turn;
  /// an idle reactor sleeps no later than its next deadline.
  timer_wheel& timers() noexcept { return wheel_; }
  /// This core's I/O buffers (also alloc::buffer_pool::local() on the reactor thread).
  alloc::buffer_pool& buffers() noexcept { return *buffers_; }

 private:
  friend class engine;
  using clock = std::chrono::steady_clock;

  reactor(engine& owner, unsigned core, const cpu_slot& slot, alloc::core_pool& pool,
          std::unique_ptr<alloc::buffer_pool>& buffers);

  void run() noexcept;  // the thread body
  void start_up();
  void loop();
  void shut_down();
  void run_stop_hooks();
  void complete_aborted_while_io_runs();

  // The pieces of one turn.
  std::size_t run_turn(clock::time_point now);
  std::size_t run_handlers(clock::time_point now);
  std::size_t drain_inbound();
  std::size_t drain_outside();
  std::size_t run_local();
  std::size_t drain_remote_frees();
  std::size_t run_timers(clock::time_point now);
  void flush_outbound();
  void flush_lane(detail::outbound_lane& lane, unsigned target);
  void wake_flushed_targets();
  std::size_t run_turn_end_tasks();

  // Idle and shutdown.
  void account_turn(std::size_t work, clock::time_point now);
  bool has_pending_input() const noexcept;
  void sleep();
  bool shutdown_step();
  void arm_doorbell();
  void complete(detail::work_item* item) noexcept;
  void abort_locally(detail::work_item* item);

  engine& engine_;
  const unsigned core_;
  const unsigned core_count_;
  const cpu_slot slot_;
  detail::core_doorbell& doorbell_;
  const unsigned max_batch_;
  const unsigned inbound_batch_;
  const unsigned flush_batch_;
  const clock::duration idle_spin_;
  const clock::duration io_poll_interval_;

  // Owned by the engine: it outlives the reactor and the handlers destroyed with the io_context.
  alloc::core_pool& pool_;
  std::unique_ptr<alloc::buffer_pool>& buffers_;  // made by the first start, on this thread
  std::optional<asio::io_context> io_;
  std::optional<asio::posix::stream_descriptor> doorbell_wait_;
  std::optional<asio::signal_set> signals_;
  alloc::handler_slot<> doorbell_slot_;  // the doorbell wait is re-armed for ever: no allocation
  timer_wheel wheel_;
  detail::timer_alarm alarm_;

  std::vector<detail::outbound_lane> request_lanes_;  // by target core
  std::vector<detail::outbound_lane> reply_lanes_;    // by origin core
  std::vector<detail::item_ring*> inbound_requests_;  // by source core
  std::vector<detail::item_ring*> inbound_replies_;   // by source core
  std::vector<unsigned> flushed_targets_;             // reserved for core_count entries
  std::vector<detail::work_item*> pop_buffer_;        // inbound_batch entries
  detail::item_list local_;                           // submissions to this core, to run then complete
  detail::item_list ready_;                           // completions decided here (aborted at shutdown)
  detail::item_list outside_pending_;                 // taken from the outside queue, not yet run

  reactor_stop_hook* stop_hooks_ = nullptr;  // intrusive list, most recent first
  turn_end_task* turn_end_head_ = nullptr;   // intrusive FIFO of this turn's tasks
  turn_end_task* turn_end_tail_ = nullptr;
  std::uint64_t turn_end_round_ = 0;
  std::uint64_t handler_serial_ = 0;
  std::uint64_t current_handler_ = 0;
  std::uint64_t outstanding_ = 0;  // items created here and not yet completed
  bool stopping_ = false;
  bool quiescent_ = false;
  bool idle_ = false;
  bool handlers_pending_ = true;  // the last poll ran handlers: poll again next turn
  bool doorbell_rang_ = false;
  bool overflow_pending_ = false;  // a lane kept items its full ring refused
  clock::time_point last_io_poll_{};
  clock::time_point idle_since_{};
  clock::time_point period_start_{};
  reactor_stats stats_;
};

/// The calling reactor. Throws std::logic_error on a thread that is not a reactor.
inline reactor& this_reactor() {
  if (detail::this_thread_reactor == nullptr) detail::throw_not_on_reactor();
  return *detail::this_thread_reactor;
}
/// The core the calling reactor runs on. Throws std::logic_error on a thread that is not a reactor.
inline unsigned this_core() { return this_reactor().core(); }
/// Number of reactors of the calling reactor's engine. Throws std::logic_error off a reactor.
inline unsigned core_count() { return this_reactor().core_count(); }

}  // namespace shardmq
