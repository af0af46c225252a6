#pragma once
// Frame headers and whole frames as ZMTP 3 puts them on the wire: the short form (1-byte size)
// for bodies up to 255 bytes, as libzmq does, and the long form (8-byte big-endian size) above.
// A connection gathers header and body separately (writev), so the header is its own value.

#include <shardmq/net/zmq/message.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace shardmq::net::zmtp {

/// Bodies up to this size use the short form.
inline constexpr std::size_t max_short_body = 255;

/// The flags and size bytes that precede a body: 2 bytes (short) or 9 (long).
struct frame_header {
  std::array<std::byte, 9> bytes{};
  std::uint8_t size = 0;
  std::span<const std::byte> span() const noexcept { return {bytes.data(), size}; }
};

/// The header of a frame of `body_size` bytes. `more` and `command` must not both be set.
frame_header make_frame_header(std::uint64_t body_size, bool more, bool command = false) noexcept;
/// Header plus body bytes of such a frame.
constexpr std::size_t encoded_frame_size(std::size_t body_size) noexcept {
  return body_size + (body_size <= max_short_body ? 2 : 9);
}
/// Writes one frame (header then body) at the front of `out` and returns its size;
/// std::length_error when `out` is too small.
std::size_t write_frame(std::span<std::byte> out, std::span<const std::byte> body, bool more,
                        bool command = false);

/// Bytes of all frames of `message`, MORE on every frame but the last.
std::size_t encoded_message_size(const zmq::message& message) noexcept;
/// Writes every frame of `message`; std::length_error when `out` is too small.
std::size_t write_message(std::span<std::byte> out, const zmq::message& message);

}  // namespace shardmq::net::zmtp
