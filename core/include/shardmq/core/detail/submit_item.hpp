#pragma once
// The concrete work item behind submit_to: the function, the handler and the result slot.

#include <shardmq/alloc/core_pool.hpp>
#include <shardmq/core/detail/completion.hpp>
#include <shardmq/core/detail/work_item.hpp>
#include <shardmq/core/reactor.hpp>

#include <asio/execution_context.hpp>

#include <exception>
#include <functional>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

namespace shardmq::detail {

/// The io_context of the calling reactor, or null on a thread that is not one: where a handler
/// may be invoked in place.
inline asio::execution_context* current_reactor_context() noexcept {
  reactor* self = reactor::current();
  return self ? &self->io_context() : nullptr;
}

template <class Fn, class Handler>
class submit_item final : public work_item {
 public:
  using result_type = std::invoke_result_t<Fn&>;
  static_assert(std::is_void_v<result_type> || std::is_default_constructible_v<result_type>,
                "submit_to: the function's result type must be default-constructible, because the "
                "handler receives R{} together with the exception when the function throws");
  static_assert(alignof(Fn) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__ &&
                    alignof(Handler) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__,
                "submit_to: over-aligned functions and handlers are not supported");

  /// Allocates from `pool` (the origin core's) or, with no pool, from the heap. Rounded up to
  /// whole cache lines: an item travels to another core and back, and an item sharing a line with
  /// its neighbour drags the neighbour along (measured with 16-byte-aligned blocks: 9.6 -> 19.3 M
  /// msg/s in this VM's slow regime, 36 -> 41 M msg/s in its fast one).
  template <class F, class H>
  static submit_item* create(alloc::core_pool* pool, F&& fn, H&& handler) {
    constexpr std::size_t cache_line = 64;
    constexpr std::size_t bytes = (sizeof(submit_item) + cache_line - 1) / cache_line * cache_line;
    void* memory = pool ? pool->allocate(bytes) : ::operator new(bytes);
    return ::new (memory) submit_item(std::forward<F>(fn), std::forward<H>(handler));
  }

 private:
  template <class F, class H>
  submit_item(F&& fn, H&& handler)
      : work_item(&run_thunk, &complete_thunk),
        fn_(std::forward<F>(fn)),
        handler_(std::forward<H>(handler)) {}

  static void run_thunk(work_item* base) noexcept {
    auto& self = static_cast<submit_item&>(*base);
    try {
      if constexpr (std::is_void_v<result_type>) {
        std::invoke(self.fn_);
      } else {
        self.result_.emplace(std::invoke(self.fn_));
      }
    } catch (...) {
      self.error = std::current_exception();
    }
  }

  // GCC 12 reports a moved-from std::optional<std::shared_ptr<T>> as maybe-uninitialized at -O2
  // (a false positive) in every program whose function returns a shared_ptr; users build with
  // -Werror too, so it is silenced here, where it arises.
#if defined(__GNUC__) && !defined(__clang__)  // clang has no such warning (and rejects the name)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
  // Memory goes back before the handler runs (Asio's rule), so the handler can reuse it.
  static void complete_thunk(work_item* base) {
    auto* self = static_cast<submit_item*>(base);
    Handler handler(std::move(self->handler_));
    std::exception_ptr error = std::move(self->error);
    result_holder result(std::move(self->result_));
    self->~submit_item();
    alloc::core_pool::deallocate(self);  // by address: pool block or heap
    // Only a handler with its own executor needs to know where it is being completed.
    asio::execution_context* here = nullptr;
    if constexpr (has_own_executor<Handler>) here = current_reactor_context();
    if constexpr (std::is_void_v<result_type>) {
      deliver(std::move(handler), here, std::move(error));
    } else {
      deliver(std::move(handler), here, std::move(error), result ? std::move(*result) : result_type{});
    }
  }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

  struct no_result {};
  using result_holder =
      std::conditional_t<std::is_void_v<result_type>, no_result, std::optional<result_type>>;

  Fn fn_;
  Handler handler_;
  [[no_unique_address]] result_holder result_;
};

}  // namespace shardmq::detail
