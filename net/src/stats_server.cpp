#include "stats_server.hpp"

#include "http_connection.hpp"

#include <shardmq/core/reactor.hpp>

#include <chrono>
#include <string>
#include <system_error>

namespace shardmq::net::detail {
namespace {

constexpr std::chrono::milliseconds accept_retry_delay{50};

std::string describe(const asio::ip::tcp::endpoint& address) {
  const std::string host = address.address().to_string();
  return (address.address().is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(address.port());
}

}  // namespace

/// One GET /stats or /metrics in progress: the replies of the cores that have answered so far.
/// Only the home core touches it (submit_to completes on the calling reactor).
struct stats_server::gathering {
  std::shared_ptr<stats_server> server;
  gather_handler done;
  std::vector<core_metrics> cores;
  unsigned remaining = 0;
  std::exception_ptr error;
};

stats_server::stats_server(metrics_registry& registry, stats_endpoint_limits limits, asio::io_context& io)
    : registry_(registry), limits_(limits), io_(io), acceptor_(io), accept_retry_(io) {}

asio::ip::tcp::endpoint stats_server::listen(const asio::ip::tcp::endpoint& address) {
  asio::error_code error;
  const char* step = "open a socket for";
  acceptor_.open(address.protocol(), error);
  if (!error) {
    // A restarted server must not wait for TIME_WAIT; a live listener on the port still wins.
    step = "set SO_REUSEADDR on";
    acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true), error);
  }
  if (!error) {
    step = "bind";
    acceptor_.bind(address, error);
  }
  if (!error) {
    step = "listen on";
    acceptor_.listen(asio::socket_base::max_listen_connections, error);
  }
  if (error) {
    // In the system category, so that callers can compare with std::errc::address_in_use.
    if (error.category() == asio::system_category())
      error = std::error_code(error.value(), std::system_category());
    throw std::system_error(
        error, "shardmq: the stats endpoint cannot " + std::string(step) + " " + describe(address));
  }
  return acceptor_.local_endpoint();
}

void stats_server::stop(std::function<void()> drained) {
  stopping_ = true;
  asio::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
  // close() takes each connection out of the set.
  const std::vector<http_connection*> open(connections_.begin(), connections_.end());
  for (http_connection* connection : open) connection->close();
  if (gatherings_in_flight_ == 0) {
    drained();
  } else {
    drained_ = std::move(drained);
  }
}

void stats_server::accept_next() {
  acceptor_.async_accept(
      [self = shared_from_this()](const asio::error_code& error, asio::ip::tcp::socket socket) {
        self->on_accept(error, std::move(socket));
      });
}

void stats_server::on_accept(const asio::error_code& error, asio::ip::tcp::socket socket) {
  if (stopping_ || error == asio::error::operation_aborted) return;
  if (error) {
    // Out of descriptors, or a connection reset while queued: try again shortly, not at once.
    ++accept_errors_;
    accept_retry_.expires_after(accept_retry_delay);
    accept_retry_.async_wait([self = shared_from_this()](const asio::error_code& e) {
      if (!e && !self->stopping_) self->accept_next();
    });
    return;
  }
  ++counters_.accepted;
  if (connections_.size() >= limits_.max_connections) {
    ++counters_.rejected;
    asio::error_code ignored;
    socket.close(ignored);
  } else {
    auto connection = std::make_shared<http_connection>(shared_from_this(), std::move(socket));
    connections_.insert(connection.get());
    counters_.open = connections_.size();
    connection->start();
  }
  accept_next();
}

void stats_server::connection_closed(http_connection& connection, bool timed_out) {
  if (connections_.erase(&connection) == 0) return;
  counters_.open = connections_.size();
  ++counters_.closed;
  if (timed_out) ++counters_.timed_out;
}

void stats_server::response_written(int status) noexcept {
  ++counters_.responses;
  if (status >= 400 && status < 500) ++counters_.client_errors;
  if (status >= 500) ++counters_.server_errors;
}

void stats_server::gather(gather_handler done) {
  const unsigned cores = this_reactor().core_count();
  auto g = std::make_shared<gathering>();
  g->server = shared_from_this();
  g->done = std::move(done);
  g->cores.resize(cores);
  g->remaining = cores;
  ++gatherings_;
  ++gatherings_in_flight_;
  for (unsigned core = 0; core < cores; ++core) {
    // The snapshot is taken by the core itself: nothing here reads another core's memory.
    shardmq::submit_to(
        core, [registry = &registry_] { return registry->collect_here(); },
        [g, core](std::exception_ptr error, core_metrics metrics) {
          if (error) {
            if (!g->error) g->error = std::move(error);
          } else {
            g->cores[core] = std::move(metrics);
          }
          if (--g->remaining == 0) g->server->gathering_finished(*g);
        });
  }
}

void stats_server::gathering_finished(gathering& g) {
  --gatherings_in_flight_;
  if (!g.error) {
    metrics_writer out(g.cores[this_core()], "http");
    write_own_metrics(out);
  }
  g.done(std::move(g.error), std::move(g.cores));
  if (stopping_ && gatherings_in_flight_ == 0 && drained_) {
    std::function<void()> drained = std::move(drained_);
    drained_ = nullptr;
    drained();
  }
}

void stats_server::write_own_metrics(metrics_writer& out) const {
  const stats_endpoint_counters& c = counters_;
  out.counter("connections_accepted", "Connections accepted by the stats endpoint, rejected ones included.",
              c.accepted);
  out.counter("connections_rejected", "Connections closed at once because max_connections were open.",
              c.rejected);
  out.gauge("connections_open", "Connections the stats endpoint is serving now.", c.open);
  out.counter("connections_closed", "Served connections closed, for any reason.", c.closed);
  out.counter("connections_timed_out", "Connections closed by the per-connection deadline.", c.timed_out);
  out.counter("responses", "Responses written, any status.", c.responses);
  out.counter("client_errors", "4xx responses written.", c.client_errors);
  out.counter("server_errors", "5xx responses written.", c.server_errors);
  out.counter("accept_errors", "Failed accepts (e.g. out of file descriptors), retried after 50 ms.",
              accept_errors_);
  out.counter("gatherings", "Snapshots gathered from every core.", gatherings_);
}

}  // namespace shardmq::net::detail
