#pragma once
// The 64-byte ZMTP 3 greeting. We write all of it at once on connect/accept (libzmq sends its
// greeting in three steps and waits for ours in between: waiting for the peer's whole greeting
// before writing would deadlock) and read the peer's incrementally, refusing as early as the
// bytes allow so an old or garbage peer is closed without waiting for 64 bytes it never sends.

#include <shardmq/net/zmtp/error.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace shardmq::net::zmtp {

inline constexpr std::size_t greeting_size = 64;
/// Bytes of the mechanism field (ASCII, NUL-padded).
inline constexpr std::size_t mechanism_field_size = 20;

/// Our greeting: signature with libzmq's padding (00..01, what it sends for an empty identity),
/// version 3.1, `mechanism` (at most 20 characters) and the as-server byte (0 for NULL).
std::array<std::byte, greeting_size> make_greeting(std::string_view mechanism = "NULL",
                                                   bool as_server = false);

/// What a peer's greeting said.
struct peer_greeting {
  std::uint8_t major = 0;
  std::uint8_t minor = 0;
  bool as_server = false;
  /// ZMTP 3.1 framing and commands (SUBSCRIBE/CANCEL): minor ≥ 1, or any major above 3, which
  /// the RFC says we must accept and speak our own version to.
  bool speaks_3_1() const noexcept { return major > 3 || minor >= 1; }
};

/// Reads a peer's greeting from any split of the bytes. feed() takes what belongs to the
/// greeting and leaves the rest (the first frames) to the caller.
class greeting_reader {
 public:
  /// `mechanism` must match the peer's field exactly (20 bytes, NUL-padded).
  explicit greeting_reader(std::string_view mechanism = "NULL") noexcept;

  /// Consumes up to the end of the greeting from `input` and returns how many bytes it took;
  /// nothing once done() or failed().
  std::size_t feed(std::span<const std::byte> input) noexcept;
  /// Call at end of input: a greeting still incomplete becomes errc::truncated.
  void finish() noexcept;

  bool done() const noexcept { return received_ == greeting_size && !error_; }
  bool failed() const noexcept { return static_cast<bool>(error_); }
  const zmtp::error& error() const noexcept { return error_; }
  /// Valid once done().
  const peer_greeting& peer() const noexcept { return peer_; }

 private:
  void check_byte(std::size_t offset) noexcept;
  void fail(errc code, std::string_view reason) noexcept;

  std::array<char, mechanism_field_size> mechanism_{};
  std::array<std::byte, greeting_size> bytes_{};
  std::size_t received_ = 0;
  peer_greeting peer_;
  zmtp::error error_;
};

}  // namespace shardmq::net::zmtp
