#pragma once
// How a finished submission reaches its handler: signatures and executor-aware delivery.

#include <asio/associated_executor.hpp>
#include <asio/dispatch.hpp>
#include <asio/execution/context.hpp>
#include <asio/execution/executor.hpp>
#include <asio/execution_context.hpp>
#include <asio/query.hpp>
#include <asio/system_executor.hpp>

#include <exception>
#include <tuple>
#include <type_traits>
#include <utility>

namespace shardmq::detail {

/// `void(std::exception_ptr, R)`, or `void(std::exception_ptr)` for functions returning void:
/// the shape asio::co_spawn uses, so use_awaitable rethrows and use_future carries the exception.
template <class R>
struct submit_signature {
  using type = void(std::exception_ptr, R);
};
template <>
struct submit_signature<void> {
  using type = void(std::exception_ptr);
};
template <class R>
using submit_signature_t = typename submit_signature<R>::type;

template <class Handler>
inline constexpr bool has_own_executor =
    !std::is_same_v<asio::associated_executor_t<std::decay_t<Handler>>, asio::system_executor>;

/// The execution context a handler's executor runs on, or null when it cannot tell (e.g. the
/// inline executor of asio::use_future).
template <class Executor>
asio::execution_context* context_of(const Executor& executor) noexcept {
  if constexpr (asio::can_query<const Executor&,
                                asio::execution::context_as_t<asio::execution_context&>>::value) {
    return &asio::query(executor, asio::execution::context_as<asio::execution_context&>);
  } else if constexpr (requires { executor.context(); }) {
    return &executor.context();
  } else {
    return nullptr;
  }
}

/// Invokes `handler(args...)` on the calling thread when that is where the handler wants to run
/// (no executor of its own, or an executor of `here`, the io_context of the calling reactor);
/// otherwise dispatches it to its executor.
template <class Handler, class... Args>
void deliver(Handler&& handler, asio::execution_context* here, Args&&... args) {
  if constexpr (!has_own_executor<Handler>) {
    std::move(handler)(std::forward<Args>(args)...);
  } else {
    auto executor = asio::get_associated_executor(handler);
    if (here != nullptr && context_of(executor) == here) {
      std::move(handler)(std::forward<Args>(args)...);
    } else {
      asio::dispatch(executor, [handler = std::move(handler),
                                args = std::make_tuple(std::forward<Args>(args)...)]() mutable {
        std::apply(std::move(handler), std::move(args));
      });
    }
  }
}

}  // namespace shardmq::detail
