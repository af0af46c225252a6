#pragma once
// A ZeroMQ socket on one core of an engine: libzmq's socket types and semantics over ZMTP 3.1
// (NULL mechanism) on TCP and over inproc pipes, with Asio completion tokens.
//
//   net::zmq::socket pull(stack, net::zmq::socket_type::pull);      // on a reactor thread
//   pull.bind("tcp://127.0.0.1:*");
//   net::zmq::message m = co_await pull.async_receive(asio::use_awaitable);

#include <shardmq/net/zmq/error.hpp>
#include <shardmq/net/zmq/message.hpp>
#include <shardmq/net/zmq/socket_options.hpp>
#include <shardmq/net/zmq/socket_stats.hpp>
#include <shardmq/net/zmtp/socket_type.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/associated_allocator.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/dispatch.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/recycling_allocator.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace shardmq::net {
class tcp_stack;
}

namespace shardmq::net::zmq {

using zmtp::socket_type;

namespace detail {

class socket_core;

/// A pending async_send's handler, type-erased; allocated with the handler's associated
/// allocator (by default Asio's per-thread recycling allocator: no malloc in steady state).
/// `home` is the socket's executor (the default for a handler without one); `immediate` says the
/// initiating function is still running, so the handler must be posted, not run inline.
struct send_op {
  using executor_type = asio::io_context::executor_type;
  void (*complete_fn)(send_op*, std::error_code, executor_type home, bool immediate) = nullptr;
  message msg;
  void complete(std::error_code error, executor_type home, bool immediate) {
    complete_fn(this, error, home, immediate);
  }
};
/// A pending async_receive's handler, type-erased the same way.
struct receive_op {
  using executor_type = asio::io_context::executor_type;
  void (*complete_fn)(receive_op*, std::error_code, message&&, executor_type home, bool immediate) = nullptr;
  void complete(std::error_code error, message&& msg, executor_type home, bool immediate) {
    complete_fn(this, error, std::move(msg), home, immediate);
  }
};

/// Hands `fn` to the handler's executor: posted when `immediate`, else run as by dispatch. A
/// handler whose executor is the home io_context (plain callbacks, use_awaitable on the home
/// core) runs inline without asio::dispatch: through any_io_executor dispatch type-erases the
/// function and allocates for it, once per message.
template <class Executor, class Fn>
void deliver_completion(const Executor& ex, const asio::io_context::executor_type& home, bool immediate,
                        Fn&& fn) {
  if constexpr (std::is_same_v<Executor, asio::io_context::executor_type> ||
                std::is_same_v<Executor, asio::any_io_executor>) {
    if (&asio::query(ex, asio::execution::context) == &home.context()) {
      if (immediate) {
        asio::post(home, std::forward<Fn>(fn));  // the concrete executor: no type-erased wrapper
      } else {
        std::forward<Fn>(fn)();  // we are on the home core, inside its io_context
      }
      return;
    }
  }
  if (immediate) {
    asio::post(ex, std::forward<Fn>(fn));
  } else {
    asio::dispatch(ex, std::forward<Fn>(fn));
  }
}

template <class Handler>
struct send_op_impl final : send_op {
  explicit send_op_impl(Handler&& h) : handler(std::move(h)) {}
  Handler handler;
  static void complete(send_op* base, std::error_code error, executor_type home, bool immediate) {
    auto* self = static_cast<send_op_impl*>(base);
    auto alloc = asio::get_associated_allocator(self->handler, asio::recycling_allocator<void>());
    typename std::allocator_traits<decltype(alloc)>::template rebind_alloc<send_op_impl> a(alloc);
    Handler handler(std::move(self->handler));
    self->~send_op_impl();
    a.deallocate(self, 1);
    auto ex = asio::get_associated_executor(handler, home);
    deliver_completion(ex, home, immediate,
                       [handler = std::move(handler), error]() mutable { std::move(handler)(error); });
  }
};

template <class Handler>
struct receive_op_impl final : receive_op {
  explicit receive_op_impl(Handler&& h) : handler(std::move(h)) {}
  Handler handler;
  static void complete(receive_op* base, std::error_code error, message&& msg, executor_type home,
                       bool immediate) {
    auto* self = static_cast<receive_op_impl*>(base);
    auto alloc = asio::get_associated_allocator(self->handler, asio::recycling_allocator<void>());
    typename std::allocator_traits<decltype(alloc)>::template rebind_alloc<receive_op_impl> a(alloc);
    Handler handler(std::move(self->handler));
    self->~receive_op_impl();
    a.deallocate(self, 1);
    auto ex = asio::get_associated_executor(handler, home);
    deliver_completion(ex, home, immediate,
                       [handler = std::move(handler), error, m = std::move(msg)]() mutable {
                         std::move(handler)(error, std::move(m));
                       });
  }
};

template <class Op, class Handler>
Op* make_op(Handler&& handler) {
  auto alloc = asio::get_associated_allocator(handler, asio::recycling_allocator<void>());
  typename std::allocator_traits<decltype(alloc)>::template rebind_alloc<Op> a(alloc);
  Op* raw = a.allocate(1);
  try {
    return new (raw) Op(std::move(handler));
  } catch (...) {
    a.deallocate(raw, 1);
    throw;
  }
}

}  // namespace detail

/// A socket of one type, living on the core whose reactor created it (its home core). Every
/// member is for that core's thread only (a call from another thread throws std::logic_error).
/// Its TCP connections live on the home core too; use one socket per core (e.g. sharded_socket)
/// to spread a server over cores.
///
/// Destroying the socket closes it: pending operations complete with errc::socket_closed, and
/// messages already queued keep going out for `linger` before its connections are aborted.
class socket {
 public:
  /// A closed socket (assign an open one to it).
  socket() noexcept = default;
  /// On a reactor thread of `stack`'s engine. std::invalid_argument for bad options.
  socket(tcp_stack& stack, socket_type type, socket_options options = {});
  ~socket();
  socket(socket&& other) noexcept;
  socket& operator=(socket&& other) noexcept;
  socket(const socket&) = delete;
  socket& operator=(const socket&) = delete;

  socket_type type() const noexcept;
  const socket_options& options() const noexcept;
  /// The engine core this socket lives on.
  unsigned home_core() const noexcept;

  /// Listens on `endpoint` ("tcp://127.0.0.1:5555", "tcp://*:*", "inproc://name"). Throws
  /// std::system_error when the address cannot be bound, std::invalid_argument for a bad endpoint.
  void bind(std::string_view endpoint);
  /// Connects to `endpoint` in the background and keeps reconnecting (with back-off) whenever
  /// the connection fails or drops. Messages sent meanwhile queue for that peer (up to sndhwm).
  /// inproc: the name must be bound already (std::system_error connection_refused otherwise).
  void connect(std::string_view endpoint);
  /// The endpoint of the last bind, with the real port for "*" ("tcp://127.0.0.1:41234").
  std::string last_endpoint() const;

  /// Sends `msg` (moved from on success) if it can go without waiting; would_block() otherwise,
  /// errc::wrong_state / not_supported_by_type / host_unreachable as libzmq's EFSM, ENOTSUP and
  /// EHOSTUNREACH. The message is queued, not yet written, when this returns.
  std::error_code try_send(message& msg);
  /// Takes the next message if one is ready; would_block() otherwise.
  std::error_code try_receive(message& out);

  /// Sends `msg`, waiting for room under the high-water mark. Signature void(std::error_code).
  /// One send may be outstanding at a time.
  template <ASIO_COMPLETION_TOKEN_FOR(void(std::error_code)) CompletionToken>
  auto async_send(message msg, CompletionToken&& token) {
    return asio::async_initiate<CompletionToken, void(std::error_code)>(
        [this](auto handler, message m) {
          using op = detail::send_op_impl<decltype(handler)>;
          detail::send_op* o = detail::make_op<op>(std::move(handler));
          o->complete_fn = &op::complete;
          o->msg = std::move(m);
          start_send(o);
        },
        token, std::move(msg));
  }
  /// Receives the next message. Signature void(std::error_code, message). One receive may be
  /// outstanding at a time.
  template <ASIO_COMPLETION_TOKEN_FOR(void(std::error_code, message)) CompletionToken>
  auto async_receive(CompletionToken&& token) {
    return asio::async_initiate<CompletionToken, void(std::error_code, message)>(
        [this](auto handler) {
          using op = detail::receive_op_impl<decltype(handler)>;
          detail::receive_op* o = detail::make_op<op>(std::move(handler));
          o->complete_fn = &op::complete;
          start_receive(o);
        },
        token);
  }

  /// Closes now (see the destructor). Safe to call twice.
  void close() noexcept;
  bool is_open() const noexcept { return core_ != nullptr; }

  /// The socket's counters (home core only).
  const socket_stats& stats() const;

  /// The internal object (used by the library's inproc transport and stats).
  detail::socket_core* core_object() const noexcept { return core_; }

 private:
  void start_send(detail::send_op* op);
  void start_receive(detail::receive_op* op);
  detail::socket_core* core_ = nullptr;
};

}  // namespace shardmq::net::zmq
