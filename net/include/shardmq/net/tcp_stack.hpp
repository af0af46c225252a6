#pragma once
// The TCP side of one engine: where connections go, what each core counts, and the teardown of
// every connection on its own core at engine stop.

#include <shardmq/core/engine.hpp>
#include <shardmq/net/balance_policy.hpp>
#include <shardmq/net/tcp_connection.hpp>

#include <asio/ip/tcp.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace shardmq::net {

/// Makes the handler of a new connection, on the connection's core. Called from several cores
/// at once when connections land on several: it must be safe to call concurrently.
using handler_factory = std::function<std::unique_ptr<stream_handler>(tcp_connection&)>;

/// TCP counters of one core; written by that core only.
struct tcp_counters {
  std::uint64_t accepted = 0;
  std::uint64_t connected = 0;  ///< outgoing connections established
  std::uint64_t closed = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t write_calls = 0;     ///< send/sendmsg calls (bytes_out / write_calls: how well writes gather)
  std::uint64_t errors = 0;          ///< connections ended by a socket error
  std::uint64_t read_pauses = 0;     ///< times reading stopped because the peer was not reading
  std::uint64_t accept_errors = 0;   ///< failed accepts (e.g. out of descriptors)
  std::uint64_t connect_errors = 0;  ///< failed outgoing connections
  std::uint64_t open() const noexcept { return accepted + connected - closed; }
};

namespace detail {

/// One core's TCP state. Only `open_count` is read by other cores (least-loaded placement).
struct alignas(64) core_tcp_state final : reactor_stop_hook {
  core_tcp_state(tcp_stack& owner, unsigned core) : stack(owner), core(core) {}
  void on_reactor_stop() noexcept override;
  void link(tcp_connection& connection) noexcept;
  void unlink(tcp_connection& connection) noexcept;

  tcp_stack& stack;
  const unsigned core;
  tcp_counters counters;
  tcp_connection* connections = nullptr;
  std::vector<reactor_stop_hook*> acceptors;  // listeners' acceptors on this core
  alignas(64) std::atomic<std::uint64_t> open_count{0};
};

}  // namespace detail

/// The TCP layer of an engine. Make one per engine, before starting listeners; destroy it after
/// the engine has stopped (or after stop_all()). Connections are torn down on their cores when
/// the engine stops.
class tcp_stack {
 public:
  explicit tcp_stack(engine& owner, connection_options options = {});
  ~tcp_stack();
  tcp_stack(const tcp_stack&) = delete;
  tcp_stack& operator=(const tcp_stack&) = delete;

  engine& owner() const noexcept { return engine_; }
  const connection_options& options() const noexcept { return options_; }

  /// The core the next connection goes to. round_robin and reuseport deal in turn; least_loaded
  /// picks the fewest open connections. Counts the connection on that core at once (a placed
  /// connection that never opens must be given back with unplace()).
  unsigned place(balance_policy policy) noexcept;
  void unplace(unsigned core) noexcept;
  /// Open connections on `core` as placement sees them (any thread).
  std::uint64_t open_connections(unsigned core) const noexcept;

  /// The calling core's counters (reactor thread of this engine only).
  const tcp_counters& counters() const;

  /// Reactor thread: turns a connected socket of this core into a connection with a handler
  /// from `factory`. `counted` says place() already counted it.
  tcp_connection* adopt(tcp_connection::socket_type socket, const handler_factory& factory, bool accepted,
                        bool counted);

  /// Opens an outgoing connection on a core chosen by `policy`. `on_failure` runs on that core
  /// if the connection cannot be made (the factory is not called then). Any thread.
  void connect(const asio::ip::tcp::endpoint& endpoint, handler_factory factory,
               std::function<void(std::error_code)> on_failure = {},
               balance_policy policy = balance_policy::round_robin);

  /// Aborts every connection on every core (from a thread that is not a reactor; the engine must
  /// be running). Listeners are stopped separately.
  void abort_all();

  /// The state of `core` (internal: listeners and connections use it).
  detail::core_tcp_state& core_state(unsigned core) noexcept { return *cores_[core]; }

 private:
  engine& engine_;
  connection_options options_;
  std::vector<std::unique_ptr<detail::core_tcp_state>> cores_;
  std::atomic<std::uint64_t> next_core_{0};
};

}  // namespace shardmq::net
