#pragma once
// The simplest stream service: every received byte goes back, without a copy.

#include <shardmq/net/stream_handler.hpp>
#include <shardmq/net/tcp_connection.hpp>

namespace shardmq::net {

/// Sends every received slice straight back on the same connection (the slice's buffer is
/// written from, then released). Used by shardmq-echo, its tests and benchmarks.
class echo_handler final : public stream_handler {
 public:
  void on_data(tcp_connection& connection, alloc::slice data) override { connection.send(std::move(data)); }
  void on_closed(tcp_connection&, std::error_code) noexcept override {}
};

}  // namespace shardmq::net
