#include <shardmq/core/log.hpp>
#include <shardmq/core/reactor.hpp>
#include <shardmq/net/tcp_stack.hpp>

#include <asio/connect.hpp>
#include <asio/use_future.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

namespace shardmq::net {

namespace detail {

void core_tcp_state::link(tcp_connection& connection) noexcept {
  connection.prev_ = nullptr;
  connection.next_ = connections;
  if (connections != nullptr) connections->prev_ = &connection;
  connections = &connection;
}

void core_tcp_state::unlink(tcp_connection& connection) noexcept {
  (connection.prev_ != nullptr ? connection.prev_->next_ : connections) = connection.next_;
  if (connection.next_ != nullptr) connection.next_->prev_ = connection.prev_;
  connection.prev_ = connection.next_ = nullptr;
}

void core_tcp_state::on_reactor_stop() noexcept {
  // Each connection closes its socket; the reactor then runs the cancelled waits, and the last
  // of them destroys the connection. One with nothing pending goes at once: take `next` first.
  for (tcp_connection* connection = connections; connection != nullptr;) {
    tcp_connection* next = connection->next_;
    connection->abort();
    connection = next;
  }
}

}  // namespace detail

namespace {

/// An outgoing connection in progress on its core: the socket and what to do with it. A stop hook
/// too, so that an engine stopping mid-connect closes it on its core.
struct connect_operation final : reactor_stop_hook {
  connect_operation(tcp_stack& stack, unsigned core, handler_factory factory,
                    std::function<void(std::error_code)> on_failure)
      : stack(stack),
        core(core),
        socket(this_reactor().io_context()),
        factory(std::move(factory)),
        on_failure(std::move(on_failure)) {}

  void on_reactor_stop() noexcept override {
    std::error_code ignored;
    socket.close(ignored);  // the connect handler runs with operation_aborted and deletes us
  }

  void start(const asio::ip::tcp::endpoint& endpoint) {
    this_reactor().add_stop_hook(*this);
    socket.async_connect(endpoint, [this](std::error_code error) {
      this_reactor().remove_stop_hook(*this);
      if (!error) {
        stack.adopt(std::move(socket), factory, /*accepted=*/false, /*counted=*/true);
      } else {
        stack.unplace(core);
        ++stack.core_state(core).counters.connect_errors;
        if (on_failure) on_failure(error);
      }
      delete this;
    });
  }

  tcp_stack& stack;
  unsigned core;
  tcp_connection::socket_type socket;
  handler_factory factory;
  std::function<void(std::error_code)> on_failure;
};

}  // namespace

tcp_stack::tcp_stack(engine& owner, connection_options options) : engine_(owner), options_(options) {
  if (options_.low_watermark > options_.high_watermark) {
    throw std::invalid_argument("shardmq: connection_options low_watermark is above high_watermark");
  }
  if (options_.read_buffer == 0 || options_.reads_per_event == 0) {
    throw std::invalid_argument(
        "shardmq: connection_options read_buffer and reads_per_event must be positive");
  }
  for (unsigned core = 0; core < owner.core_count(); ++core) {
    cores_.push_back(std::make_unique<detail::core_tcp_state>(*this, core));
  }
}

tcp_stack::~tcp_stack() {
  // A running engine still has our connections and hooks on its cores: tear them down there.
  if (engine_.running() && reactor::current() == nullptr) {
    try {
      auto done = engine_.run_on_all(
          [this] {
            detail::core_tcp_state& state = *cores_[this_core()];
            state.on_reactor_stop();
            this_reactor().remove_stop_hook(state);
          },
          asio::use_future);
      done.get();
      // An aborted connection is destroyed by its last cancelled handler, a turn or two later on
      // its core; it still refers to our per-core state, so wait until every core's list is empty.
      for (int attempt = 0; attempt < 5000 && engine_.running(); ++attempt) {
        std::atomic<bool> empty{true};
        auto checked = engine_.run_on_all(
            [this, &empty] {
              if (cores_[this_core()]->connections != nullptr) empty = false;
            },
            asio::use_future);
        checked.get();
        if (empty) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    } catch (const std::exception& e) {
      log(log_level::error, std::string("tcp_stack: teardown on a running engine failed: ") + e.what());
    }
  }
}

unsigned tcp_stack::place(balance_policy policy) noexcept {
  const auto n = static_cast<unsigned>(cores_.size());
  const auto turn = static_cast<unsigned>(next_core_.fetch_add(1, std::memory_order_relaxed) % n);
  unsigned chosen = turn;
  if (policy == balance_policy::least_loaded) {
    // Start the scan at the turn so that ties go round-robin instead of always to core 0.
    std::uint64_t fewest = UINT64_MAX;
    for (unsigned i = 0; i < n; ++i) {
      const unsigned core = (turn + i) % n;
      const std::uint64_t open = cores_[core]->open_count.load(std::memory_order_relaxed);
      if (open < fewest) {
        fewest = open;
        chosen = core;
      }
    }
  }
  cores_[chosen]->open_count.fetch_add(1, std::memory_order_relaxed);
  return chosen;
}

void tcp_stack::unplace(unsigned core) noexcept {
  cores_[core]->open_count.fetch_sub(1, std::memory_order_relaxed);
}

std::uint64_t tcp_stack::open_connections(unsigned core) const noexcept {
  return cores_[core]->open_count.load(std::memory_order_relaxed);
}

const tcp_counters& tcp_stack::counters() const { return cores_[this_core()]->counters; }

tcp_connection* tcp_stack::adopt(tcp_connection::socket_type socket, const handler_factory& factory,
                                 bool accepted, bool counted) {
  detail::core_tcp_state& state = *cores_[this_core()];
  if (!counted) state.open_count.fetch_add(1, std::memory_order_relaxed);
  std::error_code ignored;
  socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  socket.non_blocking(true, ignored);
  auto* connection = new tcp_connection(state, std::move(socket), options_);
  ++(accepted ? state.counters.accepted : state.counters.connected);
  state.link(*connection);
  this_reactor().add_stop_hook(state);
  std::unique_ptr<stream_handler> handler;
  try {
    handler = factory(*connection);
  } catch (const std::exception& e) {
    log(log_level::error, std::string("tcp: the connection's handler factory threw: ") + e.what());
  }
  if (!handler) {
    connection->abort();  // nothing pending: destroyed here
    return nullptr;
  }
  connection->start(std::move(handler));
  return connection;
}

void tcp_stack::connect(const asio::ip::tcp::endpoint& endpoint, handler_factory factory,
                        std::function<void(std::error_code)> on_failure, balance_policy policy) {
  const unsigned core = place(policy);
  engine_.submit_to(
      core,
      [this, core, endpoint, factory = std::move(factory), on_failure = std::move(on_failure)]() mutable {
        (new connect_operation(*this, core, std::move(factory), std::move(on_failure)))->start(endpoint);
      },
      [this, core](std::exception_ptr error) {
        // Aborted (the engine is stopping) or the set-up threw: the placement is given back.
        if (error) unplace(core);
      });
}

void tcp_stack::abort_all() {
  auto done = engine_.run_on_all([this] { cores_[this_core()]->on_reactor_stop(); }, asio::use_future);
  done.get();
}

}  // namespace shardmq::net
