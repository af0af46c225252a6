#pragma once
// Why a ZMTP peer was refused. The codec returns these as values, never throws on peer input:
// a connection logs the reason once, counts the code and closes; its neighbours carry on.

#include <string_view>
#include <system_error>

namespace shardmq::net::zmtp {

/// What a peer did wrong, as seen by the codec.
enum class errc {
  none = 0,
  not_zmtp,                  ///< greeting signature is not ZMTP 3 (garbage, or ZMTP 1.0 unversioned)
  unsupported_version,       ///< a versioned peer older than 3.0 (ZMTP 1.0 / 2.0)
  mechanism_mismatch,        ///< the peer's security mechanism is not ours
  bad_flags,                 ///< a frame flags byte that is not allowed (e.g. MORE on a command)
  frame_too_large,           ///< a frame above maxmsgsize, or a size with the top bit set
  truncated,                 ///< the stream ended inside a greeting or a frame
  malformed_command,         ///< a command body that does not follow its grammar
  incompatible_socket_type,  ///< the peer's Socket-Type cannot talk to ours
  unexpected_frame,          ///< a frame the handshake state does not allow (e.g. data before READY)
  peer_error,                ///< the peer sent an ERROR command
};

/// An error code plus a human-readable reason; the reason points at static text.
struct error {
  errc code = errc::none;
  std::string_view reason;

  explicit operator bool() const noexcept { return code != errc::none; }
};

/// The category of zmtp::errc, so a connection can report std::error_code like everything else.
const std::error_category& zmtp_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), zmtp_category()}; }

}  // namespace shardmq::net::zmtp

template <>
struct std::is_error_code_enum<shardmq::net::zmtp::errc> : std::true_type {};
