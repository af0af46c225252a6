#pragma once
// ZMTP commands (frames with the COMMAND flag): body = [name-len:1][name][data]. Parsing reads a
// decoded command body in place; writing puts a whole command frame (header included) into a
// caller's buffer. Names are matched case-sensitively, as libzmq does.

#include <shardmq/net/zmtp/error.hpp>
#include <shardmq/net/zmtp/socket_type.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace shardmq::net::zmtp {

/// The commands the NULL mechanism and ZMTP 3.1 define; anything else is `unknown`, which a
/// connection ignores after the handshake (libzmq drops unknown commands silently).
enum class command_name { ready, error, ping, pong, subscribe, cancel, unknown };

/// A command body split into name and data, viewing the body's bytes.
struct command {
  command_name name = command_name::unknown;
  std::string_view name_text;
  std::span<const std::byte> data;
};
/// Splits a command body; errc::malformed_command when it is empty, the name is empty or the
/// name runs past the body.
zmtp::error parse_command(std::span<const std::byte> body, command& out) noexcept;

/// The properties of a READY command that we use; unknown properties (X- app metadata) are skipped.
struct ready_metadata {
  bool has_socket_type = false;
  std::string_view socket_type;
  bool has_identity = false;
  std::span<const std::byte> identity;
};
/// Parses READY's data: properties [name-len:1][name][value-len:4 BE][value]. Names match
/// ignoring ASCII case; errc::malformed_command on an empty name, a property running past the
/// data, an Identity above 255 bytes or starting with the reserved byte 0x00.
zmtp::error parse_ready(std::span<const std::byte> data, ready_metadata& out) noexcept;
/// errc::incompatible_socket_type when the peer's Socket-Type is unknown or cannot talk to
/// `ours`. A READY without Socket-Type is accepted, as libzmq does.
zmtp::error check_peer_socket_type(socket_type ours, const ready_metadata& peer) noexcept;

/// The data of a PING: TTL in deciseconds (0 = none) and up to 16 context bytes to echo.
struct ping {
  std::uint16_t ttl_deciseconds = 0;
  std::span<const std::byte> context;
};
/// errc::malformed_command when the TTL is missing. Context above 16 bytes is accepted and
/// truncated when echoed.
zmtp::error parse_ping(std::span<const std::byte> data, ping& out) noexcept;
/// The reason of an ERROR command; errc::malformed_command when the length runs past the data.
zmtp::error parse_error(std::span<const std::byte> data, std::string_view& reason) noexcept;

/// Longest PING context echoed in PONG.
inline constexpr std::size_t max_ping_context = 16;

/// Size of a whole command frame (header included) with this name and data size.
std::size_t command_frame_size(std::string_view name, std::size_t data_size) noexcept;
/// Size of the READY frame write_ready() makes.
std::size_t ready_frame_size(socket_type type, std::span<const std::byte> identity) noexcept;

// Each writer puts a whole command frame at the front of `out` and returns its size; it throws
// std::length_error when `out` is too small or an argument breaks a length rule (a programming
// error: options are validated before a connection exists).

/// READY with Socket-Type, and Identity (possibly empty) when sends_identity(type), as libzmq.
std::size_t write_ready(std::span<std::byte> out, socket_type type, std::span<const std::byte> identity = {});
/// ERROR with `reason` (at most 255 bytes).
std::size_t write_error(std::span<std::byte> out, std::string_view reason);
/// PING with a TTL and up to 16 context bytes.
std::size_t write_ping(std::span<std::byte> out, std::uint16_t ttl_deciseconds,
                       std::span<const std::byte> context = {});
/// PONG echoing the first 16 bytes of `context`.
std::size_t write_pong(std::span<std::byte> out, std::span<const std::byte> context);
/// ZMTP 3.1 SUBSCRIBE / CANCEL of a topic prefix (send them only to peers that speak 3.1).
std::size_t write_subscribe(std::span<std::byte> out, std::span<const std::byte> topic);
std::size_t write_cancel(std::span<std::byte> out, std::span<const std::byte> topic);

}  // namespace shardmq::net::zmtp
