#pragma once
// The state of one pending sleep_for/sleep_until: the wheel's node, the handler, the work it keeps
// on the handler's executor and its registration with the handler's cancellation slot, in memory
// from the handler's associated allocator.

#include <shardmq/timer/timer_node.hpp>
#include <shardmq/timer/timer_wheel.hpp>

#include <asio/associated_allocator.hpp>
#include <asio/associated_cancellation_slot.hpp>
#include <asio/associated_executor.hpp>
#include <asio/bind_allocator.hpp>
#include <asio/cancellation_type.hpp>
#include <asio/dispatch.hpp>
#include <asio/error.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <asio/recycling_allocator.hpp>
#include <asio/system_executor.hpp>

#include <memory>
#include <system_error>
#include <type_traits>
#include <utility>

namespace shardmq::detail {

/// How a finished sleep reaches its handler when the handler has an executor of its own.
enum class sleep_delivery {
  dispatch,  ///< expired: inline if advance() runs inside that executor, queued otherwise
  post,      ///< cancelled: always queued, never inside the canceller's call
};

template <class Handler>
class sleep_op final : public timer_node {
 public:
  /// Allocates the operation, registers it for per-operation cancellation and arms it.
  static void start(timer_wheel& wheel, timer_wheel::time_point deadline, Handler handler) {
    op_allocator allocator(allocator_of(handler));
    sleep_op* op = op_traits::allocate(allocator, 1);
    try {
      ::new (static_cast<void*>(op)) sleep_op(wheel, std::move(handler));
    } catch (...) {
      op_traits::deallocate(allocator, op, 1);
      throw;
    }
    if (op->slot_.is_connected()) {
      try {
        op->canceller_ = &op->slot_.template emplace<cancellation>(op);
      } catch (...) {  // the slot could not get memory for its handler
        op->destroy();
        throw;
      }
    }
    wheel.arm(*op, deadline);
  }

 private:
  // Asio's own operations default to its recycling allocator (a per-thread cache of blocks).
  using base_allocator = asio::associated_allocator_t<Handler, asio::recycling_allocator<void>>;
  using op_allocator = typename std::allocator_traits<base_allocator>::template rebind_alloc<sleep_op>;
  using op_traits = std::allocator_traits<op_allocator>;
  using slot_type = asio::associated_cancellation_slot_t<Handler>;
  using executor_type = asio::associated_executor_t<Handler>;
  // A handler without an executor (a plain callback) is invoked in place, on the wheel's thread;
  // posting it to the system executor would run it on another thread.
  static constexpr bool has_executor = !std::is_same_v<executor_type, asio::system_executor>;

  /// Keeps the handler's executor (its io_context) from running out of work while we wait.
  struct no_work {
    explicit no_work(const executor_type&) noexcept {}
  };
  using work_type = std::conditional_t<has_executor, asio::executor_work_guard<executor_type>, no_work>;

  /// Installed in the handler's cancellation slot. The emitter must be on the wheel's thread.
  struct cancellation {
    explicit cancellation(sleep_op* o) noexcept : op(o) {}
    void operator()(asio::cancellation_type_t type) {
      if (op == nullptr || type == asio::cancellation_type::none) return;
      sleep_op* self = std::exchange(op, nullptr);  // inert from now on, should it be emitted again
      self->canceller_ = nullptr;                   // the slot keeps us: not cleared inside our own call
      self->wheel_->cancel(*self);
      self->complete(asio::error::operation_aborted, sleep_delivery::post);
    }
    sleep_op* op;
  };

  static base_allocator allocator_of(const Handler& handler) noexcept {
    return asio::get_associated_allocator(handler, asio::recycling_allocator<void>());
  }

  sleep_op(timer_wheel& wheel, Handler&& handler)
      : timer_node(&on_wheel_event),
        wheel_(&wheel),
        handler_(std::move(handler)),
        work_(asio::get_associated_executor(handler_)),
        slot_(asio::get_associated_cancellation_slot(handler_)) {}

  static void on_wheel_event(timer_node& node, timer_event event) {
    sleep_op& self = static_cast<sleep_op&>(node);
    switch (event) {
      case timer_event::expired:
        self.complete(std::error_code(), sleep_delivery::dispatch);
        break;
      case timer_event::cancelled:
        self.complete(asio::error::operation_aborted, sleep_delivery::post);
        break;
      case timer_event::shutdown:
        self.destroy();
        break;
    }
  }

  /// Frees the operation before the handler runs (Asio's rule: the handler may start the next
  /// sleep in the same memory), then delivers.
  void complete(std::error_code error, sleep_delivery delivery) {
    if (canceller_ != nullptr) slot_.clear();
    op_allocator allocator(allocator_of(handler_));
    Handler handler(std::move(handler_));
    work_type work(std::move(work_));
    release(allocator);
    if constexpr (has_executor) {
      auto allocator = asio::get_associated_allocator(handler);
      auto completion = asio::bind_allocator(
          allocator, [handler = std::move(handler), error]() mutable { std::move(handler)(error); });
      if (delivery == sleep_delivery::dispatch) {
        asio::dispatch(work.get_executor(), std::move(completion));
      } else {
        asio::post(work.get_executor(), std::move(completion));
      }
    } else {
      (void)delivery;
      std::move(handler)(error);
    }
  }

  /// Shutdown: the handler is destroyed, not invoked.
  void destroy() noexcept {
    if (canceller_ != nullptr) slot_.clear();
    op_allocator allocator(allocator_of(handler_));
    release(allocator);
  }

  void release(op_allocator& allocator) noexcept {
    this->~sleep_op();
    op_traits::deallocate(allocator, this, 1);
  }

  timer_wheel* wheel_;
  Handler handler_;
  work_type work_;
  slot_type slot_;
  cancellation* canceller_ = nullptr;  // what we installed in slot_, while it is ours to clear
};

}  // namespace shardmq::detail
