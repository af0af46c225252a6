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
  std::string stats;                     // empty: no stats endpoint
  std::optional<unsigned> idle_spin_us;  // default: engine_config's
  bool help = false;
};

/// Throws std::invalid_argument with a message for the user.
options parse_command_line(int argc, char** argv);
std::string usage_text(const std::string& program);

}  // namespace shardmq::echo
