#include "socket_core.hpp"
#include "zmtp_connection.hpp"

#include <shardmq/net/zmq/sharded_socket.hpp>

#include <shardmq/core/engine.hpp>
#include <shardmq/core/log.hpp>
#include <shardmq/core/reactor.hpp>
#include <shardmq/net/tcp_listener.hpp>
#include <shardmq/net/tcp_stack.hpp>
#include <shardmq/net/zmq/endpoint.hpp>

#include <asio/use_future.hpp>

#include <stdexcept>

namespace shardmq::net::zmq {

/// Which socket_core takes a connection placed on each core. Entry k is read and cleared on core
/// k only, so the listeners' factories (which run on the connection's core) need no lock; it
/// outlives the sharded_socket while a descriptor is still on its way to a core.
struct sharded_socket::placement {
  explicit placement(unsigned cores) : cores(cores) {}
  std::vector<detail::socket_core*> cores;
};

sharded_socket::sharded_socket(tcp_stack& stack, socket_type type, socket_options options,
                               balance_policy policy)
    : stack_(stack), type_(type), policy_(policy) {
  engine& e = stack.owner();
  if (reactor::current() != nullptr)
    throw std::logic_error("shardmq: a sharded_socket is made on a thread that is not a reactor");
  if (!e.running()) throw std::logic_error("shardmq: a sharded_socket needs a running engine");
  validate(options);
  placement_ = std::make_shared<placement>(e.core_count());
  shards_.resize(e.core_count());
  try {
    for (unsigned core = 0; core < e.core_count(); ++core) {
      e.submit_to(
           core,
           [this, core, &options] {
             shards_[core] = std::make_unique<socket>(stack_, type_, options);
             placement_->cores[core] = shards_[core]->core_object();
           },
           asio::use_future)
          .get();
    }
  } catch (...) {
    close();
    throw;
  }
}

sharded_socket::~sharded_socket() { close(); }

void sharded_socket::bind(std::string_view text) {
  if (closed_) throw std::logic_error("shardmq: bind on a closed sharded_socket");
  if (reactor::current() != nullptr)
    throw std::logic_error("shardmq: sharded_socket::bind on a reactor thread (it waits for the cores)");
  endpoint e = parse_endpoint(text);
  if (e.kind != endpoint::transport::tcp) {
    throw std::invalid_argument("shardmq: a sharded_socket binds tcp:// endpoints only (bind a socket to " +
                                std::string(text) + ")");
  }
  // Runs on the connection's core: the shard there takes it, unless it is closing (the
  // connection is then refused, as by a socket that no longer listens).
  handler_factory factory = [where =
                                 placement_](tcp_connection& connection) -> std::unique_ptr<stream_handler> {
    detail::socket_core* core = where->cores[this_core()];
    if (core == nullptr || core->closing()) return nullptr;
    ++core->stats().connections_accepted;
    return std::make_unique<detail::zmtp_connection>(*core, connection, nullptr);
  };
  listener_options options;
  options.policy = policy_;
  auto listener = std::make_unique<tcp_listener>(stack_, e.address, std::move(factory), options);
  listener->start();
  e.address = listener->local_endpoint();
  const std::string bound = format_endpoint(e);
  listeners_.push_back(std::move(listener));
  stack_.owner()
      .run_on_all(
          [where = placement_, bound] {
            if (detail::socket_core* core = where->cores[this_core()]) core->set_shared_endpoint(bound);
          },
          asio::use_future)
      .get();
  last_endpoint_ = bound;
}

std::string sharded_socket::last_endpoint() const { return last_endpoint_; }

socket& sharded_socket::local() {
  reactor* current = reactor::current();
  if (current == nullptr || &current->owner() != &stack_.owner())
    throw std::logic_error("shardmq: sharded_socket::local off the reactors of its engine");
  return shard(current->core());
}

socket& sharded_socket::shard(unsigned core) {
  if (closed_) throw std::logic_error("shardmq: the sharded_socket is closed");
  if (core >= shards_.size() || !shards_[core])
    throw std::out_of_range("shardmq: no shard on core " + std::to_string(core));
  return *shards_[core];
}

socket_stats sharded_socket::stats() const {
  socket_stats total;
  engine& e = stack_.owner();
  if (closed_ || !e.running()) return total;
  for (unsigned core = 0; core < shards_.size(); ++core) {
    if (!shards_[core] || !shards_[core]->is_open()) continue;
    const socket_stats s = e.submit_to(
                                core, [this, core] { return shards_[core]->stats(); }, asio::use_future)
                               .get();
    total.messages_out += s.messages_out;
    total.bytes_out += s.bytes_out;
    total.messages_in += s.messages_in;
    total.bytes_in += s.bytes_in;
    total.drops += s.drops;
    total.hwm_waits += s.hwm_waits;
    total.handshake_failures += s.handshake_failures;
    total.protocol_errors += s.protocol_errors;
    total.connections_accepted += s.connections_accepted;
    total.connections_made += s.connections_made;
    total.reconnect_attempts += s.reconnect_attempts;
    total.disconnects += s.disconnects;
    total.peers += s.peers;
  }
  return total;
}

void sharded_socket::close() noexcept {
  if (closed_) return;
  closed_ = true;
  for (auto& listener : listeners_) {
    try {
      listener->stop();  // waits for every core's acceptor
    } catch (const std::exception& error) {
      log(log_level::warning, std::string("zmq: a sharded_socket's listener did not stop: ") + error.what());
    }
  }
  engine& e = stack_.owner();
  for (unsigned core = 0; core < shards_.size(); ++core) {
    if (!shards_[core]) continue;
    if (e.running()) {
      try {
        // Cleared on its core, before the close: a descriptor still on its way there is refused.
        e.submit_to(
             core,
             [this, core] {
               placement_->cores[core] = nullptr;
               shards_[core]->close();
             },
             asio::use_future)
            .get();
        continue;
      } catch (const std::exception& error) {
        log(log_level::warning, std::string("zmq: a shard could not be closed on its core: ") + error.what());
      }
    }
    placement_->cores[core] = nullptr;  // nothing runs on the cores any more
    shards_[core]->close();
  }
  listeners_.clear();
}

}  // namespace shardmq::net::zmq
