#pragma once
// The protocol side of one ZMTP connection with the NULL mechanism, still without I/O: what to
// write first, and what the peer's bytes mean. It runs the greeting and READY exchange, checks
// the peer's socket type, answers PING (PONG bytes queued for the connection to write), drops
// unknown commands and PONGs, and hands out message frames and SUBSCRIBE/CANCEL. A connection
// must not send messages before ready: libzmq 4.3 drops a peer whose first message reaches it
// before it has sent its own READY (it parses the message as a handshake command).

#include <shardmq/alloc/buffer_pool.hpp>
#include <shardmq/alloc/slice.hpp>
#include <shardmq/net/zmtp/command.hpp>
#include <shardmq/net/zmtp/error.hpp>
#include <shardmq/net/zmtp/frame_decoder.hpp>
#include <shardmq/net/zmtp/greeting.hpp>
#include <shardmq/net/zmtp/socket_type.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace shardmq::net::zmtp {

/// What null_session::read() produced.
enum class session_event {
  need_more,  ///< the input is used up
  ready,      ///< the peer's greeting and READY were accepted: messages may flow both ways now
  frame,      ///< a message frame (with its MORE flag) is in `out`
  subscribe,  ///< a ZMTP 3.1 SUBSCRIBE; the topic is `out.body`
  cancel,     ///< a ZMTP 3.1 CANCEL; the topic is `out.body`
  error,      ///< the peer broke the protocol; error() says why; close the connection
};

/// One connection's NULL-mechanism protocol state, on the connection's core.
class null_session {
 public:
  /// `identity` (0..255 bytes, not starting with 0) goes into our READY when the type sends one;
  /// std::length_error otherwise.
  null_session(alloc::buffer_pool& pool, socket_type type, std::span<const std::byte> identity = {},
               decoder_options limits = {});

  /// Our greeting and READY, to write all at once on connect or accept.
  std::span<const std::byte> handshake_bytes() const noexcept { return {handshake_.data(), handshake_size_}; }

  /// Reads from the front of `input` (trimming what it used) up to the next event.
  session_event read(alloc::slice& input, decoded_frame& out);
  session_event read(std::span<const std::byte>& input, decoded_frame& out);
  /// Call at end of input: a partial greeting or frame becomes errc::truncated.
  const zmtp::error& finish() noexcept;

  /// PONGs owed to the peer; write them (before later messages is fine) and call control_written().
  std::span<const std::byte> control_output() const noexcept { return {control_.data(), control_size_}; }
  void control_written() noexcept { control_size_ = 0; }

  bool ready() const noexcept { return ready_; }
  const zmtp::error& error() const noexcept { return error_; }
  /// Valid once ready(): the peer's version, type (absent if it sent none) and identity.
  const peer_greeting& peer_greeting_info() const noexcept { return greeting_.peer(); }
  std::optional<socket_type> peer_type() const noexcept { return peer_type_; }
  std::span<const std::byte> peer_identity() const noexcept {
    return {peer_identity_.data(), peer_identity_size_};
  }
  /// The reason text of the peer's ERROR command, once read() failed with errc::peer_error.
  std::string_view peer_error_reason() const noexcept {
    return {reinterpret_cast<const char*>(peer_reason_.data()), peer_reason_size_};
  }
  /// TTL of the last PING, in deciseconds (0: none asked).
  std::uint16_t peer_ttl_deciseconds() const noexcept { return peer_ttl_; }
  /// PINGs read so far: a change across read() calls says a PING arrived in that input.
  std::uint64_t pings_received() const noexcept { return pings_received_; }
  /// The TTL of the PING that was the last frame read, in deciseconds; 0 when that PING had
  /// none or another frame followed it. libzmq times a peer out when nothing follows such a PING
  /// within the TTL, so a connection arms its timer from this.
  std::uint16_t trailing_ping_ttl() const noexcept { return trailing_ping_ttl_; }

 private:
  template <class Input>
  session_event read_from(Input& input, decoded_frame& out);
  session_event on_handshake_command(decoded_frame& frame);
  session_event on_command(decoded_frame& frame);
  session_event fail(zmtp::error e) noexcept;

  // Long header, "\5READY", Socket-Type with a 6-letter value, Identity of up to 255 bytes.
  static constexpr std::size_t max_ready_frame = 9 + 6 + (1 + 11 + 4 + 6) + (1 + 8 + 4 + 255);
  // Room for four PONGs: a peer that pings faster than we write loses the extra answers only.
  static constexpr std::size_t control_capacity = 4 * (2 + 5 + max_ping_context);

  socket_type type_;
  greeting_reader greeting_;
  frame_decoder decoder_;
  std::array<std::byte, greeting_size + max_ready_frame> handshake_{};
  std::size_t handshake_size_ = 0;
  bool ready_ = false;
  std::optional<socket_type> peer_type_;
  std::array<std::byte, 255> peer_identity_{};
  std::size_t peer_identity_size_ = 0;
  std::array<std::byte, 255> peer_reason_{};
  std::size_t peer_reason_size_ = 0;
  std::uint16_t peer_ttl_ = 0;
  std::uint64_t pings_received_ = 0;
  std::uint16_t trailing_ping_ttl_ = 0;
  std::array<std::byte, control_capacity> control_{};
  std::size_t control_size_ = 0;
  zmtp::error error_;
};

}  // namespace shardmq::net::zmtp
