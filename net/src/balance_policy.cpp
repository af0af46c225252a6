#include <shardmq/net/balance_policy.hpp>

#include <stdexcept>
#include <string>

namespace shardmq::net {

balance_policy parse_balance_policy(std::string_view text) {
  if (text == "rr" || text == "round-robin") return balance_policy::round_robin;
  if (text == "least-loaded") return balance_policy::least_loaded;
  if (text == "reuseport") return balance_policy::reuseport;
  throw std::invalid_argument("shardmq: unknown balance policy '" + std::string(text) +
                              "' (expected rr, least-loaded or reuseport)");
}

std::string_view to_string(balance_policy policy) noexcept {
  switch (policy) {
    case balance_policy::round_robin:
      return "rr";
    case balance_policy::least_loaded:
      return "least-loaded";
    case balance_policy::reuseport:
      return "reuseport";
  }
  return "?";
}

}  // namespace shardmq::net
