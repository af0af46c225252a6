#include <shardmq/core/engine.hpp>
#include <shardmq/core/log.hpp>

#include <asio/error.hpp>
#include <asio/system_error.hpp>
#include <asio/use_future.hpp>

#include <future>

namespace shardmq {

namespace detail {
std::exception_ptr operation_aborted_error() {
  return std::make_exception_ptr(asio::system_error(asio::error::operation_aborted));
}
}  // namespace detail

engine::engine(engine_config config)
    : config_(std::move(config)),
      topology_(topology::discover()),
      placement_(topology_.choose(config_.cores)) {
  if (config_.ring_capacity < 1) throw std::invalid_argument("shardmq: ring_capacity must be at least 1");
  if (core_count() > detail::outside_origin) throw std::invalid_argument("shardmq: too many cores");
  const unsigned n = core_count();
  rings_.reserve(2u * n * n);
  for (std::size_t i = 0; i < 2u * n * n; ++i) {
    const std::size_t from = (i / n) % n;
    const std::size_t to = i % n;
    // A core never rings itself; keep the diagonal tiny.
    rings_.push_back(std::make_unique<detail::item_ring>(from == to ? 1 : config_.ring_capacity));
  }
  for (unsigned core = 0; core < n; ++core) doorbells_.push_back(std::make_unique<detail::core_doorbell>());
  contexts_ = std::make_unique<std::atomic<asio::execution_context*>[]>(n);
  for (unsigned core = 0; core < n; ++core) pools_.push_back(std::make_unique<alloc::core_pool>());
  buffer_pools_.resize(n);
  last_stats_.resize(n);
  for (unsigned core = 0; core < n; ++core) {
    last_stats_[core].core = core;
    last_stats_[core].pu = placement_[core].pu;
    last_stats_[core].numa_node = placement_[core].numa_node;
  }
}

engine::~engine() {
  if (running()) {
    request_stop();
    wait();
  }
}

void engine::start() {
  std::lock_guard lock(lifecycle_mutex_);
  if (running()) throw std::logic_error("shardmq: engine::start called on a running engine");
  stop_requested_.store(false, std::memory_order_relaxed);
  active_.store(core_count(), std::memory_order_relaxed);
  warned_unpinned_.store(false, std::memory_order_relaxed);
  reactors_.clear();
  for (unsigned core = 0; core < core_count(); ++core) {
    doorbells_[core]->wake.consume();  // rings left over from the previous run
    reactors_.emplace_back(new reactor(*this, core, placement_[core], *pools_[core], buffer_pools_[core]));
    contexts_[core].store(&reactors_.back()->io_context(), std::memory_order_release);
  }
  // Open the outside queues last: an item accepted there is certain to find a running reactor.
  for (auto& doorbell : doorbells_) doorbell->outside.open();
  running_.store(true, std::memory_order_release);
  for (auto& r : reactors_) threads_.emplace_back([r = r.get()] { r->run(); });
}

void engine::request_stop() noexcept {
  stop_requested_.store(true, std::memory_order_seq_cst);
  for (auto& doorbell : doorbells_) doorbell->wake.ring();
}

void engine::wait() {
  if (current_reactor() != nullptr) {
    throw std::logic_error("shardmq: engine::wait/stop called on one of its reactors; use request_stop");
  }
  std::lock_guard lock(lifecycle_mutex_);
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  for (unsigned core = 0; core < reactors_.size(); ++core) {
    last_stats_[core] = reactors_[core]->snapshot_stats();
    contexts_[core].store(nullptr, std::memory_order_release);
  }
  reactors_.clear();
  running_.store(false, std::memory_order_release);
}

void engine::stop() {
  request_stop();
  wait();
}

void engine::core_quiescent() noexcept {
  if (active_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    for (auto& doorbell : doorbells_) doorbell->wake.ring();
  }
}

void engine::warn_unpinned(unsigned core, const std::string& reason) {
  if (warned_unpinned_.exchange(true)) return;
  log(log_level::warning, "cannot pin reactor " + std::to_string(core) + " to PU " +
                              std::to_string(placement_[core].pu) + " (" + reason +
                              "); running unpinned, stats report pinned=false");
}

void engine::throw_no_such_core(unsigned core) const {
  throw std::out_of_range("shardmq: core " + std::to_string(core) + " does not exist (the engine has " +
                          std::to_string(core_count()) + " cores)");
}

int engine::core_of_context(asio::execution_context* context) const noexcept {
  if (context == nullptr) return -1;
  for (unsigned core = 0; core < core_count(); ++core) {
    if (contexts_[core].load(std::memory_order_acquire) == context) return static_cast<int>(core);
  }
  return -1;
}

void engine::push_outside(unsigned core, detail::work_item* item) {
  detail::core_doorbell& target = doorbell(core);
  if (!target.outside.push(item)) {
    // Not running: nobody will run it, so it completes here and now.
    item->error = detail::operation_aborted_error();
    item->complete();
    return;
  }
  detail::sender_fence();
  target.wake.ring_if_sleeping();
}

std::vector<reactor_stats> engine::collect_stats() {
  if (reactor::current() != nullptr) {
    throw std::logic_error(
        "shardmq: engine::collect_stats blocks; on a reactor, submit_to each core instead");
  }
  // Serialised with start/wait: reactors never take this mutex, so the replies always arrive
  // (or abort at once if a reactor has already left), and last_stats_ is not being rewritten.
  std::lock_guard lock(lifecycle_mutex_);
  if (!running()) return last_stats_;
  std::vector<std::future<reactor_stats>> replies;
  for (unsigned core = 0; core < core_count(); ++core) {
    replies.push_back(submit_from_outside(
        core, [] { return reactor::current()->snapshot_stats(); }, asio::use_future));
  }
  std::vector<reactor_stats> result;
  for (unsigned core = 0; core < core_count(); ++core) {
    try {
      result.push_back(replies[core].get());
    } catch (const std::exception&) {
      result.push_back(last_stats_[core]);  // stopped meanwhile
    }
  }
  return result;
}

}  // namespace shardmq
