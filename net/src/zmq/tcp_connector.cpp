#include "tcp_connector.hpp"

#include "socket_core.hpp"
#include "zmtp_connection.hpp"

#include <shardmq/core/reactor.hpp>

#include <algorithm>
#include <utility>

namespace shardmq::net::zmq::detail {

tcp_connector::tcp_connector(socket_core& owner, asio::ip::tcp::endpoint endpoint, bool keep_pipe)
    : owner_(owner),
      endpoint_(endpoint),
      interval_(owner.options().reconnect_ivl),
      jitter_(std::random_device{}()),
      retry_timer_(this_reactor().timers(), [this] { attempt(); }) {
  if (keep_pipe) pipe_ = &owner_.make_pipe(true);
  factory_ = [this](tcp_connection& connection) -> std::unique_ptr<stream_handler> {
    return std::make_unique<zmtp_connection>(owner_, connection, this);
  };
}

tcp_connector::~tcp_connector() = default;

void tcp_connector::start() { attempt(); }

void tcp_connector::attempt() {
  if (stopped_) return;
  if (!first_attempt_) ++owner_.stats().reconnect_attempts;
  first_attempt_ = false;
  connecting_.emplace(this_reactor().io_context());
  owner_.operation_started();
  connecting_->async_connect(endpoint_, [this](std::error_code error) {
    tcp_connection::socket_type socket = std::move(*connecting_);
    connecting_.reset();
    if (stopped_ || error) {
      std::error_code ignored;
      socket.close(ignored);
      if (!stopped_) schedule_retry();
      owner_.operation_finished();  // may delete the socket (and us): last
      return;
    }
    ++owner_.stats().connections_made;
    owner_.stack().adopt(std::move(socket), factory_, /*accepted=*/false, /*counted=*/false);
    owner_.operation_finished();
  });
}

void tcp_connector::schedule_retry() noexcept {
  if (stopped_) return;  // a closing socket stops its connectors unless they linger
  const auto base = interval_;
  std::uniform_int_distribution<long long> jitter(0, std::max<long long>(base.count() - 1, 0));
  const auto delay = base + std::chrono::milliseconds(jitter(jitter_));
  const auto max = owner_.options().reconnect_ivl_max;
  if (max > base) interval_ = std::min(base * 2, max);
  retry_timer_.arm_in(delay);
}

void tcp_connector::handshake_done() noexcept { interval_ = owner_.options().reconnect_ivl; }

void tcp_connector::connection_lost() noexcept {
  if (stopped_) return;
  if (lingering_ && !has_unsent()) {
    stop();  // all written: the linger of this peer is over
    return;
  }
  schedule_retry();
}

void tcp_connector::linger() noexcept {
  if (stopped_ || lingering_) return;
  lingering_ = true;
  owner_.operation_started();
}

void tcp_connector::stop() noexcept {
  stopped_ = true;
  retry_timer_.cancel();
  if (connecting_) {
    std::error_code ignored;
    connecting_->close(ignored);
  }
  if (std::exchange(lingering_, false)) owner_.operation_finished();  // may delete the socket: last
}

}  // namespace shardmq::net::zmq::detail
