#include <shardmq/net/zmtp/socket_type.hpp>

#include <array>
#include <cstddef>

namespace shardmq::net::zmtp {
namespace {

constexpr std::array<std::string_view, 11> names{"PAIR",   "PUB",  "SUB",  "REQ",  "REP", "DEALER",
                                                 "ROUTER", "PULL", "PUSH", "XPUB", "XSUB"};

bool equal_ignoring_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

std::string_view socket_type_name(socket_type type) noexcept { return names[static_cast<std::size_t>(type)]; }

std::optional<socket_type> parse_socket_type(std::string_view name) noexcept {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (equal_ignoring_case(name, names[i])) return static_cast<socket_type>(i);
  }
  return std::nullopt;
}

bool compatible(socket_type ours, socket_type peer) noexcept {
  using enum socket_type;
  switch (ours) {
    case req:
      return peer == rep || peer == router;
    case rep:
      return peer == req || peer == dealer;
    case dealer:
      return peer == rep || peer == dealer || peer == router;
    case router:
      return peer == req || peer == dealer || peer == router;
    case pub:
    case xpub:
      return peer == sub || peer == xsub;
    case sub:
    case xsub:
      return peer == pub || peer == xpub;
    case push:
      return peer == pull;
    case pull:
      return peer == push;
    case pair:
      return peer == pair;
  }
  return false;
}

bool sends_identity(socket_type type) noexcept {
  return type == socket_type::req || type == socket_type::dealer || type == socket_type::router;
}

}  // namespace shardmq::net::zmtp
