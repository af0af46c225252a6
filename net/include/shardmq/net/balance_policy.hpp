#pragma once
// Which core a new TCP connection lives on.

#include <string_view>

namespace shardmq::net {

/// How accepted (and outgoing) connections are spread over the cores. A connection stays on its
/// core for its whole life.
enum class balance_policy {
  round_robin,   ///< one acceptor; connections dealt to cores in turn
  least_loaded,  ///< one acceptor; the core with the fewest open connections (ties in turn)
  reuseport,     ///< one SO_REUSEPORT acceptor per core; the kernel spreads, no hand-off
};

/// "rr" or "round-robin", "least-loaded", "reuseport"; throws std::invalid_argument otherwise.
balance_policy parse_balance_policy(std::string_view text);
std::string_view to_string(balance_policy policy) noexcept;

}  // namespace shardmq::net
