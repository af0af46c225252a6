#pragma once
// ZeroMQ socket types as they appear in the READY command's Socket-Type property, and which pairs
// may talk (RFC 23/37, the same table as libzmq's check_socket_type).

#include <optional>
#include <string_view>

namespace shardmq::net::zmtp {

/// The socket types of the classic patterns (RFC 28-31), in ZMTP 2.0's numbering.
enum class socket_type { pair, pub, sub, req, rep, dealer, router, pull, push, xpub, xsub };

/// The canonical upper-case name libzmq sends and matches exactly ("DEALER").
std::string_view socket_type_name(socket_type type) noexcept;
/// The type a Socket-Type value names, ignoring ASCII case; nullopt when unknown (draft types
/// such as CLIENT or RADIO included: we do not speak them yet).
std::optional<socket_type> parse_socket_type(std::string_view name) noexcept;
/// Whether a socket of type `ours` accepts a peer of type `peer`.
bool compatible(socket_type ours, socket_type peer) noexcept;
/// Whether this type sends the Identity property in READY (libzmq: REQ, DEALER, ROUTER).
bool sends_identity(socket_type type) noexcept;

}  // namespace shardmq::net::zmtp
