#include <shardmq/core/engine.hpp>
#include <shardmq/core/log.hpp>
#include <shardmq/core/reactor.hpp>

#include <pthread.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace shardmq {
namespace {

std::uint64_t to_ns(std::chrono::steady_clock::duration d) noexcept {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

}  // namespace

void detail::throw_not_on_reactor() {
  throw std::logic_error(
      "shardmq: not on a reactor thread (use engine::submit_to or engine::submit_from_outside "
      "from other threads)");
}

reactor::reactor(engine& owner, unsigned core, const cpu_slot& slot, alloc::core_pool& pool,
                 std::unique_ptr<alloc::buffer_pool>& buffers)
    : engine_(owner),
      core_(core),
      core_count_(owner.core_count()),
      slot_(slot),
      doorbell_(owner.doorbell(core)),
      max_batch_(std::max(1u, owner.config().max_batch)),
      inbound_batch_(std::max(1u, owner.config().inbound_batch)),
      flush_batch_(std::max(1u, owner.config().flush_batch)),
      idle_spin_(owner.config().idle_spin),
      io_poll_interval_(owner.config().io_poll_interval),
      pool_(pool),
      buffers_(buffers),
      io_(std::in_place, ASIO_CONCURRENCY_HINT_UNSAFE),
      wheel_(timer_wheel_options{.tick = owner.config().timer_tick}),
      pop_buffer_(inbound_batch_) {
  request_lanes_.reserve(core_count_);
  reply_lanes_.reserve(core_count_);
  for (unsigned peer = 0; peer < core_count_; ++peer) {
    request_lanes_.emplace_back(&owner.ring(engine::ring_kind::request, core_, peer));
    reply_lanes_.emplace_back(&owner.ring(engine::ring_kind::reply, core_, peer));
    inbound_requests_.push_back(&owner.ring(engine::ring_kind::request, peer, core_));
    inbound_replies_.push_back(&owner.ring(engine::ring_kind::reply, peer, core_));
  }
  flushed_targets_.reserve(core_count_);
  stats_.core = core_;
  stats_.pu = slot_.pu;
  stats_.numa_node = slot_.numa_node;
}

reactor::~reactor() {
  // Tasks that outlive us must not reach back into a destroyed reactor when they go.
  while (turn_end_head_ != nullptr) cancel_at_turn_end(*turn_end_head_);
}

turn_end_task::~turn_end_task() {
  if (owner_ != nullptr) owner_->cancel_at_turn_end(*this);
}

// --- thread body ------------------------------------------------------------------------------

void reactor::run() noexcept {
  detail::this_thread_reactor = this;
  pool_.bind_to_this_thread();
  try {
    start_up();
    loop();
  } catch (const std::exception& e) {
    // Only set-up can throw here (handlers are guarded); the engine must still shut down cleanly.
    log(log_level::error, std::string("reactor failed: ") + e.what());
    engine_.request_stop();
    stopping_ = true;
    while (!shutdown_step()) {
      run_turn(clock::now());
    }
  }
  shut_down();
  alloc::core_pool::unbind_this_thread();
  alloc::buffer_pool::unbind_this_thread();
  timer_wheel::unbind_this_thread();
  detail::this_thread_reactor = nullptr;
}

void reactor::start_up() {
  const std::string name = "shardmq-r" + std::to_string(core_);
  ::pthread_setname_np(::pthread_self(), name.c_str());
  if (engine_.config().pin) {
    std::string reason;
    stats_.pinned = engine_.machine().pin_this_thread(slot_, &reason);
    if (!stats_.pinned) engine_.warn_unpinned(core_, reason);
  }
  // After pinning: the warm-up faults the buffers' pages in on this core's NUMA node.
  if (!buffers_) buffers_ = std::make_unique<alloc::buffer_pool>(engine_.config().buffers);
  buffers_->bind_to_this_thread();
  wheel_.bind_to_this_thread();
  alarm_.start(*io_);
  doorbell_wait_.emplace(*io_, doorbell_.wake.fd());
  arm_doorbell();
  if (engine_.config().stop_on_signals && core_ == 0) {
    signals_.emplace(*io_, SIGINT, SIGTERM);
    signals_->async_wait([this](const std::error_code& error, int signal) {
      if (error) return;
      log(log_level::info,
          std::string("received ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") + ", stopping");
      engine_.request_stop();
    });
  }
  period_start_ = last_io_poll_ = clock::now();
}

/// One screen: run a turn, account for it, handle shutdown, spin, then sleep.
void reactor::loop() {
  for (;;) {
    const clock::time_point now = clock::now();
    const std::size_t work = run_turn(now);
    account_turn(work, now);
    if (shutdown_step()) return;
    if (work == 0 && now - idle_since_ >= idle_spin_) sleep();
  }
}

void reactor::shut_down() {
  // Nobody can send to us any more. Outside items that raced with the close complete as aborted.
  detail::item_list late = doorbell_.outside.close();
  while (!outside_pending_.empty()) late.push_back(outside_pending_.pop_front());
  while (!late.empty()) {
    detail::work_item* item = late.pop_front();
    item->error = detail::operation_aborted_error();
    ++stats_.aborted;
    complete(item);
  }
  signals_.reset();
  // Pending sleeps complete with operation_aborted while the io_context still runs their
  // handlers (run_stop_hooks polls it); what is left is destroyed before the io_context is.
  wheel_.cancel_all();
  run_stop_hooks();
  complete_aborted_while_io_runs();
  // Handlers that ran since may have armed new sleeps (a coroutine that had not started yet):
  // abort those too, while their completions can still run.
  for (int round = 0; round < 100 && wheel_.cancel_all() != 0; ++round) {
    handlers_pending_ = true;
    run_handlers(clock::now());
    run_turn_end_tasks();
  }
  wheel_.shutdown();
  alarm_.stop();
  if (doorbell_wait_) doorbell_wait_->release();  // the engine owns the eventfd
  doorbell_wait_.reset();
  // Handlers destroyed with the io_context may still submit: they are aborted locally.
  io_.reset();
  while (!ready_.empty() || !local_.empty()) {
    detail::work_item* item = ready_.empty() ? local_.pop_front() : ready_.pop_front();
    if (!item->error) item->error = detail::operation_aborted_error();
    --outstanding_;
    complete(item);
  }
  account_turn(1, clock::now());
}

void reactor::add_stop_hook(reactor_stop_hook& hook) noexcept {
  if (hook.linked_) return;
  hook.prev_ = nullptr;
  hook.next_ = stop_hooks_;
  if (stop_hooks_ != nullptr) stop_hooks_->prev_ = &hook;
  stop_hooks_ = &hook;
  hook.linked_ = true;
}

void reactor::remove_stop_hook(reactor_stop_hook& hook) noexcept {
  if (!hook.linked_) return;
  (hook.prev_ != nullptr ? hook.prev_->next_ : stop_hooks_) = hook.next_;
  if (hook.next_ != nullptr) hook.next_->prev_ = hook.prev_;
  hook.prev_ = hook.next_ = nullptr;
  hook.linked_ = false;
}

void reactor::run_at_turn_end(turn_end_task& task) noexcept {
  if (task.owner_ != nullptr) return;
  task.owner_ = this;
  task.round_ = turn_end_round_;
  task.next_ = nullptr;
  task.prev_ = turn_end_tail_;
  (turn_end_tail_ != nullptr ? turn_end_tail_->next_ : turn_end_head_) = &task;
  turn_end_tail_ = &task;
}

void reactor::cancel_at_turn_end(turn_end_task& task) noexcept {
  if (task.owner_ != this) return;
  (task.prev_ != nullptr ? task.prev_->next_ : turn_end_head_) = task.next_;
  (task.next_ != nullptr ? task.next_->prev_ : turn_end_tail_) = task.prev_;
  task.prev_ = task.next_ = nullptr;
  task.owner_ = nullptr;
}

void reactor::complete_aborted_while_io_runs() {
  // Submissions made by the handlers that ran since the core quiesced were aborted locally. Their
  // handlers may be bound to this io_context (use_awaitable, bind_executor): complete them, and
  // run what that dispatches, while it still exists. Bounded, in case handlers keep submitting.
  for (int round = 0; round < 1000 && (!ready_.empty() || !local_.empty()); ++round) {
    while (!ready_.empty() || !local_.empty()) {
      detail::work_item* item = ready_.empty() ? local_.pop_front() : ready_.pop_front();
      if (!item->error) item->error = detail::operation_aborted_error();
      --outstanding_;
      complete(item);
    }
    handlers_pending_ = true;
    run_handlers(clock::now());
    run_turn_end_tasks();
  }
}

void reactor::run_stop_hooks() {
  // A hook may remove or destroy itself (and others): unlink each before running it.
  while (stop_hooks_ != nullptr) {
    reactor_stop_hook& hook = *stop_hooks_;
    remove_stop_hook(hook);
    hook.on_reactor_stop();
  }
  // The operations the hooks cancelled complete now, while their objects still exist; bounded, in
  // case a handler keeps re-arming.
  for (int round = 0; round < 1000; ++round) {
    handlers_pending_ = true;  // poll now, whatever io_poll_interval says
    if (run_handlers(clock::now()) + run_turn_end_tasks() == 0) break;
  }
}

// --- one turn ---------------------------------------------------------------------------------

std::size_t reactor::run_turn(clock::time_point now) {
  const std::size_t handlers = run_handlers(now);
  std::size_t work = drain_inbound();
  work += drain_outside();
  work += run_local();
  work += drain_remote_frees();
  work += run_timers(now);
  // Last: everything above may have given a connection output. Before flush_outbound, which
  // carries what the tasks submit to other cores.
  work += run_turn_end_tasks();
  flush_outbound();
  // What ran after the poll may have posted handlers: poll again at once.
  if (work != 0) handlers_pending_ = true;
  return handlers + work;
}

std::size_t reactor::run_turn_end_tasks() {
  std::size_t ran = 0;
  // In rounds: a task may schedule others (a ZMTP connection's flush hands its TCP connection a
  // write to make), which run in the next round; bounded, in case one keeps rescheduling itself.
  for (int round = 0; round < 4 && turn_end_head_ != nullptr; ++round) {
    const std::uint64_t this_round = turn_end_round_++;
    // A task may cancel others (a connection that closes): always take the head afresh.
    while (turn_end_head_ != nullptr && turn_end_head_->round_ <= this_round) {
      turn_end_task& task = *turn_end_head_;
      cancel_at_turn_end(task);  // before the call: the task may reschedule or destroy itself
      ++ran;
      try {
        task.on_turn_end();
      } catch (const std::exception& e) {
        ++stats_.handler_exceptions;
        log(log_level::error, std::string("exception escaped a turn-end task: ") + e.what());
      } catch (...) {
        ++stats_.handler_exceptions;
        log(log_level::error, "unknown exception escaped a turn-end task");
      }
    }
  }
  return ran;
}

std::size_t reactor::run_handlers(clock::time_point now) {
  // An empty poll costs a syscall (~1 us here): poll again at once only when the last poll
  // stopped at max_batch (more may be ready) or the rest of the turn did work (it may have
  // posted). A poll that ended on an empty io_context has just seen epoll empty: polling again
  // next turn, about a microsecond later, was a wasted epoll_wait after every burst of handlers.
  if (!handlers_pending_ && now - last_io_poll_ < io_poll_interval_) return 0;
  std::size_t ran = 0;
  bool drained = false;
  try {
    while (ran < max_batch_) {
      current_handler_ = ++handler_serial_;
      const std::size_t polled = io_->poll_one();
      current_handler_ = 0;
      if (polled == 0) {
        drained = true;
        break;
      }
      ++ran;
    }
  } catch (const std::exception& e) {
    current_handler_ = 0;
    ++ran;
    ++stats_.handler_exceptions;
    log(log_level::error, std::string("exception escaped an Asio handler: ") + e.what());
  } catch (...) {
    current_handler_ = 0;
    ++ran;
    ++stats_.handler_exceptions;
    log(log_level::error, "unknown exception escaped an Asio handler");
  }
  last_io_poll_ = now;
  handlers_pending_ = ran != 0 && !drained;
  ++stats_.io_polls;
  stats_.handlers_run += ran;
  return ran;
}

namespace {
// Items arrive from another core's cache: start their transfers a few items ahead so that the
// misses overlap instead of being paid one after another. (Tried: distance 16 made no
// difference; read-only prefetch of requests with an array-based lane, so that running a void
// function leaves the item's line shared, was ~10 % slower here than this.)
constexpr std::size_t prefetch_distance = 4;
void prefetch_ahead(detail::work_item* const* items, std::size_t i, std::size_t count) noexcept {
  if (i + prefetch_distance < count) __builtin_prefetch(items[i + prefetch_distance], 1);
}
void prefetch_first(detail::work_item* const* items, std::size_t count) noexcept {
  for (std::size_t i = 0; i < count && i < prefetch_distance; ++i) __builtin_prefetch(items[i], 1);
}
}  // namespace

std::size_t reactor::drain_inbound() {
  std::size_t work = 0;
  detail::work_item** buffer = pop_buffer_.data();
  for (unsigned peer = 0; peer < core_count_; ++peer) {
    if (peer == core_) continue;
    const std::size_t requests = inbound_requests_[peer]->pop(buffer, inbound_batch_);
    detail::outbound_lane& replies = reply_lanes_[peer];
    prefetch_first(buffer, requests);
    for (std::size_t i = 0; i < requests; ++i) {
      prefetch_ahead(buffer, i, requests);
      buffer[i]->run();
      replies.append(buffer[i]);
      if (replies.size() >= flush_batch_ && !replies.blocked()) flush_lane(replies, peer);
    }
    const std::size_t completions = inbound_replies_[peer]->pop(buffer, inbound_batch_);
    prefetch_first(buffer, completions);
    for (std::size_t i = 0; i < completions; ++i) {
      prefetch_ahead(buffer, i, completions);
      --outstanding_;
      complete(buffer[i]);
    }
    work += requests + completions;
  }
  stats_.messages_in += work;
  return work;
}

std::size_t reactor::drain_outside() {
  if (outside_pending_.empty()) {
    if (doorbell_.outside.empty()) return 0;
    outside_pending_ = doorbell_.outside.take_all();
  }
  std::size_t work = 0;
  while (!outside_pending_.empty() && work < inbound_batch_) {
    detail::work_item* item = outside_pending_.pop_front();
    item->run();
    complete(item);
    ++work;
  }
  stats_.outside_in += work;
  return work;
}

std::size_t reactor::run_local() {
  std::size_t work = 0;
  // Bounded by what was queued when the turn reached us: handlers may submit more.
  for (std::size_t n = std::min<std::size_t>(ready_.size(), inbound_batch_); n > 0; --n, ++work) {
    --outstanding_;
    complete(ready_.pop_front());
  }
  for (std::size_t n = std::min<std::size_t>(local_.size(), inbound_batch_); n > 0; --n, ++work) {
    detail::work_item* item = local_.pop_front();
    item->run();
    --outstanding_;
    complete(item);
  }
  stats_.local_runs += work;
  return work;
}

std::size_t reactor::run_timers(clock::time_point now) {
  try {
    return wheel_.advance(now);
  } catch (const std::exception& e) {
    // The timers still due fire next turn (the wheel's contract).
    ++stats_.handler_exceptions;
    log(log_level::error, std::string("exception escaped a timer callback: ") + e.what());
  } catch (...) {
    ++stats_.handler_exceptions;
    log(log_level::error, "unknown exception escaped a timer callback");
  }
  return 1;
}

std::size_t reactor::drain_remote_frees() {
  // Blocks of this core freed on other cores (user objects; work items always come home), and
  // slices of this core's buffers released there.
  std::size_t drained = pool_.has_remote_frees() ? pool_.drain_remote_frees() : 0;
  if (buffers_->has_remote_releases()) drained += buffers_->drain_remote_releases();
  return drained;
}

void reactor::submit(unsigned target, detail::work_item* item) {
  item->origin = static_cast<std::uint16_t>(core_);
  ++outstanding_;
  if (stopping_) {
    abort_locally(item);
  } else if (target == core_) {
    local_.push_back(item);
  } else {
    detail::outbound_lane& lane = request_lanes_[target];
    lane.append(item);
    if (lane.size() >= flush_batch_ && !lane.blocked()) flush_lane(lane, target);
  }
}

void reactor::flush_outbound() {
  bool left_behind = false;
  for (unsigned peer = 0; peer < core_count_; ++peer) {
    if (!request_lanes_[peer].empty()) flush_lane(request_lanes_[peer], peer);
    if (!reply_lanes_[peer].empty()) flush_lane(reply_lanes_[peer], peer);
    left_behind = left_behind || !request_lanes_[peer].empty() || !reply_lanes_[peer].empty();
  }
  // Nobody signals a producer when a full ring drains, so a reactor with overflow must keep
  // turning (it retries every turn) rather than sleep.
  overflow_pending_ = left_behind;
  if (!flushed_targets_.empty()) wake_flushed_targets();
}

void reactor::flush_lane(detail::outbound_lane& lane, unsigned target) {
  const detail::outbound_lane::flush_result result = lane.flush();
  if (result.pushed != 0) {
    ++stats_.flushes;
    stats_.messages_out += result.pushed;
    if (std::find(flushed_targets_.begin(), flushed_targets_.end(), target) == flushed_targets_.end()) {
      flushed_targets_.push_back(target);
    }
  }
  if (result.ring_full) {
    ++stats_.ring_full;
    stats_.overflow_peak = std::max<std::uint64_t>(stats_.overflow_peak, lane.size());
  }
}

// Once per turn, from flush_outbound: the fence waits for this core's stores to reach the
// other cores' ring lines (a cross-core transfer each), so it is paid per turn, not per batch.
void reactor::wake_flushed_targets() {
  detail::sender_fence();
  for (unsigned target : flushed_targets_) {
    if (engine_.doorbell(target).wake.ring_if_sleeping()) ++stats_.wakeups_sent;
  }
  flushed_targets_.clear();
}

void reactor::complete(detail::work_item* item) noexcept {
  try {
    item->complete();
  } catch (const std::exception& e) {
    ++stats_.handler_exceptions;
    log(log_level::error, std::string("exception escaped a submit_to handler: ") + e.what());
  } catch (...) {
    ++stats_.handler_exceptions;
    log(log_level::error, "unknown exception escaped a submit_to handler");
  }
}

void reactor::abort_locally(detail::work_item* item) {
  item->error = detail::operation_aborted_error();
  ++stats_.aborted;
  ready_.push_back(item);
}

// --- idle, sleep and shutdown -----------------------------------------------------------------

void reactor::account_turn(std::size_t work, clock::time_point now) {
  ++stats_.turns;
  ++stats_.batch_histogram[reactor_stats::bucket_of(work)];
  if ((work != 0) == !idle_) return;
  (idle_ ? stats_.idle_ns : stats_.busy_ns) += to_ns(now - period_start_);
  period_start_ = now;
  idle_ = work == 0;
  if (idle_) idle_since_ = now;
}

reactor_stats reactor::snapshot_stats() const {
  reactor_stats copy = stats_;
  const alloc::core_pool_stats& pool = pool_.stats();
  copy.pool_bytes_mapped = pool.bytes_mapped;
  const timer_wheel_stats& timers = wheel_.stats();
  copy.timers_armed = wheel_.size();
  copy.timers_fired = timers.fired;
  copy.timers_cancelled = timers.cancelled;
  copy.timer_cascades = timers.cascades;
  copy.timer_alarms = alarm_.rings();
  copy.pool_fallbacks = pool.fallbacks;
  for (const alloc::class_stats& c : pool.classes) {
    copy.pool_live_objects += c.live();
    copy.pool_remote_frees += c.remote_frees;
  }
  if (buffers_) {
    const alloc::buffer_pool_stats& buffers = buffers_->stats();
    copy.buffer_bytes_mapped = buffers.bytes_mapped + buffers.fallback_bytes_live;
    copy.buffer_fallbacks = buffers.fallbacks;
    copy.buffer_refused = buffers.refused;
    for (const alloc::buffer_class_stats& c : buffers.classes) {
      copy.buffers_in_use += c.in_use();
      copy.buffer_remote_releases += c.remote_releases;
    }
  }
  (idle_ ? copy.idle_ns : copy.busy_ns) += to_ns(clock::now() - period_start_);
  return copy;
}

bool reactor::has_pending_input() const noexcept {
  for (unsigned peer = 0; peer < core_count_; ++peer) {
    if (peer == core_) continue;
    if (inbound_requests_[peer]->read_available() != 0 || inbound_replies_[peer]->read_available() != 0)
      return true;
  }
  return overflow_pending_ || turn_end_head_ != nullptr || !doorbell_.outside.empty() ||
         !outside_pending_.empty() || !local_.empty() || !ready_.empty() ||
         (!stopping_ && engine_.stop_requested()) || (quiescent_ && engine_.all_quiescent());
}

void reactor::sleep() {
  // A timer due (or about to be) means no sleep; otherwise the alarm wakes us at the deadline.
  if (const auto deadline = wheel_.next_deadline()) {
    if (*deadline <= clock::now()) return;
    alarm_.set(*deadline);
  }
  doorbell_.wake.announce_sleep();
  if (has_pending_input()) {
    doorbell_.wake.cancel_sleep();
    return;
  }
  ++stats_.sleeps;
  doorbell_rang_ = false;
  try {
    current_handler_ = ++handler_serial_;
    io_->run_one();  // returns after one handler: the doorbell, a signal, or I/O
    current_handler_ = 0;
  } catch (const std::exception& e) {
    current_handler_ = 0;
    ++stats_.handler_exceptions;
    log(log_level::error, std::string("exception escaped an Asio handler: ") + e.what());
  }
  doorbell_.wake.cancel_sleep();
  // Woken by I/O: more handlers may be ready. Woken by the doorbell: the rings have the work,
  // and an empty epoll poll would cost a syscall before we reach them.
  handlers_pending_ = !doorbell_rang_;
  doorbell_rang_ = false;
}

void reactor::arm_doorbell() {
  doorbell_wait_->async_wait(asio::posix::stream_descriptor::wait_read,
                             alloc::bind_slot(doorbell_slot_, [this](const std::error_code& error) {
                               if (error) return;  // operation_aborted at shutdown
                               doorbell_.wake.consume();
                               ++stats_.wakeups_received;
                               doorbell_rang_ = true;  // read by sleep(): the rings have the work
                               arm_doorbell();
                             }));
}

/// Returns true when this reactor may exit: stop was requested, everything it started has
/// completed, and every other reactor is in the same state (so nothing can arrive any more).
bool reactor::shutdown_step() {
  if (!stopping_) {
    if (!engine_.stop_requested()) return false;
    stopping_ = true;
  }
  if (!quiescent_ && outstanding_ == 0) {
    quiescent_ = true;
    engine_.core_quiescent();
  }
  return quiescent_ && engine_.all_quiescent();
}

}  // namespace shardmq
