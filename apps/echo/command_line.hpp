#pragma once
// shardmq-echo's options.

#include <shardmq/net/balance_policy.hpp>

#include <optional>
#include <string>

namespace shardmq::echo {

struct options {
  std::string listen = "127.0.0.1:7000";
  std::optional<unsigned> cores;  // default: one per physical core
  net::balance_policy balance = net::balance_policy::round_robin;
  std::string stats;  // empty: no stats endpoint
  // Default 0, not engine_config's 40 us: an echo core has no cross-core traffic for a spin to
  // catch, and while it spins it polls epoll only every io_poll_interval, so a busy echo core spent
  // ~40 % of its time in empty turns (measured: 82,031 of 83,086 turns, 64 B x 50 x 16).
  unsigned idle_spin_us = 0;
  bool help = false;
};

/// Throws std::invalid_argument with a message for the user.
options parse_command_line(int argc, char** argv);
std::string usage_text(const std::string& program);

}  // namespace shardmq::echo
