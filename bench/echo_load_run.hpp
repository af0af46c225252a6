#pragma once
// The load mode of shardmq-echo-load: connections with a fixed number of messages in flight,
// spread over pinned client threads, each with its own level-triggered epoll set.

#include "echo_load_options.hpp"
#include "latency_histogram.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>

namespace shardmq::bench {

/// An echoed byte differed from the byte sent: the server is broken (exit code 3).
class echo_mismatch : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What one run measured over its window (the warm-up excluded).
struct echo_load_report {
  std::uint64_t messages = 0;  ///< echoed in full and verified within the window
  double seconds = 0;
  latency_histogram latency;                   ///< send to full echo, per message, ns
  std::optional<std::uint64_t> server_cpu_ns;  ///< server CPU time within the window
  std::uint64_t messages_total = 0;            ///< including the warm-up, all verified
};

/// Runs the load. Throws echo_mismatch on a wrong byte, std::runtime_error on a connection
/// failure, a server that closed a connection, or a --messages run past its --timeout.
echo_load_report run_echo_load(const echo_load_options& options);

}  // namespace shardmq::bench
