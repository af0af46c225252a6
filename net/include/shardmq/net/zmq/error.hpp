#pragma once
// Why a socket operation did not happen, as error values (Asio style): the conditions libzmq
// reports through errno, with std::errc where POSIX has the code and our own category for the
// rest.

#include <system_error>

namespace shardmq::net::zmq {

/// Socket errors without a POSIX equivalent (libzmq's EFSM, ETERM, ...).
enum class errc {
  /// The operation is not allowed in the socket's current state (libzmq EFSM), e.g. a REQ
  /// sending twice without receiving the reply.
  wrong_state = 1,
  /// The socket was closed (or its engine stopped) while the operation waited.
  socket_closed,
  /// The socket type cannot do this (libzmq ENOTSUP), e.g. receiving on a PUSH.
  not_supported_by_type,
  /// A message without frames, or a ROUTER message without its routing-id frame.
  bad_message,
};

const std::error_category& zmq_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), zmq_category()}; }

/// try_send/try_receive return this when they would have to wait (libzmq EAGAIN).
inline std::error_code would_block() noexcept {
  return std::make_error_code(std::errc::resource_unavailable_try_again);
}
/// A ROUTER with router_mandatory sending to an unknown routing id (libzmq EHOSTUNREACH).
inline std::error_code host_unreachable() noexcept {
  return std::make_error_code(std::errc::host_unreachable);
}

}  // namespace shardmq::net::zmq

template <>
struct std::is_error_code_enum<shardmq::net::zmq::errc> : std::true_type {};
